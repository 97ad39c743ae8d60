"""Serving a shared file as a platform's file host does, for the fakes that stand in for one (Slack's
files.slack.com in FakeSlackAPI, SharePoint behind a Teams downloadUrl in FakeFileHost).

A `HostedFile` can also misbehave the ways a test needs: state a size it never sends (`declared`, a
Content-Length the client should refuse before reading), or stream more than it said (`flood`: that
many bytes, chunked, with no length stated). `sent` counts the body bytes actually written, so a test
can show that a refused file was never transferred."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

CHUNK = 256 * 1024


@dataclass
class HostedFile:
    data: bytes
    content_type: str = "application/octet-stream"
    declared: int | None = None  # a Content-Length to state instead of sending the body
    flood: int | None = None  # stream this many bytes (chunked, no length) instead of `data`
    redirect: str | None = None  # answer 302 to this URL instead
    sent: int = 0  # body bytes written so far, over every request
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_sent(self, n: int) -> None:
        with self.lock:
            self.sent += n


def serve(handler: BaseHTTPRequestHandler, f: HostedFile) -> None:
    """Answer GET for the file (the caller has checked the request may have it)."""
    if f.redirect is not None:
        handler.send_response(302)
        handler.send_header("Location", f.redirect)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return
    if f.declared is not None:
        handler.send_response(200)
        handler.send_header("Content-Type", f.content_type)
        handler.send_header("Content-Length", str(f.declared))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True  # the body is never sent: a client that reads would wait
        return
    if f.flood is not None:
        return _flood(handler, f, f.flood)
    handler.send_response(200)
    handler.send_header("Content-Type", f.content_type)
    handler.send_header("Content-Length", str(len(f.data)))
    handler.end_headers()
    handler.wfile.write(f.data)
    f.add_sent(len(f.data))


def _flood(handler: BaseHTTPRequestHandler, f: HostedFile, total: int) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", f.content_type)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.close_connection = True
    block = b"%PDF-1.4\n" + b"0" * (CHUNK - 9)
    left = total
    try:
        while left > 0:
            part = block[: min(CHUNK, left)]
            handler.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
            f.add_sent(len(part))
            left -= len(part)
        handler.wfile.write(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client hung up part way: what a capped download does


def reply_text(handler: BaseHTTPRequestHandler, status: int, text: str, content_type: str) -> None:
    data = text.encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
