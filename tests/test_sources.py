"""`hibot sources` and the `sources` chat command: the documents of the build that is answering, with
their publisher, dates, passages and review status, through the CLI and over HTTP as Slack and Teams
call hibot."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.sources.library import NO_PUBLISHER
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.fakes.slack_api import FakeSlackAPI
from tests.support.slack import CHANNEL, USER, SlackServer, run, settings_for
from tests.support.teams import TeamsServer, make_settings, personal

POLICY_MAP = "The Health Inequalities Policy Map"


def sources_json(index_dir: Path) -> dict:
    result = CliRunner().invoke(app, ["sources", "--index", str(index_dir), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def manifest_of(index_dir: Path) -> dict:
    build = (index_dir / "CURRENT").read_text().strip()
    return json.loads((index_dir / "builds" / build / "manifest.json").read_text())


def test_sources_json_lists_every_document_of_the_live_build_with_its_passages(index_dir):
    listed = sources_json(index_dir)
    manifest = manifest_of(index_dir)
    assert listed["build_id"] == manifest["build_id"]
    docs = {d["doc_id"]: d for d in listed["documents"]}
    assert set(docs) == set(manifest["documents"])
    assert sum(d["passages"] for d in docs.values()) == manifest["counts"]["chunks"]
    assert all(d["passages"] > 0 for d in docs.values())
    for doc_id, d in docs.items():
        meta = manifest["documents"][doc_id]
        assert (d["title"], d["review_after"], d["superseded_by"]) == (
            meta["title"],
            str(meta["review_after"]),
            meta["superseded_by"],
        )
        assert d["past_review"] == (date.fromisoformat(d["review_after"]) < date.today())


def test_a_document_without_a_stated_publisher_says_so_plainly(index_dir):
    [policy_map] = [d for d in sources_json(index_dir)["documents"] if d["title"] == POLICY_MAP]
    assert policy_map["publisher"] is None and policy_map["past_review"] is True  # reviewable from 2025
    text = CliRunner().invoke(app, ["sources", "--index", str(index_dir)]).stdout
    entry = text.split(POLICY_MAP, 1)[1].split("\n3.", 1)[0]
    assert NO_PUBLISHER in entry and "past its review date" in entry
    assert "Unknown (not stated" not in text


def test_sources_without_an_index_is_one_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["sources", "--index", str(tmp_path / "empty")])
    output = " ".join(result.output.split())  # the console wraps long lines
    assert result.exit_code == 2 and "run `hibot ingest`" in output and "Traceback" not in output


@pytest.fixture
def slack():
    with FakeSlackAPI() as fake:
        yield fake


def test_slash_sources_lists_the_documents_without_asking_the_engine(
    slack, store, recording_engine, index_dir, tmp_path
):
    settings = settings_for(slack, tmp_path, HIBOT_INDEX_DIR=str(index_dir))

    async def scenario():
        async with SlackServer(settings, recording_engine, store) as srv:
            status, _ = await srv.command("sources", slack)
            assert status == 200
            eph = (await slack.until("chat.postEphemeral"))[0].body
            assert eph["channel"] == CHANNEL and eph["user"] == USER
            assert f"index build {recording_engine.build_id}" in eph["text"]
            assert POLICY_MAP in eph["text"] and NO_PUBLISHER in eph["text"]
            assert recording_engine.calls == []

    run(scenario())


def test_teams_sources_in_a_personal_chat_lists_the_documents(store, recording_engine, index_dir, tmp_path):
    settings = make_settings(tmp_path, HIBOT_INDEX_DIR=str(index_dir))
    with FakeBotConnector() as connector:
        server = TeamsServer(settings, recording_engine, store).start()
        try:
            assert server.post(personal(connector, "Sources")) in (200, 201)
            [reply] = connector.wait_for_activities(1)
        finally:
            server.stop()
    text = reply.body["text"]
    assert f"index build {recording_engine.build_id}" in text and POLICY_MAP in text
    assert "Royal College of Physicians" in text and recording_engine.calls == []
