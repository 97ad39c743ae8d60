"""Load and fault check for `hibot serve` (issue: deploy and operate). Everything on 127.0.0.1.

    python -m benchmarks.load [--seconds 60] [--rate 20] [--outage]     # from the repository root

Starts a PostgreSQL cluster, a fake Slack Web API and a fake Bot Connector, then `hibot serve` as
a real subprocess. Sends mixed traffic at `rate` requests/s for `seconds`: Slack @mentions, Teams
personal messages and Slack 👍 clicks on earlier answers. Samples the server's RSS every second.
With --outage the database is stopped a third of the way in, for --outage-seconds (10 s). At the end
it checks that every question got exactly one reply, every reply has its audit record and every
acknowledged 👍 is a row in the database.
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
import urllib.parse
import urllib.request
from pathlib import Path

import aiohttp
import sqlalchemy as sa
from slack_sdk.signature import SignatureVerifier

from benchmarks.run import pct
from benchmarks.slack_burst import mention_body
from benchmarks.teams_burst import _activity
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.fakes.slack_api import BOT_USER_ID, FakeSlackAPI
from tests.support.pg import PgCluster, free_port
from tests.support.polling import eventually

ROOT = Path(__file__).resolve().parent.parent
SECRET = "load-test-signing-secret"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ready(base: str) -> bool:
    try:
        return urllib.request.urlopen(base + "/readyz", timeout=2).status == 200
    except OSError:
        return False


def signed(body: str, content_type: str) -> dict:
    ts = str(int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }


RUN_ID = f"{int(time.time() * 1000) % 10**9:09d}"


def mention(i: int) -> tuple[str, dict]:
    body = mention_body(i, channel="C0LOAD", bot_user_id=BOT_USER_ID, run_id=RUN_ID)
    return body, signed(body, "application/json")


def thumbs_up(i: int, answer_id: str) -> tuple[str, dict]:
    payload = {
        "type": "block_actions",
        "user": {"id": f"U0LOAD{i:05d}"},  # one vote per person per answer: every click a new person
        "team": {"id": "T0LOAD"},
        "api_app_id": "A0LOAD",
        "trigger_id": f"trig{i}",
        "container": {"type": "message"},
        "channel": {"id": "C0LOAD"},
        "message": {"ts": "1.1"},
        "actions": [
            {
                "type": "button",
                "action_id": "feedback_up",
                "value": answer_id,
                "block_id": "feedback",
                "action_ts": str(time.time()),
            }
        ],
    }
    body = "payload=" + urllib.parse.quote(json.dumps(payload))
    return body, signed(body, "application/x-www-form-urlencoded")


def answer_ids(slack: FakeSlackAPI) -> list[str]:
    ids = []
    for body in slack.bodies("chat.postMessage"):
        blocks = body.get("blocks")
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks or []
        for b in blocks:
            for el in b.get("elements", []) if isinstance(b, dict) else []:
                if isinstance(el, dict) and el.get("action_id") == "feedback_up":
                    ids.append(el["value"])
    return ids


def _request(i: int, base: str, slack: FakeSlackAPI, connector: FakeBotConnector) -> tuple[str, str, dict]:
    """The i-th request of the mix: (kind, url, aiohttp post arguments). Slack mentions and Teams
    messages alternate; every fifth is a 👍 on an earlier answer once there is one."""
    kind = ("slack", "teams", "slack", "teams", "feedback")[i % 5]
    ids = answer_ids(slack) if kind == "feedback" else []
    if kind == "feedback" and ids:
        body, headers = thumbs_up(i, ids[i % len(ids)])
        return kind, base + "/slack/events", {"data": body.encode(), "headers": headers}
    if kind == "teams":
        return kind, base + "/api/messages", {"json": _activity(connector.service_url, i)}
    body, headers = mention(i)
    return "slack", base + "/slack/events", {"data": body.encode(), "headers": headers}


async def drive(
    base: str, slack: FakeSlackAPI, connector: FakeBotConnector, seconds: float, rate: float, outage, pid: int
) -> dict:
    results: dict[str, list] = {"slack": [], "teams": [], "feedback": []}
    rss: list[tuple[float, float]] = []
    sent = {"slack": 0, "teams": 0, "feedback": 0}
    loop = asyncio.get_running_loop()

    async def post(session: aiohttp.ClientSession, kind: str, url: str, kwargs: dict) -> None:
        t0 = time.perf_counter()
        try:
            async with session.post(url, **kwargs) as r:
                await r.read()
                results[kind].append((r.status, time.perf_counter() - t0))
        except (aiohttp.ClientError, TimeoutError) as e:
            results[kind].append((type(e).__name__, time.perf_counter() - t0))

    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=60), connector=aiohttp.TCPConnector(limit=0)
    ) as session:
        start = loop.time()
        tasks, i, next_rss = [], 0, 0.0
        while loop.time() - start < seconds:  # open-loop arrivals at `rate` per second
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
            elapsed = loop.time() - start
            if elapsed >= next_rss:
                rss.append((round(elapsed, 1), rss_mb(pid)))
                next_rss += 1.0
            if outage:
                outage.tick(elapsed)
            kind, url, kwargs = _request(i, base, slack, connector)
            tasks.append(asyncio.create_task(post(session, kind, url, kwargs)))
            sent[kind] += 1
            i += 1
        await asyncio.gather(*tasks)
    if outage:
        outage.tick(10**9)
    return {"results": results, "rss": rss, "sent": sent}


class Outage:
    def __init__(self, cluster: PgCluster, at: float, length: float = 10.0):
        self.cluster, self.at, self.length, self.state = cluster, at, length, "before"
        self.window: tuple[float, float] | None = None

    def tick(self, elapsed: float) -> None:
        if self.state == "before" and elapsed >= self.at:
            self.cluster.stop()
            self.state, self.window = "down", (elapsed, elapsed + self.length)
        elif self.state == "down" and elapsed >= self.at + self.length:
            self.cluster.start()
            self.state = "after"


def main(seconds: float = 60, rate: float = 20, outage: bool = False, outage_seconds: float = 10.0) -> dict:
    cluster = PgCluster()
    cluster.start()
    work = Path(tempfile.mkdtemp(prefix="hibot-load-"))
    slack, connector = FakeSlackAPI().start(), FakeBotConnector().start()
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-load",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_BASE_URL": slack.base_url,
        "MicrosoftAppId": "",
        "HIBOT_DATABASE_URL": cluster.url,
        "HIBOT_DATA_DIR": str(work),
        "HIBOT_PORT": str(port),
        "HIBOT_HOST": "127.0.0.1",
        "HIBOT_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "serve.log", "w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        eventually(lambda: ready(base), timeout=120, interval=0.2, what=f"{base}/readyz to answer 200")
        fault = Outage(cluster, at=seconds / 3, length=outage_seconds) if outage else None
        run = asyncio.run(drive(base, slack, connector, seconds, rate, fault, server.pid))
        time.sleep(25 if outage else 5)  # let answers and outbox writes queued behind the outage land
        report = summarise(run, slack, connector, cluster.url)
        report["outage_window_s"] = fault.window if fault else None
    finally:
        server.terminate()
        server.wait(30)
        slack.stop()
        connector.stop()
        cluster.destroy()
    print(json.dumps(report, indent=2, default=str))
    return report


def summarise(run: dict, slack: FakeSlackAPI, connector: FakeBotConnector, db_url: str) -> dict:
    out: dict = {"sent": run["sent"]}
    for kind, rows in run["results"].items():
        lat = [t * 1000 for status, t in rows if isinstance(status, int) and 200 <= status < 300]
        out[kind] = {
            "ok": len(lat),
            "errors": len(rows) - len(lat),
            "p50_ms": round(pct(lat, 50), 1),
            "p95_ms": round(pct(lat, 95), 1),
            "p99_ms": round(pct(lat, 99), 1),
            "max_ms": round(max(lat, default=0), 1),
        }
    threaded = [b for b in slack.bodies("chat.postMessage") if b.get("thread_ts")]
    out["slack"]["replies"] = len(threaded)
    out["slack"]["duplicate_replies"] = len(threaded) - len({b["thread_ts"] for b in threaded})
    replies = [r for r in connector.requests if r.kind == "reply"]
    out["teams"]["replies"] = len(replies)
    out["teams"]["duplicate_replies"] = len(replies) - len({r.reply_to_id for r in replies})
    engine = sa.create_engine(db_url)
    with engine.connect() as con:
        out["feedback"]["rows_in_db"] = con.execute(sa.text("select count(*) from feedback")).scalar()
        audit: dict[str, int] = dict(
            con.execute(sa.text("select platform, count(*) from answers group by platform")).all()
        )
    engine.dispose()
    out["feedback"]["lost"] = out["feedback"]["ok"] - out["feedback"]["rows_in_db"]
    # Every question sent (acknowledged or not: a Teams reply can arrive after the caller gave up).
    out["slack"]["unanswered"] = run["sent"]["slack"] - len({b["thread_ts"] for b in threaded})
    out["teams"]["unanswered"] = run["sent"]["teams"] - len({r.reply_to_id for r in replies})
    for kind in ("slack", "teams"):  # every reply has its audit record (the outbox drained)
        out[kind]["audit_rows"] = audit.get(kind, 0)
        out[kind]["audit_lost"] = out[kind]["replies"] - audit.get(kind, 0)
    rss = [m for _, m in run["rss"]]
    steady = rss[len(rss) // 4 :] or rss
    out["rss_mb"] = {
        "start": round(rss[0], 1) if rss else None,
        "end": round(rss[-1], 1) if rss else None,
        "min_steady": round(min(steady), 1) if steady else None,
        "max_steady": round(max(steady), 1) if steady else None,
        "spread_steady_pct": round(100 * (max(steady) - min(steady)) / min(steady), 1) if steady else None,
    }
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--rate", type=float, default=20)
    ap.add_argument("--outage", action="store_true", help="stop the database a third of the way in")
    ap.add_argument("--outage-seconds", type=float, default=10.0, help="how long the database is down")
    a = ap.parse_args()
    main(a.seconds, a.rate, a.outage, a.outage_seconds)
