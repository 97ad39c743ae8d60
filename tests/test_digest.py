"""The weekly leads digest: delivered to the Slack leads channel and to each Teams lead's chat with
hibot (through the fakes), with the chart attached as an image with alt text, never carrying an
identifier; and exactly once per recipient per week with two schedulers racing on PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from benchmarks.report_data import PLANTED, seed
from bot.config import Settings
from bot.report.chart import weekly_chart
from bot.report.digest import DigestJob, Recipient
from bot.slack.client import make_client
from bot.slack.digest import SlackDigestSender
from bot.storage import Store
from bot.teams.connector import connect
from bot.teams.digest import TeamsDigestSender
from tests.support.cards import walk
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.fakes.slack_api import FakeSlackAPI
from tests.support.pg import fresh_database
from tests.support.teams import BOT, TENANT

MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # after the default slot, Monday 08:00 London
LEADS_CHANNEL = "C0LEADS001"
JANE_CHAT = "a:personal-chat-jane"


def squashed(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def leaked(text: str) -> list[str]:
    return [p for p in PLANTED if squashed(p) in squashed(text)]


def settings(**kw) -> Settings:
    values = {"HIBOT_LEADS": "teams:aad-jane", "HIBOT_LEADS_CHANNEL": f"slack:{LEADS_CHANNEL}", **kw}
    return Settings(_env_file=None, **values)


def test_digest_reaches_the_slack_leads_channel_and_each_teams_lead_once(store):
    seed(store, n=600, now=MONDAY_9 - timedelta(hours=2))
    with FakeSlackAPI() as slack, FakeBotConnector() as connector:
        s = settings(SLACK_BOT_TOKEN="xoxb-test-token", SLACK_API_BASE_URL=slack.base_url)
        reference = {
            "serviceUrl": connector.service_url,
            "channelId": "msteams",
            "bot": BOT,
            "user": {"id": "29:user-jane", "aadObjectId": "aad-jane"},
            "conversation": {"id": JANE_CHAT, "conversationType": "personal", "tenantId": TENANT},
        }
        store.upsert_conversation("teams", JANE_CHAT, reference, kind="personal")
        senders = {
            "slack": SlackDigestSender(make_client(s, s.slack_bot_token)),
            "teams": TeamsDigestSender(connect(s)),
        }
        job = DigestJob(store, s, senders, clock=lambda: MONDAY_9)
        first = asyncio.run(job.run_due())
        again = asyncio.run(job.run_due())  # the same week: nothing more
        [post] = slack.bodies("chat.postMessage")
        [upload] = slack.bodies("files.getUploadURLExternal")
        [png] = [r.body for r in slack.requests if r.path.startswith("/upload/")]
        [complete] = slack.bodies("files.completeUploadExternal")
        [teams_post] = connector.activities(JANE_CHAT)
    assert sorted((r.platform, r.status) for r in first) == [("slack", "sent"), ("teams", "sent")]
    assert again == []
    assert post["channel"] == LEADS_CHANNEL and "hibot weekly digest for leads" in post["text"]
    assert "questions:" in post["text"] and "corpus gaps" in post["text"]
    assert upload["alt_txt"].startswith("Chart of questions per week") and png["png"] and png["bytes"] > 1000
    assert complete["thread_ts"] and complete["channel_id"] == LEADS_CHANNEL
    [image] = [n for n in walk(teams_post.body["attachments"][0]["content"]) if n.get("type") == "Image"]
    assert image["altText"].startswith("Chart of questions per week")
    assert base64.b64decode(image["url"].split(",", 1)[1])[:4] == b"\x89PNG"
    for name, output in {
        "slack text": post["text"],
        "slack alt text": upload["alt_txt"],
        "teams": json.dumps(teams_post.body, ensure_ascii=False),
    }.items():
        assert leaked(output) == [], name
    assert {d.status for d in store.list_digest_deliveries()} == {"sent"}


# --- exactly once across replicas ----------------------------------------------------------------
class RecordingDigestSender:
    def __init__(self, platform: str):
        self.platform = platform
        self.sent: list[tuple[str, str]] = []

    async def send_digest(self, recipient: Recipient, text: str, chart) -> str:
        await asyncio.sleep(0.001)  # a post takes a moment; the other replica ticks meanwhile
        self.sent.append((recipient.key, text.splitlines()[0]))
        return f"m-{len(self.sent)}"


def _replica(url: str, ticks: list[datetime], barrier, out) -> None:
    store = Store(url)
    sender = RecordingDigestSender("slack")
    now = {"t": ticks[0]}
    job = DigestJob(store, settings(HIBOT_LEADS_CHANNEL=""), {"slack": sender}, clock=lambda: now["t"])
    sent_at: list[tuple[str, str]] = []

    async def main():
        for t in ticks:
            await asyncio.to_thread(barrier.wait)  # both replicas tick at the same instant
            now["t"] = t
            sent_at.extend((r.recipient, r.period_key) for r in await job.run_due() if r.status == "sent")

    try:
        asyncio.run(main())
        out.put(("ok", sent_at))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which fails the test
        barrier.abort()
        out.put(("error", repr(e)))


@pytest.mark.postgres
def test_two_replicas_racing_on_postgres_send_each_leads_digest_once_a_week(pg_url):
    url = fresh_database(pg_url)
    setup = Store(url)
    setup.migrate()
    leads = [f"U0LEAD{i:04d}" for i in range(25)]
    for lead in leads:
        setup.add_lead("slack", lead)
    weeks = 4
    start = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # Monday 07:00 UTC, before the 08:00 slot
    ticks = [start + timedelta(hours=7 * n) for n in range(weeks * 24)]  # every 7 h for 4 weeks
    weekly_chart([])  # matplotlib imported once, before the fork, as a long-running replica has it
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_replica, args=(url, ticks, barrier, out)) for _ in range(2)]
    [p.start() for p in procs]
    reports = [out.get(timeout=240) for _ in procs]
    [p.join(timeout=30) for p in procs]
    assert [status for status, _ in reports] == ["ok", "ok"], reports
    posts = Counter(item for _, sent in reports for item in sent)
    expected = {
        ("lead:" + setup.hash_user("slack", lead), f"2026-W{w:02d}") for lead in leads for w in range(45, 49)
    }
    duplicates = sum(posts.values()) - len(posts)
    lost = len(expected - set(posts))
    split = [len(sent) for _, sent in reports]
    print(
        f"\ndigest race: {len(expected)} expected, {sum(posts.values())} posts (replicas {split}), "
        f"duplicates {duplicates}, lost {lost}"
    )
    assert set(posts) == expected and duplicates == 0 and lost == 0
    assert all(n > 0 for n in split), "both replicas should have won some claims"
    rows = setup.list_digest_deliveries()
    assert len(rows) == len(expected) and {r.status for r in rows} == {"sent"}
    setup.close()
