"""One ingest at a time per index directory.

Two concurrent ingests used to pick the same build id (second resolution) and prune each other's
temporary build directories, so one crashed. An exclusive lock on `<index>/.ingest.lock` (flock: the
kernel releases it when the process dies, so a killed ingest never leaves it stuck) makes the second
one wait up to `wait_s` for the first — then find the index already up to date — or give up with a
message naming the process that holds it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.progress import IngestBusy

LOCK_FILE = ".ingest.lock"
DEFAULT_WAIT_S = 600.0  # HIBOT_INGEST_LOCK_WAIT_S


@contextmanager
def ingest_lock(index_dir: Path, wait_s: float | None = None) -> Iterator[None]:
    if wait_s is None:
        wait_s = float(os.environ.get("HIBOT_INGEST_LOCK_WAIT_S") or DEFAULT_WAIT_S)
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_FILE, "a+") as f:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    f.seek(0)
                    holder = f.read().strip() or "another process"
                    raise IngestBusy(
                        f"another `hibot ingest` ({holder}) is building the index in {index_dir}; "
                        "run again when it has finished"
                    ) from None
                time.sleep(0.2)
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}")
        f.flush()
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
