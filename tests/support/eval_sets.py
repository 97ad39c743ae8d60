"""The question sets the engine is checked against: the project's own (tests/eval/*.jsonl) and, in a
checkout that has them beside the repo, the shared sets (../shared/eval/*.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_EVAL = ROOT.parent / "shared" / "eval"
OWN_EVAL = ROOT / "tests" / "eval" / "questions.jsonl"


OWN_SETS = [
    ROOT / "tests" / "eval" / f
    for f in (
        "questions.jsonl",
        "hard.jsonl",
        "conversation.jsonl",
        "conversation-2.jsonl",
        "conversation-3.jsonl",
        "conversation-4.jsonl",
        "conversation-5.jsonl",
        "conversation-6.jsonl",
        "conversation-7.jsonl",
        "conversation-8.jsonl",
        "conversation-9.jsonl",
        "conversation-10.jsonl",
        "conversation-11.jsonl",
        "conversation-12.jsonl",
        "conversation-13.jsonl",
        "conversation-14.jsonl",
        "conversation-15.jsonl",
        "conversation-16.jsonl",
        "conversation-17.jsonl",
        "conversation-18.jsonl",
    )
]
SHARED_SETS = [SHARED_EVAL / f for f in ("dev.jsonl", "independent-a.jsonl", "independent-b.jsonl")]


def question_sets() -> list[Path]:
    return [p for p in (SHARED_EVAL / "dev.jsonl", OWN_EVAL) if p.exists()]


def all_sets() -> list[Path]:
    """Every question set there is: the shared ones (when beside the repo) and the project's own."""
    return [p for p in SHARED_SETS + OWN_SETS if p.exists()]


def load(path: Path) -> list[dict]:
    """One question per JSONL line: `{"id", "question", "history"?, ...}`."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
