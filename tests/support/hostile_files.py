"""Files built to hurt an ingest: PDFs written byte by byte (no PDF library, so nothing sanitises them)
and oversized text. Each returns the path it wrote."""

from __future__ import annotations

import zlib
from pathlib import Path


def pdf_bytes(content: bytes, pages: int = 1) -> bytes:
    """A valid PDF whose every page draws `content` (one shared, Flate-compressed content stream)."""
    data = zlib.compress(content, 9)
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(data) + data + b"\nendstream",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
    objs += [page + b"/Contents 4 0 R >>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def text_ops(text: bytes) -> bytes:
    return b"BT /F1 12 Tf 72 700 Td (" + text + b") Tj ET"


def decompression_bomb(path: Path, megabytes: int = 300) -> Path:
    """A small PDF whose content stream inflates to `megabytes` MB (the issue's was 292 kB -> 300 MB)."""
    path.write_bytes(pdf_bytes(text_ops(b"Health inequalities. ") + b" " * (megabytes << 20)))
    return path


def text_flood(path: Path, chars: int = 26_000_000) -> Path:
    """A few tens of kB of PDF holding `chars` characters of text on one page."""
    path.write_bytes(pdf_bytes(text_ops(b"A" * chars)))
    return path


def slow_page(path: Path, operators: int = 300_000) -> Path:
    """One page of one-character text operators: tiny, and minutes of pypdf's time."""
    path.write_bytes(pdf_bytes(b"BT /F1 12 Tf 72 700 Td " + b"(A) Tj " * operators + b"ET"))
    return path


def many_pages(path: Path, pages: int) -> Path:
    path.write_bytes(pdf_bytes(text_ops(b"Core20PLUS5 is an approach."), pages=pages))
    return path


def big_text(path: Path, megabytes: int) -> Path:
    line = b"Reducing health inequalities needs sustained action across the system.\n"
    with open(path, "wb") as f:
        for _ in range((megabytes << 20) // len(line) + 1):
            f.write(line)
    return path
