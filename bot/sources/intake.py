"""Checking a document someone sends hibot before anything keeps it: `check_upload(data, filename)`.

The type is decided by the bytes, never by the file name: PDF, Word (.docx), web page (HTML),
Markdown or plain text. Refused, each with one sentence the sender can act on (`UploadRefused`):
empty files, files over HIBOT_UPLOAD_MAX_MB (50), programs and scripts, images, older Office
formats, archives, zip bombs (judged from the archive's directory, never by unpacking), encrypted
PDFs, anything with no text to index (a scanned, image-only PDF), and anything holding a labelled
NHS number (a patient's letter or record sent by mistake is never kept). The text comes from the same
readers `hibot ingest` uses (ingest/): PDFs in the child process with its time and memory limits,
.docx with python-docx, web pages with readability-lxml; so what was checked is what gets indexed.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bot.safety.nhs_number import is_valid_nhs_number
from ingest import pdf_text
from ingest.docx_text import ZipBomb, docx_text
from ingest.html_text import html_text
from ingest.limits import MB, IngestLimits, megabytes
from ingest.loaders import FRONT_MATTER, PAGE_MARKER, LoadError

ACCEPTED = "PDF, Word (.docx), a web page (.html), Markdown or plain text"
MIN_LETTERS = 20  # less than this is a cover image's caption, not a document
_EXECUTABLE = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
_IMAGE = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")
_ARCHIVE = (b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML = re.compile(rb"\A(?:\s|<!--.*?-->)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
# An NHS number given as one ("NHS number: 943 476 5919", "NHS No 9434765919"): what a patient's
# letter or record has and published guidance does not. Unlabelled digits are not judged: guidance
# is full of statistics and phone numbers that pass the check digit by chance.
_LABELLED_NHS_NUMBER = re.compile(
    r"\bNHS\s*(?:number|no\.?|num\.?)\s*(?:is\s*)?[:#\-]?\s*(\d{3}[ \-]?\d{3}[ \-]?\d{4})(?![\d])", re.I
)
_MARKDOWN = re.compile(r"^(?:#{1,6} \S|[-*+] \S|\d+\. \S|> )|\[[^\]]+\]\([^)]+\)", re.M)


class UploadRefused(Exception):
    """A file hibot will not take; `message` is one sentence for the person who sent it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 50 * MB
    ingest: IngestLimits = field(default_factory=IngestLimits)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> UploadLimits:
        env = os.environ if environ is None else environ
        raw = env.get("HIBOT_UPLOAD_MAX_MB", "").strip()
        try:
            size = int(float(raw) * MB) if raw else cls.max_bytes
        except ValueError:
            size = 0
        if size <= 0:
            raise ValueError(f"HIBOT_UPLOAD_MAX_MB must be a positive number, not {raw!r}")
        return cls(max_bytes=size, ingest=IngestLimits.from_env(environ))


@dataclass(frozen=True)
class CheckedUpload:
    kind: str  # pdf | docx | html | markdown | text
    filename: str
    sha256: str
    size: int
    text: str  # markdown; `<!-- page: N -->` where the document has pages
    suggested: dict  # title / published from the document itself, to pre-fill a form
    data: bytes = field(repr=False)  # the file as sent, kept beside its text


def check_upload(data: bytes, filename: str, limits: UploadLimits | None = None) -> CheckedUpload:
    """The checked document, or UploadRefused saying why not."""
    limits = limits or UploadLimits.from_env()
    name = _safe_name(filename)
    check_size(len(data), name, limits)
    kind = sniff(data, name)
    text, suggested = _extract(kind, data, name, limits.ingest)
    if len(re.findall(r"[^\W\d_]", PAGE_MARKER.sub("", text))) < MIN_LETTERS:
        if kind == "pdf":
            raise UploadRefused(
                f"{name} has no text hibot can read (a scanned or image-only PDF): "
                "send a version with selectable text, or run it through OCR first."
            )
        raise UploadRefused(f"{name} has no text in it for hibot to answer from.")
    if any(is_valid_nhs_number(m.group(1)) for m in _LABELLED_NHS_NUMBER.finditer(text)):
        raise UploadRefused(
            f"{name} has a patient's NHS number in it, so hibot did not keep it: "
            "send published guidance only, never patient records or letters."
        )
    if kind == "text":
        kind = text_kind(text, name)
    if not suggested.get("title"):
        suggested["title"] = _first_line(text)
    return CheckedUpload(
        kind=kind,
        filename=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        text=text,
        suggested=suggested,
        data=data,
    )


def check_size(size: int, filename: str, limits: UploadLimits | None = None) -> None:
    """Refuse by size alone, before a file is downloaded or read (raises UploadRefused)."""
    limits = limits or UploadLimits.from_env()
    name = _safe_name(filename)
    if size <= 0:
        raise UploadRefused(f"{name} is empty (0 bytes): send the document again, or a saved copy of it.")
    if size > limits.max_bytes:
        raise UploadRefused(
            f"{name} is {megabytes(size)}, over the {megabytes(limits.max_bytes)} limit: "
            "send a smaller copy (for example, saved without images)."
        )


def sniff(data: bytes, name: str = "the file") -> str:
    """The document kind by content (raises UploadRefused for what hibot does not take)."""
    head = data[:1024]
    if head.startswith(_EXECUTABLE) or head.startswith(b"#!"):
        raise UploadRefused(f"{name} is a program or script, not a document: send {ACCEPTED}.")
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "docx"  # confirmed (and checked for zip bombs) when read
    if head.startswith(_OLE):
        raise UploadRefused(
            f"{name} is an older Office file (.doc, .xls or .ppt): save it as .docx or PDF and send it again."
        )
    if head.startswith(_IMAGE) or head[8:12] == b"WEBP":
        raise UploadRefused(f"{name} is an image, and hibot needs text: send the document as {ACCEPTED}.")
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if head.startswith(_ARCHIVE) or (b"\x00" in data[:8192] and not utf16):
        raise UploadRefused(f"{name} is not a document hibot can read: send {ACCEPTED}.")
    if _HTML.match(head):
        return "html"
    return "text"  # markdown or text, told apart once decoded


def _extract(kind: str, data: bytes, name: str, limits: IngestLimits) -> tuple[str, dict]:
    try:
        if kind == "pdf":
            return _pdf(data, name, limits)
        if kind == "docx":
            return docx_text(data, limits)
        raw = _decode(data, name)
        if len(raw) > limits.max_chars:
            raise LoadError(f"holds {len(raw):,} characters, over the limit of {limits.max_chars:,}")
        if kind == "html":
            return html_text(raw, limits)
        return raw, _front_matter(raw)
    except LoadError as e:
        raise UploadRefused(_refusal(kind, name, e)) from None


def _pdf(data: bytes, name: str, limits: IngestLimits) -> tuple[str, dict]:
    with tempfile.TemporaryDirectory(prefix="hibot-upload-") as tmp:
        path = Path(tmp) / "upload.pdf"
        path.write_bytes(data)
        return pdf_text.extract_with_meta(path, limits)


def _refusal(kind: str, name: str, error: LoadError) -> str:
    reason = str(error)
    if isinstance(error, ZipBomb):
        return (
            f"{name} looks like a zip bomb ({error.detail}), so hibot did not open it: "
            "send the document as PDF or .docx."
        )
    if kind == "pdf" and "encrypted" in reason:
        return f"{name} is password-protected: save an unprotected copy and send it again."
    if "zip archive, not a Word document" in reason:
        return f"{name} is a zip archive, not a Word document: send {ACCEPTED}."
    what = {"pdf": "This PDF", "docx": "This Word document", "html": "This web page"}.get(kind, "This file")
    again = "save a fresh copy and send it again" if kind == "pdf" else "save it as PDF and send that instead"
    return f"{what} ({name}) could not be read ({reason}): {again}."


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise UploadRefused(
            f"{name} is not a document hibot can read (not PDF, Word or UTF-8 text): send {ACCEPTED}."
        ) from None


def text_kind(text: str, filename: str) -> str:
    """markdown or text: by the file's own markup, or by its name when it has none."""
    if filename.lower().endswith((".md", ".markdown")) or _MARKDOWN.search(text[:20000]):
        return "markdown"
    return "text"


def _front_matter(text: str) -> dict:
    import yaml

    m = FRONT_MATTER.match(text)
    try:
        meta = yaml.safe_load(m.group(1)) if m else None
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict):
        return {}
    return {k: str(meta[k]) for k in ("title", "published") if meta.get(k)}


def _first_line(text: str) -> str | None:
    for line in PAGE_MARKER.sub("", FRONT_MATTER.sub("", text, count=1)).splitlines():
        line = line.strip().lstrip("#").strip()
        if len(line) >= 3:
            return line[:200]
    return None


def _safe_name(filename: str) -> str:
    """The file's own name only (no folders), printable, at most 255 characters."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:255] or "the file"
