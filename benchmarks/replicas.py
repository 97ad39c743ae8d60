"""Two `hibot serve` replicas on one PostgreSQL: a document added while they serve is cited by both
without a restart, under a steady load; a replica killed in the middle of a build serves the old
index after its restart, and the build completes once (issue: a living corpus).

    python -m benchmarks.replicas [--rate 20] [--lease 20] [--distinct]   # from the repository root

Everything on 127.0.0.1: a throw-away PostgreSQL cluster (tests/support/pg.py), a fake Bot Connector
receiving the Teams replies, and two `hibot serve` subprocesses with separate data and index
directories sharing one curated corpus. Replica 1 starts from the repository's index and publishes it
(the database has no build yet); replica 2 starts with an empty index and fetches it.

1. Load: Teams personal messages at --rate per second, alternating between the replicas, from before
   the document is added until both serve the new build and 10 s more. A document is added with
   `hibot sources add` (the operator's path into the lead's document store; chat uploads call the same
   store and request_build). The questions are the benchmarks' ten, which repeat (as a weekly prompt's
   question does) and so are mostly answered from the query-vector cache; with --distinct they are
   the repository's own evaluation questions, each asked once before any is asked again. Reported:
   seconds until each replica's /readyz shows the new build, whether each cites the document, HTTP
   statuses, failed requests, reply latency p50/p99.
2. Kill: another document is added; when a replica holds the build lease and its build worker is
   running, that replica is SIGKILLed and restarted at once. Reported: the build it serves after the
   restart (the old one), the build's attempts, the number of builds published (one more), and whether
   both replicas cite the second document.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import aiohttp
import sqlalchemy as sa

from benchmarks.run import pct
from benchmarks.teams_burst import _activity
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.pg import PgCluster, free_port
from tests.support.polling import eventually

ROOT = Path(__file__).resolve().parent.parent
DOCS = {
    "fenwick": (
        "The Fenwick Health Equity Audit",
        "What is the Fenwick health equity audit?",
        "# The Fenwick Health Equity Audit\n\n## What the Fenwick audit is\n\nThe Fenwick health equity "
        "audit is a quarterly review in which each ward compares its waiting times by deprivation "
        "quintile and ethnicity. Wards publish the Fenwick audit results to the trust board.\n",
    ),
    "ashdown": (
        "The Ashdown Screening Review",
        "What is the Ashdown screening review?",
        "# The Ashdown Screening Review\n\n## What the Ashdown review is\n\nThe Ashdown screening review "
        "is a yearly check in which each practice compares cervical screening uptake between its most "
        "and least deprived neighbourhoods, and writes an outreach plan for the gap it finds.\n",
    ),
}


class Replica:
    def __init__(self, n: int, work: Path, env: dict[str, str]):
        self.n, self.port = n, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.index = work / f"replica{n}" / "index"
        self.log = work / f"replica{n}" / "serve.log"
        (work / f"replica{n}" / "data").mkdir(parents=True, exist_ok=True)
        self.env = {
            **env,
            "HIBOT_PORT": str(self.port),
            "HIBOT_INDEX_DIR": str(self.index),
            "HIBOT_DATA_DIR": str(work / f"replica{n}" / "data"),
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "a"),
        )
        eventually(
            lambda: self.build() is not None, timeout=180, interval=0.2, what=f"replica {self.n} ready"
        )
        return time.perf_counter() - t0

    def build(self) -> str | None:
        try:
            with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                return json.loads(r.read()).get("build_id")
        except OSError:
            return None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


class Load:
    """Teams personal messages at `rate`/s, alternating replicas, on a thread with its own loop."""

    def __init__(
        self,
        replicas: list[Replica],
        connector: FakeBotConnector,
        rate: float,
        questions: list[str] | None = None,
    ):
        self.replicas, self.connector, self.rate = replicas, connector, rate
        self.questions = questions
        self.sent: dict[str, tuple[float, float]] = {}  # activity id -> (unix time, perf counter)
        self.done: dict[str, tuple[str, float]] = {}  # activity id -> (HTTP status or error, ms)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            tasks, i, t0 = [], 0, time.perf_counter()
            while not self.stop.is_set():
                delay = t0 + i / self.rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(self._one(session, i)))
                i += 1
            await asyncio.gather(*tasks)

    async def _one(self, session: aiohttp.ClientSession, i: int) -> None:
        replica = self.replicas[i % len(self.replicas)]
        act = _activity(self.connector.service_url, i)
        if self.questions:
            act["text"] = self.questions[i % len(self.questions)]
        t = time.perf_counter()
        self.sent[act["id"]] = (time.time(), t)
        try:
            async with session.post(replica.base + "/api/messages", json=act) as resp:
                key = str(resp.status)
        except (aiohttp.ClientError, TimeoutError) as e:
            key = type(e).__name__
        self.done[act["id"]] = (key, (time.perf_counter() - t) * 1000)

    def summary(self, windows: dict[str, tuple[float, float]]) -> dict:
        """The whole run, and each window (unix-time bounds of when a request was sent)."""
        time.sleep(5)  # the last replies
        reply_ms: dict[str, float] = {}
        for r in self.connector.requests:
            if r.kind == "reply" and r.reply_to_id in self.sent and r.reply_to_id not in reply_ms:
                reply_ms[r.reply_to_id] = (r.at - self.sent[r.reply_to_id][1]) * 1000
        out = {"rate_per_s": self.rate, "all": self._stats(list(self.sent), reply_ms)}
        for name, (start, end) in windows.items():
            ids = [k for k, (unix, _) in self.sent.items() if start <= unix < end]
            out[name] = self._stats(ids, reply_ms)
        return out

    def _stats(self, ids: list[str], reply_ms: dict[str, float]) -> dict:
        statuses: dict[str, int] = {}
        for k in ids:
            key = self.done.get(k, ("no response", 0.0))[0]
            statuses[key] = statuses.get(key, 0) + 1
        http = [self.done[k][1] for k in ids if k in self.done]
        replies = [reply_ms[k] for k in ids if k in reply_ms]
        return {
            "requests": len(ids),
            "http_status": statuses,
            "failed_requests": sum(v for k, v in statuses.items() if k not in ("200", "201", "202")),
            "unanswered": len(ids) - len(replies),
            "http_p50_ms": round(pct(http, 50), 1),
            "http_p99_ms": round(pct(http, 99), 1),
            "reply_p50_ms": round(pct(replies, 50), 1),
            "reply_p99_ms": round(pct(replies, 99), 1),
            "reply_max_ms": round(max(replies), 1) if replies else None,
        }


def cites(replica: Replica, connector: FakeBotConnector, question: str, title: str) -> bool:
    act = {**_activity(connector.service_url, 0), "text": question}
    req = urllib.request.Request(
        replica.base + "/api/messages", json.dumps(act).encode(), {"Content-Type": "application/json"}
    )
    urllib.request.urlopen(req, timeout=60).read()
    replies = eventually(
        lambda: [r for r in connector.requests if r.kind == "reply" and r.reply_to_id == act["id"]],
        timeout=60,
    )
    return title in json.dumps(replies[0].body)


def add_document(env: dict, work: Path, key: str) -> int:
    title, _, text = DOCS[key]
    path = work / f"{key}.md"
    path.write_text(text)
    args = ["sources", "add", str(path), "--title", title, "--publisher", "Benchmark Trust"]
    args += ["--published", "2026-01-15", "--json"]
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"hibot sources add failed: {out.stderr[-2000:]}")
    return int(json.loads(out.stdout).get("build_request") or 0)


def reloads(replica: Replica, since: float) -> list[tuple[float, str]]:
    """(unix time, build id) of each build the replica swapped in after `since`, from its log: the
    moment answers start coming from the new build (/readyz can be 503 meanwhile for other reasons)."""
    out = []
    for line in replica.log.read_text().splitlines():
        if '"index_reloaded"' not in line and '"ready"' not in line:
            continue
        event = json.loads(line)
        when = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()
        if event.get("event") in ("index_reloaded", "ready") and when >= since:
            out.append((when, event["build_id"]))
    return out


def wait_builds(replicas: list[Replica], old: str, since: float, timeout: float = 180) -> dict[int, float]:
    """Seconds from `since` (unix time) until each replica answers from a build other than `old`."""
    seen: dict[int, float] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < len(replicas) and time.monotonic() < deadline:
        for r in replicas:
            new = [t for t, b in reloads(r, since) if b != old]
            if r.n not in seen and new:
                seen[r.n] = round(new[0] - since, 1)
        time.sleep(0.5)
    return seen


def workers_running() -> list[int]:
    pids = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if b"bot.sources.build_worker" in (p / "cmdline").read_bytes():
                    pids.append(int(p.name))
            except OSError:
                continue
    return pids


def db_rows(url: str, sql: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql)))
    finally:
        engine.dispose()


def seed_index(index: Path) -> None:
    """Replica 1's index: the repository's current build, hard-linked."""
    build = (ROOT / "index" / "CURRENT").read_text().strip()
    shutil.copytree(ROOT / "index" / "builds" / build, index / "builds" / build, copy_function=os.link)
    (index / "CURRENT").write_text(build)


def since_request(url: str, request: int, t_add: float, seen: dict[int, float]) -> dict[int, float]:
    """`seen` (seconds from the add command) counted from the request's row instead: what a lead
    waits after hibot says "Added" (the command's own start-up is not part of it)."""
    sql = f"select extract(epoch from created) from index_build_requests where id = {int(request)}"
    created = float(db_rows(url, sql)[0][0])
    return {n: round(t_add + s - created, 1) for n, s in seen.items()}


def eval_questions() -> list[str]:
    """The repository's evaluation questions, each once, in a fixed shuffled order."""
    texts = [
        json.loads(line)["question"]
        for path in sorted((ROOT / "tests" / "eval").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    distinct = list(dict.fromkeys(texts))
    random.Random(0).shuffle(distinct)
    return distinct


def phase_add(replicas, connector, env, work, rate, url, questions=None) -> dict:
    old = replicas[0].build() or ""
    load = Load(replicas, connector, rate, questions)
    t_load = time.time()
    load.thread.start()
    time.sleep(15)  # the baseline: the same load before any build
    t_add = time.time()
    request = add_document(env, work, "fenwick")
    added_s = time.time() - t_add
    seen = wait_builds(replicas, old, t_add)
    t_swapped = t_add + max(seen.values(), default=0)
    time.sleep(10)
    load.stop.set()
    t_end = time.time()
    load.thread.join(180)
    title, question, _ = DOCS["fenwick"]
    windows = {
        "before_add": (t_load, t_add),
        "add_to_both_swapped": (t_add, t_swapped),
        "after_swap": (t_swapped, t_end),
    }
    return {
        "request": request,
        "add_command_s": round(added_s, 1),
        "new_build_visible_s": seen,
        "visible_after_request_s": since_request(url, request, t_add, seen),
        "cited": {r.n: cites(r, connector, question, title) for r in replicas},
        "load": load.summary(windows),
        "builds": [r.build() for r in replicas],
        "old_build": old,
    }


def phase_kill(replicas, connector, env, work, url) -> dict:
    old = replicas[0].build() or ""
    published_before = db_rows(url, "select count(*) from index_builds")[0][0]
    t_add = time.time()
    request = add_document(env, work, "ashdown")
    holder = eventually(
        lambda: (db_rows(url, "select holder from index_build_lease where token is not null") or [None])[0],
        timeout=60,
        interval=0.05,
    )[0]
    pid = int(holder.rsplit(":", 1)[1])
    victim = next(r for r in replicas if r.proc and r.proc.pid == pid)
    workers = eventually(workers_running, timeout=30, interval=0.05)
    time.sleep(1.5)  # the worker is loading the model and chunking: mid-build
    assert workers_running(), "the build ended before the kill"
    os.kill(pid, signal.SIGKILL)
    killed_at = round(time.time() - t_add, 1)
    victim.proc.wait(10)
    time.sleep(2)
    orphans = [p for p in workers if p in workers_running()]
    restart_s = victim.start()
    after_restart = victim.build()
    seen = wait_builds(replicas, old, t_add, timeout=240)
    rows = db_rows(url, f"select status, attempts, build_id from index_build_requests where id = {request}")
    title, question, _ = DOCS["ashdown"]
    return {
        "request": request,
        "killed_replica": victim.n,
        "killed_at_s": killed_at,
        "worker_left_running": bool(orphans),
        "restart_ready_s": round(restart_s, 1),
        "serves_after_restart": after_restart,
        "old_build": old,
        "serves_old_after_restart": after_restart == old,
        "request_after": [tuple(r) for r in rows],
        "published_builds_added": db_rows(url, "select count(*) from index_builds")[0][0] - published_before,
        "new_build_visible_s": seen,
        "visible_after_request_s": since_request(url, request, t_add, seen),
        "cited": {r.n: cites(r, connector, question, title) for r in replicas},
    }


def main(rate: float = 20, lease: float = 20, distinct: bool = False) -> dict:
    cluster = PgCluster()
    cluster.start()
    work = Path(tempfile.mkdtemp(prefix="hibot-replicas-"))
    shutil.copytree(ROOT / "corpus", work / "corpus")
    connector = FakeBotConnector().start()
    env = {
        **os.environ,
        "MicrosoftAppId": "",
        "HIBOT_DATABASE_URL": cluster.url,
        "HIBOT_CORPUS_DIR": str(work / "corpus"),
        "HIBOT_HOST": "127.0.0.1",
        "HIBOT_LOG_LEVEL": "INFO",
        "HIBOT_INDEX_POLL_S": "1",
        "HIBOT_BUILD_POLL_S": "1",
        "HIBOT_BUILD_LEASE_S": str(lease),
        "HIBOT_DATA_DIR": str(work / "operator"),
        "HIBOT_INDEX_DIR": str(work / "operator-index"),
    }
    replicas = [Replica(1, work, env), Replica(2, work, env)]
    seed_index(replicas[0].index)
    report: dict = {"work_dir": str(work)}
    try:
        report["start_s"] = {
            r.n: round(r.start(), 1) for r in replicas
        }  # 2 fetches 1's build from the database
        questions = eval_questions() if distinct else None
        report["questions"] = len(questions) if questions else "benchmarks/questions.py (10, repeating)"
        report["add"] = phase_add(replicas, connector, env, work, rate, cluster.url, questions)
        report["kill"] = phase_kill(replicas, connector, env, work, cluster.url)
    finally:
        for r in replicas:
            r.stop()
        connector.stop()
        cluster.destroy()
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--lease", type=float, default=20, help="HIBOT_BUILD_LEASE_S for the replicas")
    parser.add_argument(
        "--distinct", action="store_true", help="ask the repository's evaluation questions, not the ten"
    )
    args = parser.parse_args()
    print(json.dumps(main(args.rate, args.lease, args.distinct), indent=2))
