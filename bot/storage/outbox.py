"""The durable local outbox: writes the database refused (an outage, a full disk), kept and retried in
order until they land, so nothing acknowledged is lost silently.

Both platforms acknowledge before their writes happen — Slack within 3 s (Bolt acks first), Teams
when the reply has gone out — and neither can be made to retry a request after that, so refusing in
time is not an option: the answer goes to the user at once, and its audit record, feedback or chat
turn waits here. Each entry is one JSON file under `HIBOT_DATA_DIR/outbox/` (written to a temporary
name, fsynced, renamed), so a restart resumes where the last process stopped. When the data
directory cannot be written either (the same full disk), entries wait in memory and /readyz says so.

Text in an entry has been through the patient-data guard, as it would be in the database. An entry
the database rejects for a reason other than being unavailable is moved to `outbox/failed/` and
logged, never retried forever.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot import logs

log = logs.get_logger("hibot.outbox")
DRAIN_EVERY_S = 1.0


class Outbox:
    def __init__(
        self, directory: Path, apply: Callable[[str, dict], None], transient: Callable[[Exception], bool]
    ):
        self.dir = Path(directory)
        self._apply, self._transient = apply, transient
        self._memory: list[dict] = []  # entries the disk refused too
        self._lock = threading.RLock()
        self._answers: set[str] = set()  # answer ids waiting here (their feedback must wait behind them)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        for entry in self._disk_entries():
            if entry["op"] == "save_answer":
                self._answers.add(entry["call"]["answer"]["answer_id"])
        if self.pending():
            self._start()

    # --- writing -----------------------------------------------------------------------------------
    def put(self, op: str, call: dict[str, Any]) -> None:
        entry = {"id": f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}", "op": op, "call": call}
        with self._lock:
            if op == "save_answer":
                self._answers.add(call["answer"]["answer_id"])
            try:
                self._write(entry)
            except OSError as e:
                self._memory.append(entry)
                log.error("outbox_in_memory", op=op, error=type(e).__name__)
        log.warning("outbox_queued", op=op)
        self._start()

    def holds_answer(self, answer_id: str) -> bool:
        with self._lock:
            return answer_id in self._answers

    def pending(self) -> int:
        with self._lock:
            return len(self._memory) + sum(1 for _ in self._files())

    def _write(self, entry: dict) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".{entry['id']}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(entry, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.dir / f"{entry['id']}.json")

    # --- draining ----------------------------------------------------------------------------------
    def drain(self) -> int:
        """Apply what is waiting, oldest first; stop at the first entry the database still refuses.
        Returns how many landed. Database calls run outside the lock, so requests queueing new
        entries never wait for a drain; only this outbox's thread (or a test) drains."""
        landed = 0
        with self._lock:
            waiting = self._ordered()
        for entry, path in waiting:
            try:
                self._apply(entry["op"], entry["call"])
            except Exception as e:
                if self._transient(e):
                    self.last_error = type(e).__name__
                    return landed
                log.error("outbox_entry_rejected", op=entry["op"], error=type(e).__name__)
                with self._lock:
                    self._set_aside(entry, path)
                continue
            with self._lock:
                self._done(entry, path)
            landed += 1
        self.last_error = None
        if landed:
            log.info("outbox_drained", landed=landed)
        return landed

    def _ordered(self) -> list[tuple[dict, Path | None]]:
        items: list[tuple[dict, Path | None]] = [(e, p) for p in self._files() if (e := _read(p))]
        items += [(e, None) for e in self._memory]
        return sorted(items, key=lambda item: item[0]["id"])

    def _done(self, entry: dict, path: Path | None) -> None:
        if path is None:
            self._memory.remove(entry)
        else:
            path.unlink(missing_ok=True)
        if entry["op"] == "save_answer":
            self._answers.discard(entry["call"]["answer"]["answer_id"])

    def _set_aside(self, entry: dict, path: Path | None) -> None:
        failed = self.dir / "failed"
        try:
            failed.mkdir(parents=True, exist_ok=True)
            (failed / f"{entry['id']}.json").write_text(json.dumps(entry), encoding="utf-8")
        except OSError:
            pass
        self._done(entry, path)

    def _files(self):
        return sorted(self.dir.glob("*.json")) if self.dir.is_dir() else []

    def _disk_entries(self) -> list[dict]:
        return [e for p in self._files() if (e := _read(p))]

    def _start(self) -> None:
        with self._lock:  # the same lock as _run's last look: an entry put meanwhile is never stranded
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hibot-outbox", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(DRAIN_EVERY_S):
            self.drain()
            with self._lock:
                if not self.pending():
                    self._thread = None
                    return

    def close(self) -> None:
        self._stop.set()


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
