"""Microsoft's signing-key endpoint hangs (accepts, never answers) while Teams requests carrying
well-formed tokens arrive: `/healthz` must keep answering, and each Teams request is refused (401)
within the key-fetch timeout instead of freezing the server.

    python -m benchmarks.teams_auth_hang [--seconds 15] [--rate 10]     # from the repository root

Runs `hibot serve` as a subprocess on the repository's index with an app id set and the OpenID
metadata URL pointing at a local fake in "hang" mode; prints /healthz latency percentiles and the
Teams statuses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from benchmarks.run import pct
from tests.support.fakes.bot_framework_keys import BotFrameworkKeys
from tests.support.pg import free_port
from tests.support.polling import eventually

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "11111111-2222-3333-4444-555555555555"


def _activity(i: int) -> dict:
    return {
        "type": "message",
        "id": f"hang{i}",
        "channelId": "msteams",
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "from": {"id": "29:u", "aadObjectId": "aad-u"},
        "recipient": {"id": "28:hibot"},
        "conversation": {"id": "a:personal", "conversationType": "personal"},
        "text": "What is Core20PLUS5?",
    }


async def drive(base: str, token: str, seconds: float, rate: float) -> dict:
    health: list[float] = []
    teams: list[tuple[int | str, float]] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as s:

        async def probe() -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                t0 = time.perf_counter()
                async with s.get(base + "/healthz") as r:
                    await r.read()
                health.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(0.02)

        async def one(i: int) -> None:
            t0 = time.perf_counter()
            headers = {"Authorization": f"Bearer {token}"}
            try:
                async with s.post(base + "/api/messages", json=_activity(i), headers=headers) as r:
                    teams.append((r.status, time.perf_counter() - t0))
            except (aiohttp.ClientError, TimeoutError) as e:
                teams.append((type(e).__name__, time.perf_counter() - t0))

        async def load() -> None:
            tasks = []
            for i in range(int(seconds * rate)):
                tasks.append(asyncio.create_task(one(i)))
                await asyncio.sleep(1 / rate)
            await asyncio.gather(*tasks)

        await asyncio.gather(probe(), load())
    statuses: dict[str, int] = {}
    for status, _ in teams:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "healthz_ms": {
            "n": len(health),
            "p50": round(pct(health, 50), 1),
            "p99": round(pct(health, 99), 1),
            "max": round(max(health, default=0), 1),
        },
        "teams": {"statuses": statuses, "max_s": round(max((t for _, t in teams), default=0), 2)},
    }


def main(seconds: float = 15, rate: float = 10) -> dict:
    keys = BotFrameworkKeys().start()
    keys.hang()
    work = Path(tempfile.mkdtemp(prefix="hibot-hang-"))
    port = free_port()
    env = {
        **os.environ,
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppPassword": "not-used",
        "HIBOT_TEAMS_OPENID_URL": keys.metadata_url,
        "HIBOT_DATA_DIR": str(work),
        "HIBOT_DATABASE_URL": "",
        "HIBOT_PORT": str(port),
        "HIBOT_HOST": "127.0.0.1",
        "HIBOT_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"], env=env, cwd=ROOT, stderr=open(work / "serve.log", "w")
    )
    base = f"http://127.0.0.1:{port}"
    try:
        eventually(lambda: _up(base), timeout=120, interval=0.2, what="hibot serve to answer /healthz")
        token = keys.token(APP_ID, "https://smba.trafficmanager.net/emea/")
        report = asyncio.run(drive(base, token, seconds, rate))
        report["key_endpoint_hits"] = keys.hits
    finally:
        server.terminate()
        server.wait(30)
        keys.stop()
    print(json.dumps(report, indent=2))
    return report


def _up(base: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--rate", type=float, default=10)
    a = ap.parse_args()
    main(a.seconds, a.rate)
