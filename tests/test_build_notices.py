"""A lead is told how the build their upload asked for ended even when the replica that built it died
after publishing and before telling them (bot/sources/coordinator.py `tell_untold`): a replica that
starts tells them at once, a running one a lease after the build ended, and of two replicas racing
for it exactly one does (index_build_requests.notified_at, claimed in the database).

Two real `hibot serve` processes share the database; their replies go to the fake Slack Web API and
the fake Bot Connector (Teams without an app id: its local mode, loopback service URLs allowed). The
index is three short paragraphs, so each replica loads in a few seconds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from botbuilder.schema import Activity

from bot.sources.build_files import local_build
from bot.sources.builds import request_build
from bot.teams.connector import reference_dict
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.fakes.slack_api import FakeSlackAPI
from tests.support.pg import free_port
from tests.support.polling import eventually
from tests.support.prometheus import scrape
from tests.support.teams import PERSONAL, personal
from tests.support.tiny_index import build_tiny_index

ROOT = Path(__file__).resolve().parent.parent
LEAD, DM = "U0LEAD0001", "D0LEAD0001"


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory) -> Path:
    return build_tiny_index(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def slack():
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def connector():
    with FakeBotConnector() as fake:
        yield fake


class Replica:
    """`hibot serve` on its own port, index copy and data directory, on the shared database."""

    def __init__(self, n: int, tmp_path: Path, index: Path, db_url: str, slack: FakeSlackAPI):
        work = tmp_path / f"replica{n}"
        shutil.copytree(index, work / "index", copy_function=os.link)
        self.port = free_port()
        env = {
            **os.environ,
            "HIBOT_PORT": str(self.port),
            "HIBOT_HOST": "127.0.0.1",
            "HIBOT_INDEX_DIR": str(work / "index"),
            "HIBOT_DATA_DIR": str(work / "data"),
            "HIBOT_DATABASE_URL": db_url,
            "HIBOT_INDEX_POLL_S": "0.2",
            "HIBOT_BUILD_POLL_S": "0.2",
            "HIBOT_BUILD_LEASE_S": "1",  # a running replica tells an untold lead 1 s after the build ended
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": "secret",
            "SLACK_APP_TOKEN": "",
            "SLACK_API_BASE_URL": slack.base_url,
            "MicrosoftAppId": "",
        }
        self.log = work / "serve.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "w"),  # noqa: SIM115 - closed with the process
        )

    def ready(self) -> bool:
        assert self.proc.poll() is None, self.log.read_text()[-2000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # graceful: replies under way are sent first
            self.proc.wait(30)


def slack_lead(title: str) -> dict:
    return {"platform": "slack", "channel": DM, "user": LEAD, "action": "add", "title": title}


def teams_lead(connector: FakeBotConnector, title: str) -> dict:
    """Where the Teams surface keeps who to tell: the lead's personal chat (its conversation reference)."""
    chat = Activity().deserialize(personal(connector, "hello"))
    ref = reference_dict(chat)
    return {"platform": "teams", "conversation": PERSONAL, "reference": ref, "action": "add", "title": title}


def finished_untold(store, build_id: str, notify: dict) -> int:
    """A lead's upload whose builder published the build and died before telling them."""
    token = store.take_build_lease("dead-builder", timedelta(minutes=5))  # no replica builds it instead
    assert token
    rid = request_build(
        store,
        reason="lead upload",
        requested_by="lead-hash",
        notify=notify,
    )
    [claimed], _ = store.claim_build_requests(token, 3)
    assert claimed.id == rid and store.publish_index_build(build_id, [], published_by="dead", token=token)
    store.release_build_lease(token)  # (a dead builder's lease expires instead; this test has no time)
    return rid


def told(slack: FakeSlackAPI, title: str) -> list[dict]:
    return [b for b in slack.bodies("chat.postMessage") if title in str(b.get("text"))]


@pytest.mark.each_backend
def test_a_lead_the_dead_builder_never_told_is_told_once_by_the_replicas(
    store, db_url, tmp_path, tiny_index, slack, connector
):
    build_id = local_build(tiny_index) or ""
    first = finished_untold(store, build_id, slack_lead("The Harrowgate Outreach Standard"))
    on_teams = finished_untold(store, build_id, teams_lead(connector, "The Ashdown Screening Review"))
    replicas = [Replica(n, tmp_path, tiny_index, db_url, slack) for n in (1, 2)]  # start together
    try:
        eventually(lambda: all(r.ready() for r in replicas), timeout=120, what="both replicas ready")
        eventually(lambda: told(slack, "Harrowgate"), timeout=30, what="the lead told at start-up")
        connector.wait_for(lambda r: "Ashdown" in str(r.body), timeout=30)  # and the Teams lead
        # While both run, another builder dies the same way: told a lease later, by one of them.
        second = finished_untold(store, build_id, slack_lead("The Fenwick Audit"))
        eventually(lambda: told(slack, "Fenwick"), timeout=30, what="the lead told by a running replica")
        late = [
            scrape(f"http://127.0.0.1:{r.port}").get(("hibot_index_build_notices_late_total", ()))
            for r in replicas
        ]
    finally:
        for r in replicas:
            r.stop()
    [harrowgate], [fenwick] = told(slack, "Harrowgate"), told(slack, "Fenwick")
    assert sum(n or 0 for n in late) == 3  # /metrics: each replica counts the leads it told late
    [ashdown] = [r for r in connector.activities(PERSONAL) if "Ashdown" in str(r.body)]
    assert "“The Ashdown Screening Review” is now live" in str(ashdown.body)
    assert harrowgate["channel"] == fenwick["channel"] == DM
    assert harrowgate["text"] == "“The Harrowgate Outreach Standard” is now live: hibot answers from it."
    requests = {r.id: r for r in store.build_requests()}
    assert all(requests[i].notified_at and requests[i].notify is None for i in (first, on_teams, second))


@pytest.mark.each_backend
def test_of_replicas_racing_to_tell_a_lead_exactly_one_gets_to(store):
    rid = finished_untold(store, "b1", slack_lead("The Ashdown Screening Review"))
    took: list[list[int]] = []
    barrier = threading.Barrier(8)

    def race():
        barrier.wait()
        took.append([r.id for r in store.claim_build_notices()])

    threads = [threading.Thread(target=race) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(took) == [[]] * 7 + [[rid]]
    assert store.claim_build_notices() == []  # told: never again
