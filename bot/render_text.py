"""Plain-text rendering of an `Answer` for the terminal (hibot ask / chat, prompt previews)."""

from __future__ import annotations

from bot.models import PII_WARNING, PII_WARNING_TEXT, Answer

ACTION_LABEL = {"ask": "Ask", "advocate": "Advocate", "analyse": "Analyse"}


def render_answer(answer: Answer, full: bool = False) -> str:
    """The answer, its sources and actions; the rest of a long answer only with `full` (else a hint)."""
    lines: list[str] = []
    if PII_WARNING in answer.warnings:
        lines += [f"⚠ {PII_WARNING_TEXT}", ""]
    lines.append(answer.answer)
    if answer.more and full:
        lines.append(answer.more)
    elif answer.more:
        lines += ["", "(Shortened: hibot ask --full gives the whole answer.)"]
    if answer.suggestions:
        lines += ["", "You could ask:"] + [f"  • {q}" for q in answer.suggestions]
    if answer.abstained and not answer.citations:
        return "\n".join(lines)
    # The sources of what is on screen: the rest are listed with the rest of the answer (--full).
    shown = answer.answer + (answer.more if full else "")
    in_view = {c.n for c in answer.citations if f"[{c.n}]" in shown} | {a.citation for a in answer.actions}
    lines += ["", "Sources"]
    for c in (c for c in answer.citations if c.n in in_view):
        where = ", ".join(x for x in (c.section and f"section “{c.section}”", c.page and f"p. {c.page}") if x)
        pub = ", ".join(str(x) for x in (c.publisher, c.year) if x)
        lines.append(f"  [{c.n}] {c.title}" + (f" ({pub})" if pub else "") + (f" — {where}" if where else ""))
        if c.url:
            lines.append(f"      {c.url}")
        if c.currency_note:
            lines.append(f"      Note: {c.currency_note}")
    if answer.actions:
        lines += ["", "What you can do"]
        for a in answer.actions:
            lines.append(f"  {ACTION_LABEL.get(a.type, a.type)}: {a.text} [{a.citation}]")
    return "\n".join(lines)
