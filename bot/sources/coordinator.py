"""The build coordinator every `hibot serve` runs in the background (design: docs/architecture.md,
"Index builds shared by replicas").

Each tick it
  1. fetches the database's current build when this replica's index does not serve it yet, and
     flips index/CURRENT (the IndexWatcher then loads it off the request path and swaps it in);
  2. when build requests wait, tries to take the build lease; the replica that gets it claims them
     and builds in a worker process (bot/sources/build_worker.py), renewing the lease meanwhile;
  3. tells the `on_build_finished` callbacks how each request it claimed ended;
  4. tells them of any request that ended without its requester being told (the builder died after
     publishing): at start-up at once, then a lease after it ended. Telling is claimed in the
     database (index_build_requests.notified_at), so each requester is told once across replicas.

Settings: HIBOT_BUILD_POLL_S (how often, default 2 s), HIBOT_BUILD_LEASE_S (how long a silent
builder keeps the lease, default 60 s: a replica killed mid-build is replaced after at most this),
HIBOT_BUILD_ATTEMPTS (how many interrupted builds before a request fails, default 3).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot import logs, metrics
from bot.sources.build_files import BUILDER_DIR, fetch_build, local_build, publish_build, remember_hashes
from bot.sources.builds import build_finished_callbacks

log = logs.get_logger("hibot.builds")
KEEP_PUBLISHED = 3  # builds kept in the database: the current one and two to go back to
BLOB_GRACE = timedelta(hours=1)  # an unreferenced blob younger than this may be mid-publish
NO_BUILDER_S = 600  # a request unclaimed this long: no replica that can build is running


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


@dataclass
class BuildSettings:
    poll_s: float = field(default_factory=lambda: _env_float("HIBOT_BUILD_POLL_S", 2.0))
    lease_s: float = field(default_factory=lambda: _env_float("HIBOT_BUILD_LEASE_S", 60.0))
    attempts: int = field(default_factory=lambda: int(_env_float("HIBOT_BUILD_ATTEMPTS", 3)))


def can_build() -> str | None:
    """None when this install can build an index; else why not (a serving-only install lacks the
    ingest extra: such a replica fetches builds but never takes the build lease). Asked of the
    installed distributions, not by importing: serving never imports an ingest package."""
    from importlib import metadata

    missing = []
    for dist in ("langchain-text-splitters", "bm25s"):
        try:
            metadata.distribution(dist)
        except metadata.PackageNotFoundError:
            missing.append(dist)
    return f"building an index needs the ingest extra ({', '.join(missing)} missing)" if missing else None


def replica_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def sync_at_start(store: Any, index_dir: Path) -> str | None:
    """Before the engine loads: fetch the database's current build if this disk lacks it, or, when the
    database has none yet, publish the local one so the other replicas fetch it instead of building.
    The build to serve; a database problem leaves the local index as it is (logged)."""
    try:
        current, local = store.current_index_build(), local_build(index_dir)
        if current and current != local:
            fetch_build(store, index_dir, current)
            metrics.FETCHES.labels(outcome="fetched").inc()
            log.info("index_build_fetched", build_id=current, previous=local, at="start")
        elif current is None and local:
            publish_build(store, index_dir / "builds" / local, published_by=f"{replica_name()} at start")
            log.info("index_build_published", build_id=local, at="start")
        return local_build(index_dir)
    except Exception as e:  # noqa: BLE001 - serving the local index beats not starting
        log.warning("index_build_sync_failed", error=f"{type(e).__name__}: {str(e)[:200]}")
        return local_build(index_dir)


class BuildCoordinator:
    def __init__(
        self,
        store: Any,
        index_dir: Path,
        corpus_dir: Path,
        settings: BuildSettings | None = None,
        cannot_build: str | None = None,
    ):
        self.store = store
        self.index_dir = Path(index_dir)
        self.corpus_dir = Path(corpus_dir)
        self.cannot_build = cannot_build  # why this replica only fetches (see can_build), or None
        self.settings = settings or BuildSettings()
        self.name = replica_name()
        self.fetch_failed: dict[str, float] = {}  # build id -> when it last failed (retried a minute on)
        self.worker: asyncio.subprocess.Process | None = None

    async def run_forever(self) -> None:
        if self.cannot_build:
            log.warning("index_builds_fetch_only", reason=self.cannot_build)
        grace_s = 0.0  # at start-up: a builder that died before telling may have been this replica
        while True:
            try:
                await self.tell_untold(grace_s)
                grace_s = self.settings.lease_s
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # never let the coordinator die: the next tick tries again
                log.exception("build_coordinator_failed")
            await asyncio.sleep(self.settings.poll_s)

    async def tick(self) -> None:
        await asyncio.to_thread(self.sync)
        if not await asyncio.to_thread(self.store.pending_build_requests):
            return
        if self.cannot_build is None:
            await self.build_if_leader()
        else:
            await self.give_up_without_builder()

    async def give_up_without_builder(self) -> None:
        """A request no replica has claimed for `NO_BUILDER_S` means none that can build is running:
        end it failed, so the lead is told rather than left waiting."""
        older = datetime.now(UTC) - timedelta(seconds=NO_BUILDER_S)
        detail = f"no replica can build the index ({self.cannot_build}); see deploy/README.md"
        ids = await asyncio.to_thread(self.store.fail_unclaimed_requests, older, detail)
        if ids:
            log.error("index_build_no_builder", requests=ids, reason=self.cannot_build)
            await self._notify(await asyncio.to_thread(self.store.build_requests, None, ids))

    # --- every replica: serve the current build -------------------------------------------------
    def sync(self) -> bool:
        """Fetch the current build if this index does not have it; True when CURRENT was flipped."""
        current = self.store.current_index_build()
        local = local_build(self.index_dir)
        if not current or current == local:
            return False
        if time.monotonic() - self.fetch_failed.get(current, -1e9) < 60:
            return False
        t0 = time.perf_counter()
        try:
            fetch_build(self.store, self.index_dir, current)
        except Exception as e:  # noqa: BLE001 - the old build keeps serving; tried again later
            self.fetch_failed[current] = time.monotonic()
            metrics.FETCHES.labels(outcome="failed").inc()
            log.error(
                "index_build_fetch_failed", build_id=current, error=f"{type(e).__name__}: {str(e)[:200]}"
            )
            return False
        metrics.FETCHES.labels(outcome="fetched").inc()
        log.info(
            "index_build_fetched",
            build_id=current,
            previous=local,
            ms=round((time.perf_counter() - t0) * 1000),
        )
        return True

    # --- the replica holding the lease: build ---------------------------------------------------
    async def build_if_leader(self) -> None:
        lease = timedelta(seconds=self.settings.lease_s)
        token = await asyncio.to_thread(self.store.take_build_lease, self.name, lease)
        if token is None:
            return
        try:
            claimed, given_up = await asyncio.to_thread(
                self.store.claim_build_requests, token, self.settings.attempts
            )
            await self._notify(given_up)
            if claimed:
                log.info("index_build_started", requests=[r.id for r in claimed], holder=self.name)
                metrics.BUILDS_STARTED.inc()
                t0 = time.perf_counter()
                result = await self._run_worker(token, lease)
                metrics.BUILD_SECONDS.observe(time.perf_counter() - t0)
                metrics.BUILDS_ENDED.labels(outcome=str(result.get("outcome") or "failed")).inc()
                ended = await asyncio.to_thread(self.store.build_requests, None, [r.id for r in claimed])
                await self._notify([r for r in ended if r.status in ("live", "failed")])
                hashes = result.pop("hashes", None) or {}
                log.info("index_build_ended", requests=[r.id for r in claimed], **result)
                if result.get("outcome") == "live":
                    built = self.index_dir / BUILDER_DIR / "index" / "builds" / str(result.get("build_id"))
                    remember_hashes(built, hashes)
                    await asyncio.to_thread(self.sync)
                    await asyncio.to_thread(self.store.prune_index_builds, KEEP_PUBLISHED, BLOB_GRACE)
        finally:
            await asyncio.to_thread(self.store.release_build_lease, token)

    async def _run_worker(self, token: str, lease: timedelta) -> dict:
        proc = self.worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.sources.build_worker",
            token,
            self.name,
            str(os.getpid()),
            stdout=asyncio.subprocess.PIPE,
            env={
                **os.environ,
                "HIBOT_INDEX_DIR": str(self.index_dir),
                "HIBOT_CORPUS_DIR": str(self.corpus_dir),
                "HIBOT_DATABASE_URL": self.store.url,
            },
        )
        renew_every = max(0.5, self.settings.lease_s / 4)
        output = asyncio.ensure_future(proc.communicate())  # read as it comes: a full pipe would block
        try:
            while not (await asyncio.wait({output}, timeout=renew_every))[0]:
                if not await asyncio.to_thread(self.store.renew_build_lease, token, lease):
                    proc.kill()  # another replica took over: its build will publish, not this one
                    await output
                    return {"outcome": "lost", "detail": "the build lease was lost"}
        except asyncio.CancelledError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            raise
        finally:
            self.worker = None
        out = (output.result()[0] or b"").decode()
        try:
            return json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            detail = f"the build process stopped (exit code {proc.returncode})"
            await asyncio.to_thread(self.store.fail_build_requests, token, detail)
            return {"outcome": "failed", "detail": detail}

    # --- every replica: tell requesters the builder did not ---------------------------------------
    async def tell_untold(self, grace_s: float) -> None:
        """Tell the callbacks of requests that ended more than `grace_s` ago and whose requester was
        never told: their builder died after publishing (or failing) and before its callbacks ran.
        Each is claimed in the database first, so one replica tells it, once. The builder itself
        tells at once; `grace_s` (a lease) leaves it the time to."""
        before = datetime.now(UTC) - timedelta(seconds=grace_s)
        told = await asyncio.to_thread(self.store.claim_build_notices, None, before)
        if told:
            log.warning("index_build_told_late", requests=[r.id for r in told], by=self.name)
            metrics.BUILD_NOTICES_LATE.inc(len(told))
            await self._tell(told)

    async def _notify(self, requests: list) -> None:
        """Tell the callbacks how each of `requests` ended, unless a replica already has (claimed)."""
        if requests:
            await self._tell(
                await asyncio.to_thread(self.store.claim_build_notices, [r.id for r in requests])
            )

    async def _tell(self, requests: list) -> None:
        for r in requests:
            outcome = "live" if r.status == "live" else "failed"
            detail = r.build_id if outcome == "live" else (r.detail or "")
            for callback in build_finished_callbacks():
                try:
                    callback(r.id, r.notify, outcome, detail or "")
                except Exception:  # one broken callback must not stop the others
                    log.exception("build_callback_failed", request_id=r.id)
        await asyncio.to_thread(self.store.clear_build_notify, [r.id for r in requests if r.notify])
