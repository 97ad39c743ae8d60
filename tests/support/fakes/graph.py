"""A fake Microsoft Graph on 127.0.0.1, for the one call hibot makes: who owns a team.

    GET /v1.0/teams/{group id}/members?$filter=(microsoft.graph.aadUserConversationMember/userId eq 'X')
        -> {"value": [{"userId": X, "roles": ["owner"] or []}]}

Tests set `HIBOT_GRAPH_URL` to `base_url` and name the owners with `make_owner(group, aad id)`.
Every request is recorded (path, query, Authorization header)."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

from tests.support.fakes.loopback import LoopbackServer

_FILTER_USER = re.compile(r"userId eq '([^']*)'")


@dataclass
class _State:
    owners: set[tuple[str, str]] = field(default_factory=set)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        url = urlparse(self.path)
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        query = parse_qs(url.query).get("$filter", [""])[0]
        state = self.server.state
        with state.lock:
            state.requests.append((url.path, query, self.headers.get("Authorization")))
            owners = set(state.owners)
        status, body = 404, {"error": {"code": "NotFound"}}
        if len(parts) == 4 and parts[:2] == ["v1.0", "teams"] and parts[3] == "members":
            m = _FILTER_USER.search(query)
            user = m.group(1) if m else ""
            roles = ["owner"] if (parts[2], user) in owners else []
            status, body = 200, {"value": [{"userId": user, "roles": roles}] if user else []}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class FakeGraph(LoopbackServer[_Server]):
    def __init__(self) -> None:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = _State()
        super().__init__(server, "fake-graph")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def make_owner(self, group_id: str, aad_id: str) -> None:
        with self._server.state.lock:
            self._server.state.owners.add((group_id, aad_id))

    @property
    def requests(self) -> list[tuple[str, str, str | None]]:
        with self._server.state.lock:
            return list(self._server.state.requests)
