"""The writes a user's action produces (the answer's audit record, feedback, a chat turn), made so
that an outage never fails the caller and never loses the write: a short retry (~0.6 s), then the
durable outbox (outbox.py), drained in order once the database is back.

Feedback on an answer still waiting in the outbox waits behind it, so the store's "only for answers
hibot gave" check sees the answer first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.models import Answer
from bot.safety import redact
from bot.storage.outbox import Outbox

QUICK_ATTEMPTS = 3  # 0.2 + 0.4 s of backoff: an answer is not held up for the full outage retry


class DurableWrites:
    def __init__(
        self, store: Any, directory: Path, retrying: Callable[..., Any], transient: Callable[..., bool]
    ):
        self.store = store
        self._retrying, self._transient = retrying, transient
        self.outbox = Outbox(directory, self._apply, transient)

    def save_answer(
        self, answer: Answer, platform: str, rendered: Any, user_id: str | None = None, **kwargs: Any
    ) -> None:
        call = {"answer": answer.to_dict(), "platform": platform, "rendered": rendered, "user_id": user_id}
        self._write("save_answer", {**call, "kwargs": _encoded(kwargs)})

    def add_feedback(
        self,
        platform: str,
        user_id: str,
        answer_id: str,
        rating: int,
        comment: str | None = None,
        **kwargs: Any,
    ) -> bool | None:
        """True stored, False refused (no such answer), None waiting in the outbox."""
        call = {
            "platform": platform,
            "user_id": user_id,
            "answer_id": answer_id,
            "rating": rating,
            "comment": redact(comment).text if comment else comment,
            "kwargs": _encoded(kwargs),
        }
        if self.outbox.holds_answer(answer_id):
            self.outbox.put("add_feedback", call)
            return None
        return self._write("add_feedback", call)

    def add_turn(self, platform: str, conversation_id: str, question: str, **kwargs: Any) -> None:
        call = {
            "platform": platform,
            "conversation_id": conversation_id,
            "question": redact(question).text,
            "kwargs": _encoded(kwargs),
        }
        self._write("add_turn", call)

    def _write(self, op: str, call: dict[str, Any]) -> Any:
        try:
            return self._retrying(op, self._apply, op, call, attempts=QUICK_ATTEMPTS)
        except Exception as e:
            if not self._transient(e):
                raise
            self.outbox.put(op, call)
            return None

    def _apply(self, op: str, call: dict[str, Any]) -> Any:
        kwargs = _decoded(call["kwargs"])
        if op == "save_answer":
            answer = Answer.from_dict(call["answer"])
            return self.store.save_answer(
                answer, call["platform"], call["rendered"], call["user_id"], **kwargs
            )
        if op == "add_feedback":
            return self.store.add_feedback(
                call["platform"],
                call["user_id"],
                call["answer_id"],
                call["rating"],
                call["comment"],
                **kwargs,
            )
        if op == "add_turn":
            return self.store.add_turn(call["platform"], call["conversation_id"], call["question"], **kwargs)
        raise ValueError(f"unknown outbox operation {op!r}")


def _encoded(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: ({"datetime": v.isoformat()} if isinstance(v, datetime) else v) for k, v in kwargs.items()}


def _decoded(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (datetime.fromisoformat(v["datetime"]) if isinstance(v, dict) and "datetime" in v else v)
        for k, v in kwargs.items()
    }
