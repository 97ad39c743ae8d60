"""`hibot report`: what clinicians asked, what went unanswered and why, 👎 with comments and
weekly-prompt engagement; never an identifier, whatever the database holds."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from benchmarks.report_data import PLANTED, seed
from bot.cli import app
from bot.config import get_settings
from bot.models import Answer, Citation
from bot.storage import Store
from tests.support.fixtures import USER_HASH_SALT

NOW = datetime.now(UTC)
runner = CliRunner()


@pytest.fixture
def cli(tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("HIBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("HIBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HIBOT_USER_HASH_SALT", USER_HASH_SALT)
    get_settings.cache_clear()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


def leaked(output: str) -> list[str]:
    """Planted identifiers found in `output`, spacing ignored."""
    squashed = re.sub(r"\s+", "", output).lower()
    return [p for p in PLANTED if re.sub(r"\s+", "", p).lower() in squashed]


def answer(
    question: str, reason: str | None = None, doc: str = "core20plus5", section: str = "Overview"
) -> Answer:
    cites = (
        []
        if reason
        else [
            Citation(
                n=1,
                doc_id=doc,
                title=doc.upper(),
                publisher="NHS England",
                year=2023,
                section=section,
                page=None,
                url="https://example.org",
                quote="q",
                chunk_id=f"{doc}#0",
                score=0.7,
                currency_note=None,
            )
        ]
    )
    return Answer(
        question=question,
        abstained=reason is not None,
        reason=reason,
        answer="" if reason else "A [1].",
        citations=cites,
        actions=[],
        warnings=[],
        timing_ms={"total": 1.0},
        index_build_id="b",
    )


def test_report_on_10000_seeded_answers_shows_no_planted_identifier_in_any_output(cli, store, tmp_path):
    info = seed(store, n=10_000, now=NOW)
    outputs = {}
    for fmt in ("text", "--json", "--csv"):
        extra = ["--chart", str(tmp_path / "chart.png")] if fmt == "text" else [fmt]
        r = cli("report", "--since", "30d", *extra)
        assert r.exit_code == 0, r.output
        outputs[fmt] = r.output  # with the text run: the chart's alt text (on stderr)
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads(outputs["--json"])
    assert report["questions"] == info["asked"] and report["declined"] == info["declined"]
    assert report["answered"] + report["declined"] == report["questions"]
    assert report["gaps"] and report["feedback"]["down_with_comments"] and report["prompt_engagement"]
    assert (
        "[NHS number]" in outputs["text"] or "[postcode]" in outputs["text"]
    )  # planted rows were shown, redacted
    assert "Chart of questions per week" in outputs["text"]
    for name, output in outputs.items():
        assert leaked(output) == [], name
    assert list(csv.reader(io.StringIO(outputs["--csv"])))[0] == ["section", "item", "count", "detail"]


@pytest.mark.each_backend
def test_report_counts_reasons_topics_gaps_feedback_and_engagement(cli, store):
    asked = [
        answer("What is Core20PLUS5?"),
        answer("Core20PLUS5 clinical areas?", section="Clinical areas"),
        answer("What does the guidance say about housing for refugees?", "no_evidence"),
        answer("housing for refugees guidance?", "no_evidence"),
        answer("Is there anything on fuel poverty?", "out_of_scope"),
        answer("What dose of ramipril?", "clinical_advice"),
        answer("hello", "greeting"),
    ]
    for i, a in enumerate(asked):
        store.save_answer(a, "slack" if i % 2 else "teams", {"text": "x"}, f"U{i}")
    store.add_feedback("slack", "U9", asked[0].answer_id, -1, "Did not mention the PLUS groups")
    store.add_feedback("slack", "U9", asked[1].answer_id, 1)
    r = json.loads(cli("report", "--since", "7d", "--json").output)
    assert (r["questions"], r["answered"], r["declined"], r["conversation"]) == (6, 2, 4, 1)
    assert r["declines_by_reason"] == {"no_evidence": 2, "out_of_scope": 1, "clinical_advice": 1}
    assert r["top_documents"] == [{"doc_id": "core20plus5", "title": "CORE20PLUS5", "answers": 2}]
    assert {s["section"] for s in r["top_sections"]} == {"Overview", "Clinical areas"}
    assert r["gaps"][0]["count"] == 2 and "housing for refugees" in r["gaps"][0]["question"]
    assert all("ramipril" not in g["question"] for g in r["gaps"])  # declined by design, not a gap
    [comment] = r["feedback"]["down_with_comments"]
    assert (
        comment["comment"] == "Did not mention the PLUS groups"
        and comment["question"] == "What is Core20PLUS5?"
    )
    assert (r["feedback"]["up"], r["feedback"]["down"]) == (1, 1)


def test_questions_are_stored_redacted_and_not_at_all_when_turned_off(db_url):
    on = Store(db_url, USER_HASH_SALT)
    on.migrate()
    on.save_answer(
        answer("Housing for patient 943 476 5919 at LS1 4AP?", "no_evidence"), "slack", {"t": 1}, "U1"
    )
    with on.engine.connect() as conn:
        [stored] = conn.execute(text("SELECT question_redacted FROM answers")).scalars()
    assert stored == "Housing for patient [NHS number] at [postcode]?"
    off = Store(db_url, USER_HASH_SALT, store_questions=False)
    a = answer("Housing for refugees?", "no_evidence")
    off.save_answer(a, "slack", {"t": 1}, "U1")
    with off.engine.connect() as conn:
        row = conn.execute(
            text("SELECT question_redacted, answer_json, question_hash FROM answers WHERE answer_id = :a"),
            {"a": a.answer_id},
        ).one()
    assert row[0] == "" and "Housing for refugees" not in str(row[1]) and len(row[2]) == 64


@pytest.mark.each_backend
def test_forget_erases_help_requests_engagement_and_the_lead_role(store):
    store.add_lead("slack", "ULEAD", added_by="UADMIN")
    store.add_help_request("slack", "a1", "declined", "ULEAD", "C0LEADS")
    hid = store.add_help_request("slack", "a2", "feedback", "UOTHER", "C0LEADS")
    store.resolve_help_request(hid, "slack", "ULEAD")
    assert store.forget_user("slack", "ULEAD") >= 3
    assert not store.is_lead("slack", "ULEAD")
    [left] = store.list_help_requests()
    assert left.answer_id == "a2" and left.resolved_by is None and left.resolved_at is not None


def test_purge_removes_old_help_requests(store):
    store.add_help_request("teams", "a1", "declined", "29:x", None, now=NOW - timedelta(days=400))
    assert store.purge(365)["help_requests"] == 1


def test_report_refuses_a_period_it_cannot_read(cli):
    r = cli("report", "--since", "last tuesday")
    assert r.exit_code == 2 and "7d" in r.output
