"""A Word document's (.docx) text as markdown: headings as `#` headings, list paragraphs as list items,
tables as pipe rows, read with python-docx in document order.

A .docx is a zip archive, so the archive's own directory is checked first, before anything is
unpacked: too many parts, or parts that would unpack past the limit (zip bombs), are refused with
the reason. Python's zipfile never inflates a part past the size its directory declares, so checking
the declared sizes bounds what python-docx can unpack.
"""

from __future__ import annotations

import io
import re
import zipfile

from ingest.limits import IngestLimits, megabytes
from ingest.load_error import LoadError

MAX_PARTS = 2000
# Real documents deflate text XML about 5-20 times; a part that claims 100 times its packed size and
# is large is what zip bombs are made of.
MAX_RATIO = 100
_RATIO_FLOOR = 10 * 1024 * 1024
_HEADING = re.compile(r"^heading\s*(\d)$", re.I)


class ZipBomb(LoadError):
    """An archive that would unpack far past its size or the limit; `detail` says by how much."""

    def __init__(self, detail: str):
        super().__init__(f"{detail} (a zip bomb?)")
        self.detail = detail


def check_archive(data: bytes, limits: IngestLimits) -> zipfile.ZipFile:
    """The archive, once its directory shows it is safe to unpack (raises LoadError / ZipBomb)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise LoadError("the .docx archive is damaged") from None
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise ZipBomb(f"the archive holds {len(parts):,} parts, over the limit of {MAX_PARTS:,}")
    unpacked = sum(p.file_size for p in parts)
    limit = 4 * limits.max_file_bytes  # images are already compressed: a real .docx unpacks to ~1-3x
    ratio = unpacked / max(len(data), 1)
    if unpacked > limit or (unpacked > _RATIO_FLOOR and ratio > MAX_RATIO):
        raise ZipBomb(f"the archive would unpack to {megabytes(unpacked)} from {megabytes(len(data))}")
    return archive


def docx_text(data: bytes, limits: IngestLimits) -> tuple[str, dict]:
    """The document's markdown text and what its own properties say (title, published)."""
    archive = check_archive(data, limits)
    if "word/document.xml" not in archive.namelist():
        raise LoadError("a zip archive, not a Word document")
    import docx  # deferred: only .docx files need python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
        # Style names by id, read once: python-docx's Paragraph.style searches every style per call
        # (2,000 paragraphs took 7 s that way).
        styles = {s.style_id: s.name or "" for s in document.styles}
        lines = [line for block in document.iter_inner_content() for line in _block(block, styles)]
    # python-docx trusts the package: a damaged part surfaces as whatever its parser trips on
    # (XMLSyntaxError, AttributeError, KeyError, ...); each means the same to the person who sent it.
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        SyntaxError,
        LookupError,
        ValueError,
        AttributeError,
        TypeError,
        AssertionError,
    ) as e:
        raise LoadError(f"its contents could not be opened: {type(e).__name__}") from None
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
    if len(text) > limits.max_chars:
        raise LoadError(f"holds {len(text):,} characters, over the limit of {limits.max_chars:,}")
    return text, _properties(document)


def _block(block, styles: dict[str, str]) -> list[str]:
    from docx.table import Table

    if isinstance(block, Table):
        return _table(block)
    return _paragraph(block, styles)


def _paragraph(p, styles: dict[str, str]) -> list[str]:
    text = " ".join(p.text.split())
    if not text:
        return []
    style = styles.get(p._p.style or "", "")  # no style id: the default paragraph style
    heading = _HEADING.match(style)
    if heading or style == "Title":
        rank = int(heading.group(1)) if heading else 1
        return ["", "#" * max(1, min(rank, 6)) + " " + text, ""]
    depth = _list_level(p, style)
    if depth is not None:
        marker = "1." if "number" in style.lower() else "-"
        return ["  " * depth + f"{marker} {text}"]
    return ["", text, ""]


def _list_level(p, style: str) -> int | None:
    """The list depth (0 = top) of a list paragraph, or None: by list style or by numbering."""
    ppr = p._p.pPr
    num = ppr.numPr if ppr is not None else None
    if num is not None and num.ilvl is not None and num.ilvl.val is not None:
        return int(num.ilvl.val)
    if num is not None or style.lower().startswith("list"):
        digits = re.search(r"(\d)$", style)
        return int(digits.group(1)) - 1 if digits else 0
    return None


def _table(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells = [" ".join(cell.text.split()).replace("|", "/") for cell in row.cells]
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return ["", *rows, ""] if rows else []


def _properties(document) -> dict:
    """Title and date from the core properties; a damaged properties part only loses the suggestion."""
    try:
        props = document.core_properties
        title, when = props.title, props.created or props.modified
    except (SyntaxError, LookupError, ValueError, AttributeError, TypeError):
        return {}
    out: dict = {}
    if title and title.strip():
        out["title"] = title.strip()
    if when is not None:
        out["published"] = when.date().isoformat()
    return out
