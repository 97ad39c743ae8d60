"""The engine through the CLI's JSON contracts: `hibot ask`, `hibot search` and `hibot eval`."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from typer.testing import CliRunner

from bot.cli import app
from tests.support.eval_sets import OWN_EVAL, SHARED_EVAL


def test_answer_json_follows_the_contract(index_dir):
    result = CliRunner().invoke(app, ["ask", "What is Core20PLUS5?", "--json", "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {
        "question",
        "abstained",
        "reason",
        "answer",
        "more",
        "suggestions",
        "citations",
        "actions",
        "warnings",
        "timing_ms",
    }
    assert data["abstained"] is False and "Core20PLUS5" in data["answer"]
    c = data["citations"][0]
    assert set(c) >= {
        "n",
        "doc_id",
        "title",
        "publisher",
        "year",
        "section",
        "page",
        "url",
        "quote",
        "chunk_id",
        "score",
    }
    assert c["title"] and c["publisher"] and c["year"] and c["url"].startswith("http")
    assert 20 <= len(re.sub(r"\[\d+\]", "", data["answer"]).split()) <= 150
    assert all(a["type"] in {"ask", "advocate", "analyse"} for a in data["actions"])


def test_full_answer_adds_what_is_behind_more(index_dir):
    short = CliRunner().invoke(
        app, ["ask", "What should trust boards do about health inequalities?", "--index", str(index_dir)]
    )
    full = CliRunner().invoke(
        app,
        [
            "ask",
            "What should trust boards do about health inequalities?",
            "--full",
            "--index",
            str(index_dir),
        ],
    )
    assert short.exit_code == full.exit_code == 0
    assert "--full" in short.stdout
    assert len(full.stdout) > len(short.stdout) and "--full" not in full.stdout


def test_search_batch_honours_history_and_is_scored_by_the_shared_scorer(index_dir, tmp_path):
    questions = tmp_path / "q.jsonl"
    rows = [
        {
            "id": "a",
            "question": "What is Core20PLUS5?",
            "in_scope": True,
            "doc": "x",
            "gold_quotes": ["Core20PLUS5"],
            "kind": "definition",
            "action_type": None,
        },
        {
            "id": "b",
            "question": "and for children and young people?",
            "history": ["What is Core20PLUS5?"],
            "in_scope": True,
            "doc": "x",
            "gold_quotes": ["asthma, diabetes, epilepsy, oral health and mental health"],
            "kind": "followup",
            "action_type": None,
        },
    ]
    questions.write_text("\n".join(json.dumps(q) for q in rows) + "\n")
    result = CliRunner().invoke(
        app, ["search", "--questions", str(questions), "-k", "5", "--json", "--index", str(index_dir)]
    )
    assert result.exit_code == 0, result.output
    out_rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in out_rows] == ["a", "b"]
    assert set(out_rows[0]["results"][0]) == {
        "rank",
        "doc_id",
        "chunk_id",
        "title",
        "section",
        "page",
        "text",
        "score",
    }
    # The follow-up alone says nothing of Core20PLUS5: only its history finds the children's priorities.
    assert any("epilepsy" in r["text"] for r in out_rows[1]["results"])
    out = tmp_path / "results.jsonl"
    out.write_text(result.stdout)
    scored = subprocess.run(
        [sys.executable, str(SHARED_EVAL / "score.py"), str(questions), str(out), "--json"],
        capture_output=True,
        text=True,
    )
    if scored.returncode == 0:  # the shared scorer sits beside the repo in CI
        assert json.loads(scored.stdout)["recall_at_5"] == 1.0


def test_eval_command_reports_metrics_on_our_own_set(index_dir):
    result = CliRunner().invoke(
        app, ["eval", "--questions", str(OWN_EVAL), "--json", "--index", str(index_dir)]
    )
    assert result.exit_code == 0, result.output
    m = json.loads(result.stdout)
    assert m["n_in_scope"] >= 40 and m["n_out_scope"] >= 15
    assert m["recall_at_5"] >= 0.85
    assert m["abstention_rate"] >= 0.85 and m["false_abstention_rate"] <= 0.05
