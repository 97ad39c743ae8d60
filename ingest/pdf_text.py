"""A PDF's text, read in a child process under a deadline and a memory cap (ingest/limits.py).

`extract(path, limits)` runs `python -m ingest.pdf_text` on one file and returns its text with page
markers, or raises LoadError with the reason: too many pages, a stream that decompresses past the
limit, too much text, out of time, out of memory, or pypdf's own complaint. Whatever the file does,
the ingest that asked goes on with the next one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ingest.limits import IngestLimits, megabytes
from ingest.load_error import LoadError


def extract(path: Path, limits: IngestLimits) -> str:
    return extract_with_meta(path, limits)[0]


def extract_with_meta(path: Path, limits: IngestLimits) -> tuple[str, dict]:
    """The text, and what the PDF's own information says ({"title", "published"} when present)."""
    args = [sys.executable, "-m", "ingest.pdf_text", str(path), json.dumps(limits.to_dict())]
    try:
        done = subprocess.run(
            args,
            capture_output=True,
            timeout=limits.pdf_seconds,
            preexec_fn=_memory_cap(limits.pdf_memory_bytes),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise LoadError(f"PDF took longer than {limits.pdf_seconds:g} s to read; skipped") from None
    try:
        result = json.loads(done.stdout.decode("utf-8"))
    except ValueError:
        if done.returncode < 0 or b"MemoryError" in done.stderr:
            raise LoadError(
                f"PDF needed more than {megabytes(limits.pdf_memory_bytes)} of memory to read; skipped"
            ) from None
        raise LoadError(f"PDF reader failed (exit {done.returncode}); is it corrupt?") from None
    if "error" in result:
        raise LoadError(result["error"])
    return result["text"], result.get("meta") or {}


def _memory_cap(limit: int):
    def cap() -> None:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass  # no rlimits here (not Linux/macOS): the deadline still holds

    return cap


# --- the child ---------------------------------------------------------------------------------------
def _read(path: Path, limits: IngestLimits) -> tuple[str, dict]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    _configure(limits)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            # Owner-password-only PDFs open with an empty user password; real encryption does not.
            try:
                ok = bool(reader.decrypt(""))
            except Exception:  # noqa: BLE001 - any failure to decrypt means the same to the user
                ok = False
            if not ok:
                raise LoadError("PDF is encrypted (password protected); save an unprotected copy")
        count = len(reader.pages)
        if count > limits.max_pages:
            raise LoadError(f"PDF has {count} pages, over the limit of {limits.max_pages}; skipped")
        return _pages(reader, limits), _info(reader)
    except LoadError:
        raise
    except MemoryError:
        raise LoadError(
            f"PDF needed more than {megabytes(limits.pdf_memory_bytes)} of memory to read"
        ) from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as e:
        if type(e).__name__ == "LimitReachedError":
            raise LoadError(f"PDF exceeds a safety limit ({str(e)[:120]}); skipped") from None
        raise LoadError(
            f"PDF could not be read ({type(e).__name__}: {str(e)[:120]}); is it corrupt?"
        ) from None


def _pages(reader, limits: IngestLimits) -> str:
    pages, chars = [], 0
    for n, page in enumerate(reader.pages, 1):
        text = (page.extract_text() or "").strip()
        chars += len(text)
        if chars > limits.max_chars:
            raise LoadError(
                f"PDF holds more than {limits.max_chars:,} characters of text (by page {n}); skipped"
            )
        pages.append(f"<!-- page: {n} -->\n{text}\n")
    return "\n".join(pages)


def _info(reader) -> dict:
    """Title and creation date from the document information dictionary, when they are usable."""
    out: dict = {}
    try:
        info = reader.metadata
        title = str(info.title or "").strip() if info else ""
        created = info.creation_date if info else None
    except Exception:  # noqa: BLE001 - a broken information dictionary only loses the suggestion
        return out
    if title and not title.lower().startswith(("microsoft word", "untitled")):
        out["title"] = title[:500]
    if created is not None:
        out["published"] = created.date().isoformat()
    return out


def _configure(limits: IngestLimits) -> None:
    """Every decompression in pypdf stops at the stream limit (pypdf's own default is 75 MB)."""
    n = limits.max_stream_bytes
    try:
        from pypdf import overwrite_configuration

        overwrite_configuration(
            maximum_declared_stream_length=n,
            array_based_stream_maximum_output_length=n,
            jbig2_maximum_output_length=n,
            lzw_maximum_output_length=n,
            run_length_maximum_output_length=n,
            zlib_maximum_output_length=n,
            brotli_maximum_output_length=n,
        )
    except ImportError:  # pypdf < 7: the same limits as module constants
        from pypdf import filters

        for name in ("MAX_DECLARED_STREAM_LENGTH", "ZLIB_MAX_OUTPUT_LENGTH", "LZW_MAX_OUTPUT_LENGTH"):
            setattr(filters, name, n)


def main(argv: list[str]) -> None:
    path, limits = Path(argv[1]), IngestLimits(**json.loads(argv[2]))
    try:
        text, meta = _read(path, limits)
        out = {"text": text, "meta": meta}
    except LoadError as e:
        out = {"error": str(e)}
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
