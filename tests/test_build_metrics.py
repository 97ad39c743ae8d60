"""GET /metrics shows the index builds shared by replicas (bot/metrics.py): a build this replica ran
(started, ended by outcome, its duration), the fetch that copied it into the replica's index, and the
build the replica answers from, scraped from a running app before and after a requested build."""

from __future__ import annotations

from bot.server import create_app
from bot.sources.build_files import local_build
from bot.sources.builds import request_build
from tests.support.polling import eventually
from tests.support.prometheus import scrape
from tests.support.served_app import ServedApp
from tests.support.teams import make_settings
from tests.support.tiny_index import build_tiny_index, write_tiny_corpus


def test_metrics_show_a_build_its_outcome_and_duration_the_fetch_and_the_build_served(
    store, db_url, tmp_path, monkeypatch
):
    index = build_tiny_index(tmp_path / "replica")
    old = local_build(index)
    monkeypatch.setenv("HIBOT_BUILD_POLL_S", "0.2")
    settings = make_settings(
        tmp_path,
        HIBOT_INDEX_DIR=str(index),
        HIBOT_CORPUS_DIR=str(tmp_path / "replica" / "corpus"),
        HIBOT_INDEX_POLL_S="0.2",
        HIBOT_DATABASE_URL=db_url,
    )
    with ServedApp(create_app(settings, store=store, start_scheduler=False, watch_index=True)) as server:
        before = scrape(server.url, "hibot_index_")
        assert before[("hibot_index_build_info", (("build_id", old),))] == 1
        write_tiny_corpus(tmp_path / "replica" / "corpus", "\n## Screening\n\nThe Fenwick audit counts.\n")
        rid = request_build(store, reason="metrics", requested_by=None)

        def served() -> str | None:
            [req] = store.build_requests(None, [rid])
            status, body = server.get("/readyz")
            return req.build_id if req.status == "live" and body.get("build_id") == req.build_id else None

        new = eventually(served, timeout=90, interval=0.2, what="the requested build served")
        after = scrape(server.url, "hibot_index_")

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("hibot_index_builds_started_total") == 1
    assert grew("hibot_index_builds_ended_total", outcome="live") == 1
    assert grew("hibot_index_builds_ended_total", outcome="failed") == 0
    assert grew("hibot_index_build_seconds_count") == 1 and grew("hibot_index_build_seconds_sum") > 0
    assert grew("hibot_index_fetches_total", outcome="fetched") == 1
    assert after[("hibot_index_build_info", (("build_id", new),))] == 1
    assert ("hibot_index_build_info", (("build_id", old),)) not in after
    assert after[("hibot_index_age_seconds", ())] >= 0
