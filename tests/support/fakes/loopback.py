"""What every fake cloud API here shares: an HTTP server on a thread, started and stopped by the test."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Generic, Self, TypeVar

S = TypeVar("S", bound=ThreadingHTTPServer)


class LoopbackServer(Generic[S]):
    """Serves `server` on a daemon thread; `port` is the one the OS picked (tests bind port 0)."""

    def __init__(self, server: S, name: str):
        self._server = server
        # A short poll interval keeps stop() quick; the default 0.5 s adds up across tests.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_port

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
