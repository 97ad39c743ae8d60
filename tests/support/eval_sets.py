"""The question sets the engine is checked against: the project's own (tests/eval/questions.jsonl) and,
in a checkout that has it beside the repo, the shared development set (../shared/eval/dev.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_EVAL = ROOT.parent / "shared" / "eval"
OWN_EVAL = ROOT / "tests" / "eval" / "questions.jsonl"


def question_sets() -> list[Path]:
    return [p for p in (SHARED_EVAL / "dev.jsonl", OWN_EVAL) if p.exists()]


def load(path: Path) -> list[dict]:
    """One question per JSONL line: `{"id", "question", "history"?, ...}`."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
