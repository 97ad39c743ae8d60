#!/usr/bin/env python3
"""Regenerate the evidence in the clinical safety documents — never edit those parts by hand.

    .venv/bin/python docs/clinical-safety/update.py

1. Renders hazard-log.md from hazard-log.yaml.
2. Runs `hibot eval` on the project's own eval set (and the shared dev set when it sits beside the
   repo) and pastes the numbers into safety-case.md between the results markers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
START, END = "<!-- results:start -->", "<!-- results:end -->"
LEVEL = {1: "very low", 2: "low", 3: "medium", 4: "high", 5: "very high"}


def render_hazard_log() -> str:
    data = yaml.safe_load((HERE / "hazard-log.yaml").read_text())
    lines = [
        "# Hazard log (DCB0129)",
        "",
        "Generated from `hazard-log.yaml` by `update.py`; edit the YAML, not this page.",
        "",
        data.get("risk_matrix_note", ""),
        "",
        "| id | hazard | initial risk (S×L) | residual risk (S×L) |",
        "|---|---|---|---|",
    ]
    for h in data["hazards"]:
        lines.append(
            f"| {h['id']} | {h['title']} | {h['risk']} ({h['severity']}×{h['likelihood']}) | "
            f"{h['residual_risk']} ({h['residual_severity']}×{h['residual_likelihood']}) |"
        )
    for h in data["hazards"]:
        lines += [
            "",
            f"## {h['id']}: {h['title']}",
            "",
            f"**Cause.** {h['cause']}",
            "",
            f"**Effect.** {h['effect']}",
            "",
            f"**Initial risk.** severity {h['severity']}, likelihood {h['likelihood']} → {h['risk']}",
            "",
            "**Controls.**",
            "",
        ]
        lines += [f"- {c}" for c in h["controls"]]
        lines += [
            "",
            "**Evidence (tests run by CI; `tests/test_hazard_log.py` fails if any is missing or skipped).**",
            "",
        ]
        lines += [f"- `{e}`" for e in h["evidence"]]
        lines += [
            "",
            f"**Residual risk.** severity {h['residual_severity']}, likelihood {h['residual_likelihood']} → "
            f"{h['residual_risk']}",
        ]
    return "\n".join(lines) + "\n"


def run_eval(questions: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "eval", "--questions", str(questions), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def results_block() -> str:
    sets = [
        ("project eval set (`tests/eval/questions.jsonl`)", ROOT / "tests" / "eval" / "questions.jsonl"),
        ("shared dev set (`../shared/eval/dev.jsonl`)", ROOT.parent / "shared" / "eval" / "dev.jsonl"),
    ]
    rows = [
        "| question set | in-scope | R@1 | R@5 | R@10 | MRR@10 | out-of-scope | abstained "
        "| false abstention |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, path in sets:
        if not path.exists():
            continue
        m = run_eval(path)
        rows.append(
            f"| {name} | {m['n_in_scope']} | {m['recall_at_1']:.3f} | {m['recall_at_5']:.3f} | "
            f"{m['recall_at_10']:.3f} | {m['mrr_at_10']:.3f} | {m['n_out_scope']} | "
            f"{m['abstention_rate'] if m['abstention_rate'] is not None else '–'} "
            f"| {m['false_abstention_rate']} |"
        )
    return "\n".join(
        [
            START,
            f"_Produced by `docs/clinical-safety/update.py` on {date.today()} with `hibot eval`._",
            "",
            *rows,
            END,
        ]
    )


def main() -> None:
    (HERE / "hazard-log.md").write_text(render_hazard_log())
    case = HERE / "safety-case.md"
    text = case.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    case.write_text(head + results_block() + tail)
    print("updated hazard-log.md and safety-case.md")


if __name__ == "__main__":
    main()
