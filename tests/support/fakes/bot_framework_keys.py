"""A fake of the Bot Framework's token-signing key endpoints (login.botframework.com) on 127.0.0.1, and the
tokens the Bot Service would send signed with its key.

    GET /v1/.well-known/openidconfiguration   -> {"issuer", "jwks_uri"}
    GET /keys                                 -> {"keys": [the RSA public key, endorsed for msteams]}

`hang()` makes every request be accepted and never answered (a proxy that swallows the connection);
`fail()` answers 500. Every request is counted, so a test can see how often hibot fetched.

    with BotFrameworkKeys() as keys:
        settings = make_settings(tmp_path, HIBOT_TEAMS_OPENID_URL=keys.metadata_url, ...)
        headers = {"Authorization": "Bearer " + keys.token(app_id, service_url)}
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.fakes.loopback import LoopbackServer

ISSUER = "https://api.botframework.com"
KID = "fake-bf-key-1"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    mode: str = "serve"
    hits: int = 0
    jwks: dict[str, Any]
    released: threading.Event


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        srv = self.server
        srv.hits += 1
        if srv.mode == "hang":
            srv.released.wait(120)  # accepted, never answered (until the test ends)
            return
        if srv.mode == "fail":
            return self._send(500, {"error": "unavailable"})
        if self.path.startswith("/v1/.well-known/openidconfiguration"):
            base = f"http://127.0.0.1:{srv.server_port}"
            return self._send(200, {"issuer": ISSUER, "jwks_uri": f"{base}/keys"})
        if self.path.startswith("/keys"):
            return self._send(200, srv.jwks)
        self._send(404, {})

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class BotFrameworkKeys(LoopbackServer["_Server"]):
    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        server = _Server(("127.0.0.1", 0), _Handler)
        server.jwks = {"keys": [{**public, "kid": KID, "use": "sig", "endorsements": ["msteams"]}]}
        server.released = threading.Event()
        super().__init__(server, "fake-bot-framework-keys")

    @property
    def metadata_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/.well-known/openidconfiguration"

    @property
    def hits(self) -> int:
        return self._server.hits

    def hang(self) -> None:
        self._server.mode = "hang"

    def fail(self) -> None:
        self._server.mode = "fail"

    def serve(self) -> None:
        self._server.mode = "serve"

    def stop(self) -> None:
        self._server.released.set()
        super().stop()

    def token(self, app_id: str, service_url: str, *, headers: dict | None = None, **claims: Any) -> str:
        """A token as the Bot Service signs it; `claims` and `headers` override the genuine ones."""
        now = int(time.time())
        body = {"iss": ISSUER, "aud": app_id, "serviceurl": service_url, "nbf": now - 5, "exp": now + 3600}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, self.private_key, algorithm="RS256", headers={"kid": KID, **(headers or {})})
