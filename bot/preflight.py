"""What `hibot serve` checks before it opens its port, so a problem an operator can fix is one clear
log line and exit status 1, not a traceback: the data directory must be writable (SQLite, the outbox),
and the index must exist and read. The server never builds a missing index itself (that is ~1 GB and
minutes of work before the port opens): it says to run `hibot ingest`. Deeper damage (a corrupt
FAISS file or query encoder) surfaces while warming, as /readyz's reason.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot.config import Settings
from bot.engine.index import IndexMissing


class StartupError(Exception):
    """A reason `hibot serve` cannot start, worded for the operator."""


def check_data_dir(settings: Settings) -> None:
    url = settings.effective_database_url
    data_dir = Path(settings.data_dir)
    if url.startswith("sqlite:///") and not settings.database_url:
        data_dir = Path(url.removeprefix("sqlite:///")).parent
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".hibot-write-check-"):
            pass
    except OSError as e:
        raise StartupError(
            f"data directory {data_dir} is not writable ({e.strerror or type(e).__name__}); "
            "fix its permissions or set HIBOT_DATA_DIR"
        ) from None


def load_engine(settings: Settings):
    """The engine for `settings.index_dir`, or StartupError saying what to do."""
    from bot.engine_cache import get_engine

    try:
        return get_engine(settings, build_if_missing=False)
    except IndexMissing as e:
        raise StartupError(f"{e} (hibot serve does not build the index itself)") from None
    except Exception as e:  # noqa: BLE001 - any unreadable index: one line for the operator
        detail = str(e).splitlines()[0][:200] if str(e) else ""
        raise StartupError(
            f"the index in {settings.index_dir} cannot be read ({type(e).__name__}: {detail}); "
            "rebuild it with `hibot ingest --rebuild`"
        ) from None


def write_problems(settings: Settings, outbox_pending: int) -> list[str]:
    """What /readyz reports about writing, checked on every probe: the data directory (SQLite, the
    outbox) must take a byte, and no write may be waiting in the outbox for the database."""
    problems = []
    data_dir = Path(settings.data_dir)
    try:
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".hibot-ready-") as f:
            f.write(b"x")
            f.flush()
    except OSError as e:
        problems.append(f"data directory {data_dir} not writable ({e.strerror or type(e).__name__})")
    if outbox_pending:
        problems.append(f"{outbox_pending} writes waiting in the outbox: the database is refusing writes")
    return problems
