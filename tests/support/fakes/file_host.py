"""A fake of where a Teams file attachment's bytes live (the sender's OneDrive, on SharePoint) on 127.0.0.1.

When someone attaches a file in a personal chat with a bot (the manifest's `supportsFiles`), Teams sends
the bot a message whose attachment is

    {"contentType": "application/vnd.microsoft.teams.file.download.info",
     "contentUrl": "https://contoso-my.sharepoint.com/personal/…/Documents/Microsoft Teams Chat Files/x.docx",
     "name": "x.docx",
     "content": {"downloadUrl": "https://contoso-my.sharepoint.com/…/download.aspx?UniqueId=…&tempauth=…",
                 "uniqueId": "1150D938-…", "fileType": "docx"}}

The downloadUrl is pre-authorised (its `tempauth`), so the bot GETs it with no token. `add_file` hosts
a file and returns that attachment; every GET is recorded (`downloads()`).

    with FakeFileHost() as host:
        attachment = host.add_file("guidance.docx", data)
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.support.fakes.file_serving import HostedFile, reply_text, serve
from tests.support.fakes.loopback import LoopbackServer

FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
DOWNLOAD_PATH = "/personal/jane_nhs_uk/_layouts/15/download.aspx"
MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass
class Download:
    path: str
    unique_id: str
    headers: dict[str, str]
    at: float


@dataclass
class _State:
    files: dict[str, HostedFile] = field(default_factory=dict)  # uniqueId -> file
    downloads: list[Download] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        url = urlparse(self.path)
        unique_id = (parse_qs(url.query).get("UniqueId") or [""])[0]
        state = self.server.state
        with state.lock:
            state.downloads.append(
                Download(
                    url.path, unique_id, {k.lower(): v for k, v in self.headers.items()}, time.monotonic()
                )
            )
            hosted = state.files.get(unique_id) if url.path == DOWNLOAD_PATH else None
        if hosted is None:
            return reply_text(self, 404, '{"error":{"code":"itemNotFound"}}', "application/json")
        serve(self, hosted)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class FakeFileHost(LoopbackServer["_Server"]):
    def __init__(self) -> None:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = _State()
        super().__init__(server, "fake-file-host")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_file(
        self,
        name: str,
        data: bytes,
        *,
        file_type: str | None = None,
        declared: int | None = None,
        flood: int | None = None,
    ) -> dict[str, Any]:
        """Host a file; returns the attachment Teams puts on the message. `declared` states a
        Content-Length and sends nothing; `flood` streams that many bytes with no length stated."""
        unique_id = str(uuid.UUID(int=next(self._server.state.ids))).upper()
        kind = file_type or name.rsplit(".", 1)[-1].lower()
        hosted = HostedFile(data, MIME.get(kind, "application/octet-stream"), declared=declared, flood=flood)
        with self._server.state.lock:
            self._server.state.files[unique_id] = hosted
        return {
            "contentType": FILE_DOWNLOAD_INFO,
            "contentUrl": f"{self.url}/personal/jane_nhs_uk/Documents/Microsoft Teams Chat Files/{name}",
            "name": name,
            "content": {
                "downloadUrl": f"{self.url}{DOWNLOAD_PATH}?UniqueId={unique_id}&Translate=false"
                "&tempauth=fake-temporary-token&ApiVersion=2.0",
                "uniqueId": unique_id,
                "fileType": kind,
                "etag": f'"{{{unique_id}}},1"',
            },
        }

    def hosted(self, attachment: dict[str, Any]) -> HostedFile:
        with self._server.state.lock:
            return self._server.state.files[attachment["content"]["uniqueId"]]

    def downloads(self) -> list[Download]:
        with self._server.state.lock:
            return list(self._server.state.downloads)
