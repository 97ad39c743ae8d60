"""Teams burst: n personal-chat messages at `rate` per second; time from POST to the reply reaching
the connector.

The benchmark starts its own fake Bot Connector (tests/support/fakes, so run it from a checkout) and
puts its URL in every activity's serviceUrl, so the server under test replies there. The server must be in
local emulator mode (MicrosoftAppId empty): these activities carry no Bot Framework token.

    python -m benchmarks.teams_burst http://127.0.0.1:3978 [n] [rate]   # against a running `hibot serve`
    python -m benchmarks.teams_burst --index DIR [--quick]             # in-process server (`hibot bench`)
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import aiohttp
from aiohttp import web

from benchmarks.questions import QUESTIONS
from benchmarks.run import pct
from bot.config import Settings
from bot.engine import Engine
from bot.storage import Store
from bot.teams.app import teams_routes
from tests.support.fakes.bot_connector import FakeBotConnector

USERS = 20
_ids = itertools.count(1)


def _activity(service_url: str, i: int) -> dict:
    user = i % USERS
    return {
        "type": "message",
        "id": f"bench-{next(_ids)}-{time.time_ns()}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:bench-user-{user}", "aadObjectId": f"bench-aad-{user}"},
        "recipient": {"id": "28:hibot-bench", "name": "hibot"},
        "conversation": {"id": f"a:bench-chat-{user}", "conversationType": "personal", "tenantId": "bench"},
        "channelData": {"tenant": {"id": "bench"}},
        "text": QUESTIONS[i % len(QUESTIONS)],
    }


async def _burst(url: str, service_url: str, n: int, rate: float) -> tuple[dict[str, float], Counter]:
    sent: dict[str, float] = {}
    statuses: Counter = Counter()
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def one(i: int) -> None:
            act = _activity(service_url, i)
            sent[act["id"]] = time.perf_counter()
            try:
                async with session.post(url, json=act) as resp:
                    statuses[str(resp.status)] += 1
            except (aiohttp.ClientError, TimeoutError) as e:  # a refused or dropped request is a result
                statuses[type(e).__name__] += 1

        tasks = []
        t0 = time.perf_counter()
        for i in range(n):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return sent, statuses


def run(base_url: str, n: int = 200, rate: float = 20, reply_timeout: float = 60.0) -> dict:
    """Post n personal-chat activities at `rate`/s to `base_url`/api/messages; report reply latency (ms)."""
    url = base_url.rstrip("/") + "/api/messages"
    with FakeBotConnector() as connector:
        t0 = time.perf_counter()
        sent, statuses = asyncio.run(_burst(url, connector.service_url, n, rate))
        send_s = time.perf_counter() - t0
        try:
            connector.wait_for(lambda r: r.kind == "reply" and r.reply_to_id in sent, n, reply_timeout)
        except AssertionError:
            pass  # report what arrived
        first: dict[str, float] = {}
        for r in connector.requests:
            if r.kind == "reply" and r.reply_to_id in sent and r.reply_to_id not in first:
                first[r.reply_to_id] = (r.at - sent[r.reply_to_id]) * 1000
    latencies = list(first.values())
    return {
        "n": n,
        "rate_per_s": rate,
        "achieved_rate_per_s": round(n / send_s, 1) if send_s else None,
        "replies": len(latencies),
        "http_status": dict(statuses),
        "reply_p50_ms": round(pct(latencies, 50), 1),
        "reply_p95_ms": round(pct(latencies, 95), 1),
        "reply_p99_ms": round(pct(latencies, 99), 1),
        "reply_max_ms": round(max(latencies), 1) if latencies else None,
    }


class _InProcessServer:
    """teams_routes with the real engine on an index and a temporary SQLite store, on a thread."""

    def __init__(self, index_dir: Path):
        self._tmp = tempfile.TemporaryDirectory(prefix="hibot-teams-bench-")
        self.store = Store(f"sqlite:///{self._tmp.name}/bench.db")
        self.store.migrate()
        self.engine = Engine.from_index(Path(index_dir))
        self.engine.warm()
        self.settings = Settings(_env_file=None, MicrosoftAppId="", HIBOT_DATA_DIR=self._tmp.name)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(60)

    async def _start(self) -> str:
        app = web.Application()
        app.router.add_routes(teams_routes(self.settings, self.engine, self.store))
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.store.close()
        self._tmp.cleanup()


def bench_from_cli(index_dir, quick: bool = False) -> dict:
    with _InProcessServer(Path(index_dir)) as base_url:
        return run(base_url, n=50 if quick else 200, rate=20)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--index"] and len(argv) >= 2:
        print(json.dumps(bench_from_cli(argv[1], quick="--quick" in argv[2:]), default=str))
    elif argv and not argv[0].startswith("-"):
        result = run(argv[0], int(argv[1]) if len(argv) > 1 else 200, float(argv[2]) if len(argv) > 2 else 20)
        print(json.dumps(result, indent=2))
    else:
        sys.exit("usage: python -m benchmarks.teams_burst BASE_URL [N] [RATE] | --index DIR [--quick]")


if __name__ == "__main__":
    main(sys.argv[1:])
