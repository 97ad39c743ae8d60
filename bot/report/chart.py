"""The digest's chart: questions per week (bars) and the answer rate (line), as a PNG, with alt text
that says the same in words. matplotlib is imported here, when a chart is drawn (~1.4 s to import on
this machine), never by `hibot --help` or the server's start."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Chart:
    png: bytes  # 640 × 320 px, for Slack and files
    alt_text: str
    compact_png: bytes = b""  # 384 × 192 px (~12 KB), small enough to travel inside a Teams card


def alt_text(weekly: list[dict[str, Any]]) -> str:
    if not weekly:
        return "Chart: no questions in this period."
    parts = [
        f"{w['week']}: {w['questions']} questions, "
        + ("no answer rate" if w["answer_rate"] is None else f"{w['answer_rate']:.0%} answered")
        for w in weekly
    ]
    return "Chart of questions per week and the share answered. " + "; ".join(parts) + "."


def weekly_chart(weekly: list[dict[str, Any]]) -> Chart:
    return Chart(_draw(weekly, 100), alt_text(weekly), _draw(weekly, 60))


def _draw(weekly: list[dict[str, Any]], dpi: int) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory
    from matplotlib.figure import Figure

    weeks = [w["week"] for w in weekly] or ["–"]
    questions = [w["questions"] for w in weekly] or [0]
    rates = [100 * (w["answer_rate"] or 0) for w in weekly] or [0]
    fig = Figure(figsize=(6.4, 3.2), dpi=dpi)
    ax = fig.add_subplot()
    ax.bar(weeks, questions, color="#005eb8", label="questions")  # NHS blue
    ax.set_ylabel("questions")
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    rate_ax = ax.twinx()
    rate_ax.plot(weeks, rates, color="#da291c", marker="o", label="answered (%)")
    rate_ax.set_ylim(0, 100)
    rate_ax.set_ylabel("answered (%)")
    ax.set_title("hibot: questions per week and answer rate")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
