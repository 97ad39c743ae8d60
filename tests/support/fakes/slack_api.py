"""A fake Slack Web API on 127.0.0.1, modelled on slack-bolt-python's tests/mock_web_api_server.

One HTTP server thread stands in for https://slack.com/api/. The app's client gets `base_url`
(`SLACK_API_BASE_URL`); every request is recorded (method path + parsed body) so tests assert on
what reached "Slack", polling briefly because replies are asynchronous. It can be told to answer
the next N calls of a method with HTTP 429 + Retry-After, or with an `ok: false` error.

Any other path (e.g. a `response_url` the test put in a payload) is recorded and answered `ok`.

It is also files.slack.com: `add_file` hosts a file and returns the file object a `file_share` message
event carries (`url_private_download` on this server, `size` as stated); a GET of that URL with the
bot token (`Authorization: Bearer xoxb-…`) gets the bytes, and without it Slack's HTML sign-in page,
as Slack answers. `files.info` returns the same object. `downloads()` lists the GETs of hosted files.

    with FakeSlackAPI() as slack:
        settings = Settings(SLACK_API_BASE_URL=slack.base_url, ...)
        ...
        posts = slack.wait_for("chat.postMessage", 1)
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.support.fakes.file_serving import HostedFile, reply_text, serve
from tests.support.fakes.loopback import LoopbackServer
from tests.support.polling import eventually, eventually_async

BOT_USER_ID = "UHIBOTBOT"
BOT_ID = "BHIBOTBOT"
TEAM_ID = "T0HIBOT01"
API_PREFIX = "/api/"
UPLOAD_PREFIX = "/upload/v1/"  # where files.getUploadURLExternal sends a file's bytes
FILES_PREFIX = "/files-pri/"  # files.slack.com's private file URLs
SIGN_IN_PAGE = "<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>"


@dataclass
class Received:
    path: str  # "chat.postMessage" for Web API methods, the full path for anything else
    body: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived
    status: int = 200  # what the fake answered: 429 for a scripted rate limit
    ok: bool = True  # False when a scripted error or rate limit was returned


@dataclass
class _Scripted:
    """What to answer for the next `remaining` calls of one method instead of the normal reply."""

    remaining: int
    status: int = 200
    error: str | None = None
    retry_after: int | None = None


@dataclass
class _State:
    requests: list[Received] = field(default_factory=list)
    scripted: dict[str, list[_Scripted]] = field(default_factory=dict)
    replies: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    users: dict[str, dict] = field(default_factory=dict)
    memberships: dict[str, list[str]] = field(
        default_factory=dict
    )  # user -> channels, for users.conversations
    channels: list[dict] = field(default_factory=list)
    files: dict[str, tuple[dict, HostedFile]] = field(default_factory=dict)  # download path -> file
    lock: threading.Lock = field(default_factory=threading.Lock)
    ts: itertools.count = field(default_factory=lambda: itertools.count(1))


def _parse_body(raw: bytes, query: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
    if not raw:
        return params
    text = raw.decode("utf-8")
    if text.lstrip().startswith("{"):
        return {**params, **json.loads(text)}
    form = {k: v[0] for k, v in parse_qs(text).items()}
    for key in ("blocks", "view", "attachments"):  # form-encoded calls carry these as JSON strings
        if isinstance(form.get(key), str) and form[key][:1] in "[{":
            form[key] = json.loads(form[key])
    return {**params, **form}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        url = urlparse(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if url.path.startswith(UPLOAD_PREFIX):  # a file's bytes (files_upload_v2's second step)
            body: dict[str, Any] = {"bytes": len(raw), "png": raw[:8] == b"\x89PNG\r\n\x1a\n"}
        else:
            body = _parse_body(raw, url.query)
        path = url.path.removeprefix(API_PREFIX)
        state = self.server.state
        with state.lock:
            scripted = state.scripted.get(path) or []
            step = scripted[0] if scripted else None
            if step:
                step.remaining -= 1
                if step.remaining <= 0:
                    scripted.pop(0)
            status = step.status if step else 200
            ok = step is None
            state.requests.append(
                Received(path, body, dict(self.headers.items()), time.monotonic(), status, ok)
            )
        if step is not None:
            headers = {"Retry-After": str(step.retry_after)} if step.retry_after is not None else {}
            payload = {"ok": False, "error": step.error or "ratelimited"}
            return self._reply(step.status, payload, headers)
        auth = self.headers.get("Authorization", "")
        if path.startswith(FILES_PREFIX):
            return self._file(path, auth)
        if path.startswith("/"):  # a response_url or webhook, not a Web API method
            return self._reply(200, {"ok": True})
        if path == "apps.connections.open" and auth.startswith("Bearer xapp-"):
            # Socket Mode's first step; nothing listens at this WebSocket URL (no cloud in tests).
            return self._reply(200, {"ok": True, "url": "ws://127.0.0.1:9/link/?ticket=fake"})
        if not auth.startswith("Bearer xoxb-"):
            return self._reply(200, {"ok": False, "error": "invalid_auth"})
        return self._reply(200, self._answer(path, body))

    def _file(self, path: str, auth: str) -> None:
        with self.server.state.lock:
            hosted = self.server.state.files.get(path)
        if hosted is None:
            return reply_text(self, 404, "Not found", "text/plain")
        if not auth.startswith("Bearer xoxb-"):  # Slack shows its sign-in page, with 200
            return reply_text(self, 200, SIGN_IN_PAGE, "text/html; charset=utf-8")
        serve(self, hosted[1])

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        state = self.server.state
        if method == "files.info":
            with state.lock:
                found = [f for f, _ in state.files.values() if f["id"] == body.get("file")]
            return {"ok": True, "file": found[0]} if found else {"ok": False, "error": "file_not_found"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://hibot-test.slack.com/",
                "team": "hibot test",
                "user": "hibot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        if method == "chat.postMessage":
            ts = f"1700000000.{next(state.ts):06d}"
            return {
                "ok": True,
                "channel": body.get("channel"),
                "ts": ts,
                "message": {"type": "message", "bot_id": BOT_ID, "ts": ts, "text": body.get("text", "")},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(state.ts):06d}"}
        if method == "conversations.replies":
            with state.lock:
                messages = list(state.replies.get((body.get("channel", ""), body.get("ts", ""))) or [])
            return {"ok": True, "messages": messages, "has_more": False}
        if method in ("views.publish", "views.open"):
            view = body.get("view")
            view = json.loads(view) if isinstance(view, str) else (view or {})
            return {"ok": True, "view": {"id": "V0FAKE", **view}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(state.ts):08d}"
            port = self.server.server_address[1]
            return {
                "ok": True,
                "file_id": file_id,
                "upload_url": f"http://127.0.0.1:{port}{UPLOAD_PREFIX}{file_id}",
            }
        if method == "files.completeUploadExternal":
            files = body.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        if method == "conversations.list":
            with state.lock:
                channels = list(state.channels)
            return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
        if method == "users.conversations":
            with state.lock:
                member_of = state.memberships.get(body.get("user", ""))
            if member_of is None:  # a workspace that has not granted channels:read / groups:read yet
                return {"ok": False, "error": "missing_scope", "needed": "channels:read,groups:read"}
            channels = [{"id": c, "is_member": True} for c in member_of]
            return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
        if method == "users.info":
            user_id = body.get("user", "")
            with state.lock:
                user = {"id": user_id, "is_admin": False, "is_owner": False, **state.users.get(user_id, {})}
            return {"ok": True, "user": user}
        return {"ok": True}

    def _reply(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class FakeSlackAPI(LoopbackServer["_Server"]):
    """The fake Web API server thread. Use as a context manager, or start()/stop()."""

    def __init__(self) -> None:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = _State()
        super().__init__(server, "fake-slack-api")

    # --- lifecycle ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What `SLACK_API_BASE_URL` should be (slack_sdk appends the method name)."""
        return self.url + API_PREFIX

    def response_url(self, name: str = "r") -> str:
        return f"{self.url}/response/{name}"

    # --- configuration --------------------------------------------------------------------------
    def set_thread(self, channel: str, thread_ts: str, messages: list[dict]) -> None:
        """What conversations.replies returns for this thread (parent first, as Slack does)."""
        with self._server.state.lock:
            self._server.state.replies[(channel, thread_ts)] = messages

    def set_user(self, user_id: str, *, is_admin: bool = False, is_owner: bool = False) -> None:
        with self._server.state.lock:
            self._server.state.users[user_id] = {"is_admin": is_admin, "is_owner": is_owner}

    def add_channel(self, channel_id: str, name: str) -> None:
        """A channel conversations.list returns from now on."""
        with self._server.state.lock:
            self._server.state.channels.append({"id": channel_id, "name": name, "is_channel": True})

    def set_channels(self, user_id: str, channels: list[str]) -> None:
        """What users.conversations returns for this user (unset: `missing_scope`, as for a workspace
        that installed the app before it asked for channels:read and groups:read)."""
        with self._server.state.lock:
            self._server.state.memberships[user_id] = list(channels)

    def add_file(
        self,
        name: str,
        data: bytes,
        *,
        mimetype: str = "application/pdf",
        filetype: str = "pdf",
        size: int | None = None,
        flood: int | None = None,
        redirect: str | None = None,
        user: str = "U0CLINIC1",
    ) -> dict[str, Any]:
        """Host a file; returns its file object as a `file_share` event carries it. `size` states a size
        (and never sends a body: a client must refuse it from the number); `flood` streams that many
        bytes with no length stated instead of `data`; `redirect` answers 302 to that URL."""
        with self._server.state.lock:
            file_id = f"F{next(self._server.state.ts):08d}"
        path = f"{FILES_PREFIX}{TEAM_ID}-{file_id}/download/{name}"
        hosted = HostedFile(data, mimetype, declared=size, flood=flood, redirect=redirect)
        obj = {
            "id": file_id,
            "created": int(time.time()),
            "timestamp": int(time.time()),
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": user,
            "user_team": TEAM_ID,
            "editable": False,
            "size": size if size is not None else (flood if flood is not None else len(data)),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "url_private": f"{self.url}{FILES_PREFIX}{TEAM_ID}-{file_id}/{name}",
            "url_private_download": f"{self.url}{path}",
            "permalink": f"https://hibot-test.slack.com/files/{user}/{file_id}/{name}",
        }
        if flood is not None:
            del obj["size"]  # the stream's real size is not known up front
        with self._server.state.lock:
            self._server.state.files[path] = (obj, hosted)
        return obj

    def hosted(self, file_obj: dict[str, Any]) -> HostedFile:
        """The served side of a file `add_file` returned (what was sent)."""
        path = urlparse(file_obj["url_private_download"]).path
        with self._server.state.lock:
            return self._server.state.files[path][1]

    def downloads(self) -> list[Received]:
        """Every GET of a hosted file's URL."""
        return [r for r in self.requests if r.path.startswith(FILES_PREFIX)]

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of `method` get HTTP 429 with Retry-After."""
        self._script(method, _Scripted(times, status=429, error="ratelimited", retry_after=retry_after))

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next `times` calls of `method` get `{"ok": false, "error": error}` (HTTP 200, like Slack)."""
        self._script(method, _Scripted(times, error=error))

    def _script(self, method: str, step: _Scripted) -> None:
        with self._server.state.lock:
            self._server.state.scripted.setdefault(method, []).append(step)

    # --- inspection -----------------------------------------------------------------------------
    @property
    def requests(self) -> list[Received]:
        with self._server.state.lock:
            return list(self._server.state.requests)

    def calls(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [r.body for r in self.calls(path)]

    def count(self, path: str) -> int:
        return len(self.calls(path))

    def delivered(self, path: str) -> list[Received]:
        """Calls that succeeded (not rate-limited, not a scripted error)."""
        return [r for r in self.calls(path) if r.ok]

    def wait_for(self, path: str, count: int = 1, timeout: float = 10.0) -> list[Received]:
        """Poll until at least `count` calls of `path` arrived; returns them (fails after timeout)."""
        try:
            return eventually(self._arrived(path, count, ok_only=False), timeout)
        except AssertionError:
            raise self._missing(path, count, timeout) from None

    async def until(
        self, path: str, count: int = 1, timeout: float = 10.0, ok_only: bool = True
    ) -> list[Received]:
        """`wait_for` for async tests: polls without blocking the event loop the app runs on."""
        try:
            return await eventually_async(self._arrived(path, count, ok_only), timeout)
        except AssertionError:
            raise self._missing(path, count, timeout) from None

    def _arrived(self, path: str, count: int, ok_only: bool) -> Callable[[], list[Received]]:
        def arrived() -> list[Received]:
            found = self.delivered(path) if ok_only else self.calls(path)
            return found if len(found) >= count else []

        return arrived

    def _missing(self, path: str, count: int, timeout: float) -> AssertionError:
        seen = sorted({r.path for r in self.requests})
        got = len(self.calls(path))
        return AssertionError(f"expected {count} x {path} within {timeout}s, got {got}; saw {seen}")

    def clear(self) -> None:
        with self._server.state.lock:
            self._server.state.requests.clear()
