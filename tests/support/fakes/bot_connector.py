"""A fake Bot Connector (the Teams service behind an activity's `serviceUrl`) on 127.0.0.1.

One HTTP server thread stands in for https://smba.trafficmanager.net/…; tests put its `service_url` in the
activities they post, so botbuilder sends replies and proactive messages here. Every request is recorded
(method, path, conversation id, reply-to id, JSON body, headers, arrival time) and tests poll for what they
expect, because the bot answers asynchronously.

    POST /v3/conversations                                    create a conversation -> {"id", "activityId"}
    POST /v3/conversations/{conversationId}/activities        send to conversation  -> {"id"}
    POST /v3/conversations/{conversationId}/activities/{id}   reply to an activity  -> {"id"}
    GET  /v3/conversations/{conversationId}/members/{userId}  one member (404 for users told to be outsiders)

`forbid(conversation_id)` makes every call for that conversation (and its threads) answer 403, as Teams does
when the bot was removed.

    with FakeBotConnector() as connector:
        activity["serviceUrl"] = connector.service_url
        ...
        [reply] = connector.wait_for_activities(1)
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlparse

from tests.support.fakes.loopback import LoopbackServer


@dataclass
class Received:
    method: str
    path: str
    kind: str  # "send" | "reply" | "create" | "member" | "other"
    conversation_id: str | None
    reply_to_id: str | None
    body: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.perf_counter() on arrival
    status: int = 200


@dataclass
class _State:
    requests: list[Received] = field(default_factory=list)
    forbidden: set[str] = field(default_factory=set)
    outsiders: set[str] = field(default_factory=set)
    outsiders_of: set[tuple[str, str]] = field(default_factory=set)  # (conversation, user): one team only
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    cond: threading.Condition = field(default_factory=threading.Condition)


def _route(path: str) -> tuple[str, str | None, str | None]:
    """(kind, conversation id, activity or member id) for a /v3 path; ids are percent-decoded."""
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if parts[:2] != ["v3", "conversations"]:
        return "other", None, None
    if len(parts) == 2:
        return "create", None, None
    conv = parts[2]
    if len(parts) == 4 and parts[3] == "activities":
        return "send", conv, None
    if len(parts) == 5 and parts[3] == "activities":
        return "reply", conv, parts[4]
    if len(parts) == 5 and parts[3] == "members":
        return "member", conv, parts[4]
    return "other", conv, None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args) -> None:
        pass

    def _handle(self) -> None:
        at = time.perf_counter()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        path = urlparse(self.path).path
        kind, conv, sub_id = _route(path)
        state = self.server.state
        status = 200
        payload: dict[str, Any] = {}
        with state.cond:
            if conv is not None and self.server.is_forbidden(conv):
                status = 403
                payload = {
                    "error": {
                        "code": "BotNotInConversationRoster",
                        "message": "The bot is not part of the conversation roster.",
                    }
                }
            elif kind == "create":
                n = next(state.ids)
                status, payload = 201, {"id": f"conv-{n}", "activityId": f"activity-{n}"}
            elif kind in ("send", "reply"):
                status, payload = 201, {"id": f"activity-{next(state.ids)}"}
            elif kind == "member":
                if sub_id in state.outsiders or (conv, sub_id) in state.outsiders_of:
                    status = 404
                    payload = {"error": {"code": "MemberNotFoundInConversation", "message": "Not a member"}}
                else:
                    payload = {"id": sub_id, "name": "Member", "aadObjectId": sub_id}
            else:
                status, payload = 404, {"error": {"code": "NotFound", "message": path}}
            state.requests.append(
                Received(
                    self.command,
                    path,
                    kind,
                    conv,
                    sub_id if kind == "reply" else None,
                    body,
                    {k.lower(): v for k, v in self.headers.items()},
                    at,
                    status,
                )
            )
            state.cond.notify_all()
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_GET = do_PUT = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def is_forbidden(self, conversation_id: str) -> bool:
        base = conversation_id.split(";messageid=", 1)[0]
        return conversation_id in self.state.forbidden or base in self.state.forbidden


class FakeBotConnector(LoopbackServer["_Server"]):
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        server = _Server((host, port), _Handler)
        server.state = _State()
        self._host = host
        super().__init__(server, "fake-bot-connector")

    @property
    def service_url(self) -> str:
        return f"http://{self._host}:{self.port}/"

    # --- behaviour ---
    def forbid(self, conversation_id: str) -> None:
        """Answer 403 for this conversation (and its channel threads) from now on."""
        with self._server.state.cond:
            self._server.state.forbidden.add(conversation_id)

    def not_a_member(self, user_id: str, conversation_id: str | None = None) -> None:
        """GET …/members/{user_id} answers 404 from now on (for one team or conversation, if given)."""
        with self._server.state.cond:
            if conversation_id is None:
                self._server.state.outsiders.add(user_id)
            else:
                self._server.state.outsiders_of.add((conversation_id, user_id))

    # --- inspection ---
    @property
    def requests(self) -> list[Received]:
        with self._server.state.cond:
            return list(self._server.state.requests)

    def activities(self, conversation_id: str | None = None) -> list[Received]:
        """Messages the bot sent or tried to send (send + reply), optionally for one conversation."""
        return [
            r
            for r in self.requests
            if r.kind in ("send", "reply")
            and (conversation_id is None or r.conversation_id == conversation_id)
        ]

    def wait_for(self, predicate, count: int = 1, timeout: float = 10.0) -> list[Received]:
        """Wait until `count` recorded requests satisfy `predicate`; return them (raises on timeout)."""
        deadline = time.monotonic() + timeout
        state = self._server.state
        with state.cond:
            while True:
                found = [r for r in state.requests if predicate(r)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} matching connector requests within {timeout}s, got {len(found)}: "
                        f"{[(r.kind, r.conversation_id) for r in state.requests]}"
                    )
                state.cond.wait(left)

    def wait_for_activities(
        self, count: int = 1, conversation_id: str | None = None, timeout: float = 10.0
    ) -> list[Received]:
        return self.wait_for(
            lambda r: (
                r.kind in ("send", "reply")
                and (conversation_id is None or r.conversation_id == conversation_id)
            ),
            count,
            timeout,
        )

    def clear(self) -> None:
        with self._server.state.cond:
            self._server.state.requests.clear()
