"""Slack ack latency under a burst: n signed app_mention events at `rate` per second.

Slack wants every request acknowledged within 3 seconds and retries otherwise, so what matters is the
time to the HTTP response while answers are being computed and posted behind it.

    run("http://127.0.0.1:3978", signing_secret, n=200, rate=20)   # against a running `hibot serve`
    python -m benchmarks.slack_burst [--index DIR] [--quick]         # server + fake Slack Web API on
                                                                     # 127.0.0.1, then run(); prints JSON

The fake Slack Web API lives in tests/support, so this runs from a source checkout (`hibot bench` runs
it as `python -m` from the repository root).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import structlog
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from benchmarks.questions import QUESTIONS
from bot import logs
from bot.config import Settings, get_settings
from bot.engine import Engine
from bot.slack.app import slack_routes
from bot.storage import Store
from tests.support.fakes.slack_api import BOT_USER_ID, FakeSlackAPI
from tests.support.polling import eventually

SLACK_ACK_LIMIT_S = 3.0


def _events_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    return base if base.endswith("/slack/events") else base + "/slack/events"


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def mention_body(i: int, *, channel: str, bot_user_id: str, run_id: str) -> str:
    ts = f"{int(time.time())}.{i:06d}"
    event = {
        "type": "app_mention",
        "user": f"U0BENCH{i % 50:03d}",
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        "text": f"<@{bot_user_id}> {QUESTIONS[i % len(QUESTIONS)]}",
    }
    return json.dumps(
        {
            "token": "bench",
            "team_id": "T0BENCH01",
            "api_app_id": "A0BENCH01",
            "type": "event_callback",
            "event_id": f"Ev{run_id}{i:06d}",
            "event_time": int(time.time()),
            "event": event,
        }
    )


async def _burst(
    url: str, secret: str, n: int, rate: float, channel: str, bot_user_id: str
) -> list[tuple[int, float]]:
    verifier = SignatureVerifier(secret)
    run_id = f"{int(time.time() * 1000) % 10**9:09d}"
    loop = asyncio.get_running_loop()

    async def one(session: aiohttp.ClientSession, i: int) -> tuple[int, float]:
        body = mention_body(i, channel=channel, bot_user_id=bot_user_id, run_id=run_id)
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body) or "",
        }
        t0 = time.perf_counter()
        try:
            async with session.post(url, data=body.encode(), headers=headers) as r:
                await r.read()
                return r.status, time.perf_counter() - t0
        except aiohttp.ClientError:
            return 0, time.perf_counter() - t0

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        start = loop.time()
        tasks = []
        for i in range(n):  # open-loop arrivals: a slow server does not slow the sender down
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
            tasks.append(asyncio.create_task(one(session, i)))
        return await asyncio.gather(*tasks)


def run(
    base_url: str,
    signing_secret: str,
    n: int = 200,
    rate: float = 20,
    *,
    replies: Callable[[], int] | None = None,
    settle_s: float = 60,
    channel: str = "C0BENCH01",
    bot_user_id: str = "UHIBOTBOT",
) -> dict:
    """Post the burst and report ack latency (ms) and, when `replies` can count them (a fake Slack
    API's chat.postMessage count), how many replies arrived and how long the last one took."""
    before = replies() if replies else 0
    t0 = time.perf_counter()
    results = asyncio.run(_burst(_events_url(base_url), signing_secret, n, rate, channel, bot_user_id))
    sent_s = time.perf_counter() - t0
    latencies = [lat for status, lat in results if status == 200]
    report: dict[str, float | None] = {
        "events": n,
        "rate_per_s": rate,
        "acked_200": len(latencies),
        "ack_p50_ms": _percentile(latencies, 50) * 1000,
        "ack_p95_ms": _percentile(latencies, 95) * 1000,
        "ack_p99_ms": _percentile(latencies, 99) * 1000,
        "ack_max_ms": max(latencies, default=float("nan")) * 1000,
        "ack_mean_ms": (statistics.fmean(latencies) * 1000) if latencies else float("nan"),
        "acked_under_3s": sum(lat < SLACK_ACK_LIMIT_S for lat in latencies) / n if n else 0.0,
    }
    if replies is not None:
        try:
            eventually(lambda: replies() - before >= n, timeout=settle_s, interval=0.05)
        except AssertionError:
            pass  # report what arrived
        arrived = replies() - before
        report["replies"] = arrived
        report["all_replies_after_s"] = time.perf_counter() - t0 if arrived >= n else None
        report["burst_duration_s"] = sent_s
    return report


class _ServerThread(threading.Thread):
    """The Slack routes in their own event loop, as `hibot serve` would run them."""

    def __init__(self, app):
        super().__init__(name="slack-bench-server", daemon=True)
        self.app = app
        self.ready = threading.Event()
        self.url = ""
        self._halt: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._halt = asyncio.Event()
        runner = web.AppRunner(self.app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        self.ready.set()
        await self._halt.wait()
        await runner.cleanup()

    def stop(self) -> None:
        if self._loop and self._halt:
            self._loop.call_soon_threadsafe(self._halt.set)
        self.join(timeout=30)


def bench_from_cli(index: Path, quick: bool = False) -> dict:
    """Everything on 127.0.0.1: the real engine on `index`, a SQLite store, the Slack routes, and the
    fake Slack Web API from tests/support (so this needs a source checkout)."""
    if not structlog.is_configured():  # unconfigured structlog prints every reply's log line to stdout
        logs.configure("WARNING")
    secret = "bench-signing-secret"
    n, rate = (50, 20) if quick else (200, 20)
    engine = Engine.from_index(Path(index))
    engine.warm()
    with tempfile.TemporaryDirectory(prefix="hibot-slack-bench-") as tmp, FakeSlackAPI() as slack:
        store = Store(f"sqlite:///{Path(tmp) / 'hibot.db'}")
        store.migrate()
        settings = Settings(
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=secret,
            SLACK_API_BASE_URL=slack.base_url,
            HIBOT_DATA_DIR=tmp,
        )
        app = web.Application()
        app.router.add_routes(slack_routes(settings, engine, store))
        server = _ServerThread(app)
        server.start()
        server.ready.wait(30)
        try:
            return run(
                server.url,
                secret,
                n=n,
                rate=rate,
                bot_user_id=BOT_USER_ID,
                replies=lambda: len(slack.delivered("chat.postMessage")),
            )
        finally:
            server.stop()
            store.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Slack ack latency under a burst (in-process server).")
    ap.add_argument("--index", type=Path, default=None, help="index directory (default: HIBOT_INDEX_DIR)")
    ap.add_argument("--quick", action="store_true", help="50 events instead of 200")
    a = ap.parse_args(argv)
    print(json.dumps(bench_from_cli(a.index or get_settings().index_dir, quick=a.quick), default=str))


if __name__ == "__main__":
    main()
