"""The report as text (for a person at a terminal and for chat) and as CSV (one row per item, for a
spreadsheet). JSON is `Report.to_dict()`."""

from __future__ import annotations

import csv
import io

from bot.report.build import Report


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def summary_lines(r: Report) -> list[str]:
    """The headline: what the digest leads with."""
    lines = [
        f"{r.questions} questions: {r.answered} answered, {r.declined} declined "
        f"(answer rate {_pct(r.answer_rate)})",
        f"👍 {r.feedback['up']}  👎 {r.feedback['down']}  ·  Still need help: {r.help_requests['opened']} "
        f"({r.help_requests['resolved']} resolved)",
    ]
    if r.declines_by_reason:
        lines.append("Declines: " + ", ".join(f"{k} {v}" for k, v in r.declines_by_reason.items()))
    return lines


def render_text(r: Report) -> str:
    out = [f"hibot report  {r.since[:10]} → {r.until[:10]}", "", *summary_lines(r)]
    if r.by_platform:
        out.append("By platform: " + ", ".join(f"{k} {v}" for k, v in r.by_platform.items()))
    out += ["", "Most-cited documents:"]
    out += [f"  {d['answers']:>5}  {d['title']}" for d in r.top_documents] or ["  (none)"]
    out += ["", "Most-cited sections (the topics):"]
    out += [
        f"  {s['answers']:>5}  {s['title']} — {s['section'] or '(whole document)'}" for s in r.top_sections
    ] or ["  (none)"]
    out += ["", "Not answered: similar questions grouped (the corpus gaps):"]
    if not r.questions_stored:
        out.append("  (question text is not stored: HIBOT_STORE_QUESTIONS=false)")
    for g in r.gaps:
        out.append(f"  {g['count']:>5}  {g['question']}  [{', '.join(g['reasons'])}]")
        out += [f"         also: {e}" for e in g["examples"]]
    if r.questions_stored and not r.gaps:
        out.append("  (none)")
    out += ["", "👎 with comments:"]
    for f in r.feedback["down_with_comments"]:
        out.append(
            f"  {f['created'][:10]}  {f['comment']}  (on: {f['question'] or '?'}; answer {f['answer_id']})"
        )
    if not r.feedback["down_with_comments"]:
        out.append("  (none)")
    out += ["", "Weekly prompts by channel (posts, replies, reactions, 👍, 👎):"]
    for c in r.prompt_engagement:
        name = c["name"] or c["conversation_id"]
        out.append(
            f"  {c['platform']}  {name}: {c['posts']} posts, {c['replies']} replies, "
            f"{c['reactions']} reactions, "
            f"{c['feedback_up']} 👍, {c['feedback_down']} 👎  (last: {c['last_prompt'] or '?'})"
        )
    if not r.prompt_engagement:
        out.append("  (no prompts sent)")
    return "\n".join(out) + "\n"


def render_csv(r: Report) -> str:
    """Columns: section, item, count, detail."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["section", "item", "count", "detail"])
    w.writerows(
        [
            ["summary", "questions", r.questions, ""],
            ["summary", "answered", r.answered, ""],
            ["summary", "declined", r.declined, ""],
            ["summary", "answer_rate", r.answer_rate if r.answer_rate is not None else "", ""],
            ["summary", "feedback_up", r.feedback["up"], ""],
            ["summary", "feedback_down", r.feedback["down"], ""],
            [
                "summary",
                "help_requests",
                r.help_requests["opened"],
                f"resolved {r.help_requests['resolved']}",
            ],
        ]
    )
    w.writerows(["platform", k, v, ""] for k, v in r.by_platform.items())
    w.writerows(["decline_reason", k, v, ""] for k, v in r.declines_by_reason.items())
    w.writerows(["document", d["title"], d["answers"], d["doc_id"]] for d in r.top_documents)
    w.writerows(
        ["section", f"{s['title']} — {s['section']}", s["answers"], s["doc_id"]] for s in r.top_sections
    )
    w.writerows(["gap", g["question"], g["count"], " | ".join(g["examples"])] for g in r.gaps)
    w.writerows(
        ["feedback_comment", f["comment"], 1, f"{f['answer_id']} | {f['question']}"]
        for f in r.feedback["down_with_comments"]
    )
    for c in r.prompt_engagement:
        detail = (
            f"{c['platform']}:{c['conversation_id']} posts={c['posts']} reactions={c['reactions']} "
            f"up={c['feedback_up']} down={c['feedback_down']}"
        )
        w.writerow(["prompt_channel", c["name"] or c["conversation_id"], c["replies"], detail])
    w.writerows(["week", wk["week"], wk["questions"], f"answer_rate={wk['answer_rate']}"] for wk in r.weekly)
    return buf.getvalue()
