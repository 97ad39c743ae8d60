"""`hibot report`: what clinicians asked, what went unanswered, 👎 with comments and weekly-prompt
engagement, as text, JSON or CSV (the command itself is declared in bot/cli.py, which loads this
module only when it runs)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.report.build import Report, build_report, parse_since
from bot.report.formats import render_csv, render_text
from bot.storage.store import Store


def prompt_titles(store: Store, settings: Settings) -> dict[str, str]:
    """Titles for prompt ids in the engagement table: the library and the prompts written in chat."""
    from bot.prompts.service import load_prompts  # the YAML library, validated

    titles = {p.id: p.title for p in store.list_local_prompts(include_removed=True)}
    try:
        titles.update({p.id: p.title for p in load_prompts(settings.prompts_dir)})
    except Exception:  # noqa: BLE001 - a broken library only costs the report its titles
        pass
    return titles


def make_report(store: Store, settings: Settings, since_text: str, now: datetime | None = None) -> Report:
    now = now or datetime.now(UTC)
    return build_report(store, parse_since(since_text, now), now, prompt_titles(store, settings))


def print_report(report: Report, fmt: str, chart: Path | None = None) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        sys.stdout.write(render_csv(report))
    else:
        sys.stdout.write(render_text(report))
    if chart is not None:
        from bot.report.chart import weekly_chart  # matplotlib: only when a chart is asked for

        drawn = weekly_chart(report.weekly)
        chart.write_bytes(drawn.png)
        sys.stderr.write(f"Chart written to {chart} ({drawn.alt_text})\n")
