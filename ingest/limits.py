"""What one corpus file may cost to ingest, so a hostile or broken file is skipped with its reason
instead of stalling or killing `hibot ingest` (and the server that builds its index on first use).

| setting                         | default | limits                                                  |
|---------------------------------|---------|---------------------------------------------------------|
| `HIBOT_INGEST_MAX_FILE_MB`      | 50      | a file's size on disk (checked before it is read)       |
| `HIBOT_INGEST_MAX_PAGES`        | 2000    | pages in a PDF                                          |
| `HIBOT_INGEST_MAX_STREAM_MB`    | 50      | one PDF stream once decompressed (zip bombs)            |
| `HIBOT_INGEST_MAX_CHARS`        | 3000000 | characters of text extracted from one file              |
| `HIBOT_INGEST_PDF_SECONDS`      | 120     | wall-clock time to read one PDF                         |
| `HIBOT_INGEST_PDF_MEMORY_MB`    | 1024    | address space of the process reading one PDF            |

PDFs are read in a child process (ingest/pdf_text.py) under the last two limits: pypdf has slow paths
no size check predicts (a 1 MB page of one-character text operators takes minutes), and a child can
be stopped at its deadline where a thread cannot. The largest file in the shipped corpus is 49 kB, so
the defaults leave two orders of magnitude for real guidance PDFs.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

MB = 1024 * 1024
_ENV = {
    "max_file_bytes": ("HIBOT_INGEST_MAX_FILE_MB", MB),
    "max_pages": ("HIBOT_INGEST_MAX_PAGES", 1),
    "max_stream_bytes": ("HIBOT_INGEST_MAX_STREAM_MB", MB),
    "max_chars": ("HIBOT_INGEST_MAX_CHARS", 1),
    "pdf_seconds": ("HIBOT_INGEST_PDF_SECONDS", 1),
    "pdf_memory_bytes": ("HIBOT_INGEST_PDF_MEMORY_MB", MB),
}


@dataclass(frozen=True)
class IngestLimits:
    max_file_bytes: int = 50 * MB
    max_pages: int = 2000
    max_stream_bytes: int = 50 * MB
    max_chars: int = 3_000_000
    pdf_seconds: float = 120.0
    pdf_memory_bytes: int = 1024 * MB

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> IngestLimits:
        """Defaults, overridden by the HIBOT_INGEST_* variables (a bad value is an error, not ignored)."""
        env = os.environ if environ is None else environ
        values = {}
        for name, (var, unit) in _ENV.items():
            raw = env.get(var, "").strip()
            if raw:
                try:
                    number = float(raw)
                except ValueError:
                    raise ValueError(f"{var} must be a number, not {raw!r}") from None
                if number <= 0:
                    raise ValueError(f"{var} must be positive, not {raw!r}")
                values[name] = type(getattr(cls(), name))(number * unit)
        return cls(**values)

    def to_dict(self) -> dict:
        return asdict(self)


def megabytes(n: int) -> str:
    return f"{n / MB:.1f} MB"
