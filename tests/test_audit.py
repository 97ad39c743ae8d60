"""Information governance through the CLI: `hibot audit show` reproduces what a platform received;
`hibot purge` and `hibot forget` apply retention and erasure on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings
from bot.models import Answer, Citation
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.fakes.slack_api import FakeSlackAPI
from tests.support.fixtures import USER_HASH_SALT
from tests.support.slack import SlackServer, mention, run
from tests.support.slack import settings_for as slack_settings
from tests.support.teams import TeamsServer, answer_id_of, ask_personal, make_settings


def canonical(data) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def cli(db: str, monkeypatch, *args: str):
    monkeypatch.setenv("HIBOT_DATABASE_URL", db)
    monkeypatch.setenv("HIBOT_USER_HASH_SALT", USER_HASH_SALT)  # as the `store` fixture hashes user ids
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()


def test_audit_show_reproduces_a_served_slack_answer(engine, store, db_url, tmp_path, monkeypatch):
    with FakeSlackAPI() as slack:

        async def scenario():
            async with SlackServer(slack_settings(slack, tmp_path), engine, store) as srv:
                await srv.event(mention())
                return (await slack.until("chat.postMessage"))[0].body

        posted = run(scenario())
    shown = {k: v for k, v in posted.items() if k != "token"}
    answer_id = next(e["value"] for b in posted["blocks"] if b["type"] == "actions" for e in b["elements"])
    result = cli(db_url, monkeypatch, "audit", "show", answer_id, "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert canonical(record["rendered"]) == canonical(shown)
    assert record["platform"] == "slack" and record["index_build_id"] == engine.build_id
    assert record["answer"]["citations"] and "text" not in record  # provenance, never the raw question


def test_audit_show_reproduces_a_served_teams_answer(engine, store, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    with FakeBotConnector() as connector:
        srv = TeamsServer(make_settings(tmp_path), engine, store).start()
        try:
            reply = ask_personal(srv, connector)
        finally:
            srv.stop()
    result = cli(db_url, monkeypatch, "audit", "show", answer_id_of(reply), "--json")
    assert result.exit_code == 0, result.output
    rendered = json.loads(result.stdout)["rendered"]
    for part in ("text", "attachments", "entities"):  # what the user sees: fallback text, card, citations
        assert canonical(rendered[part]) == canonical(reply.body[part]), part


def test_audit_show_of_an_unknown_or_purged_answer_says_so(tmp_path, monkeypatch):
    result = cli(f"sqlite:///{tmp_path / 'empty.db'}", monkeypatch, "audit", "show", "0" * 32)
    assert result.exit_code == 1 and "no answer with id" in result.output


def _answer(question: str) -> Answer:
    return Answer(
        question=question,
        abstained=False,
        reason=None,
        answer="Quoted text. [1]",
        citations=[
            Citation(
                n=1,
                doc_id="d",
                title="T",
                publisher="P",
                year=2024,
                section=None,
                page=None,
                url=None,
                quote="Quoted text.",
                chunk_id="d:0001",
                score=0.5,
            )
        ],
    )


@pytest.mark.each_backend
def test_purge_applies_retention_by_age(store, db_url, monkeypatch):
    now = datetime.now(UTC)
    old, recent = _answer("old question"), _answer("recent question")
    store.save_answer(old, "slack", {"text": "old"}, "U1", now=now - timedelta(days=400))
    store.save_answer(recent, "slack", {"text": "recent"}, "U1", now=now - timedelta(days=10))
    store.add_feedback("slack", "U1", old.answer_id, 1, now=now - timedelta(days=400))
    store.claim_event("slack", "Ev-old", now=now - timedelta(days=400))
    result = cli(db_url, monkeypatch, "purge", "--older-than", "365", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout).items() >= {"answers": 1, "feedback": 1, "events_seen": 1}.items()
    assert store.get_answer(old.answer_id) is None and store.get_answer(recent.answer_id) is not None


@pytest.mark.each_backend
def test_forget_removes_one_users_data_only(store, db_url, monkeypatch):
    mine, theirs = _answer("mine"), _answer("theirs")
    store.save_answer(mine, "teams", {"text": "m"}, "29:alice")
    store.save_answer(theirs, "teams", {"text": "t"}, "29:bob")
    store.add_feedback("teams", "29:alice", mine.answer_id, -1, "not useful")
    result = cli(db_url, monkeypatch, "forget", "--user", "teams:29:alice")
    assert result.exit_code == 0, result.output
    assert store.get_answer(mine.answer_id) is None and store.get_answer(theirs.answer_id) is not None
    assert store.list_feedback() == []
    assert "29:alice" not in result.output


@pytest.mark.parametrize("bad", ["alice", "fax:123", "slack:"])
def test_forget_rejects_a_malformed_user(bad, tmp_path, monkeypatch):
    result = cli(f"sqlite:///{tmp_path / 'x.db'}", monkeypatch, "forget", "--user", bad)
    assert result.exit_code == 2
