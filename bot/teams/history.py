"""Earlier questions per conversation (thread), for follow-ups. In memory: a restart only forgets context."""

from __future__ import annotations

import time
from collections import OrderedDict, deque


class TurnHistory:
    """The last few (already redacted) questions per conversation id, oldest first, expiring after `ttl_s`."""

    def __init__(
        self, keep: int = 3, ttl_s: float = 3600.0, max_conversations: int = 10_000, clock=time.monotonic
    ):
        self.keep = keep
        self.ttl_s = ttl_s
        self.max_conversations = max_conversations
        self._clock = clock
        self._turns: OrderedDict[str, deque[tuple[float, str]]] = OrderedDict()

    def get(self, conversation_id: str) -> list[str]:
        turns = self._turns.get(conversation_id)
        if not turns:
            return []
        cutoff = self._clock() - self.ttl_s
        return [q for t, q in turns if t >= cutoff]

    def add(self, conversation_id: str, question: str) -> None:
        if not question:
            return
        turns = self._turns.pop(conversation_id, None) or deque(maxlen=self.keep)
        turns.append((self._clock(), question))
        self._turns[conversation_id] = turns
        while len(self._turns) > self.max_conversations:
            self._turns.popitem(last=False)
