"""What every fake cloud API here shares: an HTTP server on a thread, started and stopped by the test."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Self


class LoopbackServer:
    def __init__(self, server: ThreadingHTTPServer, name: str):
        self._server = server
        # A short poll interval keeps stop() quick; the default 0.5 s adds up across tests.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
        )

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
