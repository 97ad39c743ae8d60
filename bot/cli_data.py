"""`hibot db upgrade`, `hibot audit show`, `hibot purge`, `hibot forget`, `hibot report`: the data hibot
keeps."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_common import JsonOpt, fail, out
from bot.config import get_settings

data_app = typer.Typer()
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
audit_app = typer.Typer(help="The answer audit trail.", no_args_is_help=True)
data_app.add_typer(db_app, name="db")
data_app.add_typer(audit_app, name="audit")


def _store():
    from bot.storage import open_store

    return open_store(get_settings())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema (Alembic, idempotent; also done by `hibot serve`)."""
    _store()
    out.print("Database schema is up to date.")


@audit_app.command("show")
def audit_show(
    answer_id: Annotated[str, typer.Argument(help="The answer id (shown in logs and feedback).")],
    as_json: JsonOpt = False,
) -> None:
    """Reproduce exactly what was shown for an answer: the payload as sent, with its provenance."""
    stored = _store().get_answer(answer_id)
    if stored is None:
        fail(f"no answer with id {answer_id} (it may have been purged by the retention policy)", 1)
    record = {
        "answer_id": answer_id,
        "platform": stored.platform,
        "created": str(stored.created),
        "index_build_id": stored.index_build_id or stored.answer.index_build_id,
        "corpus_hash": stored.corpus_hash,
        "answer": stored.answer.to_dict(),
        "rendered": stored.rendered,
    }
    if as_json:
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        return
    out.print(
        f"answer {answer_id} · {stored.platform} · {stored.created} · index {stored.answer.index_build_id}"
    )
    rendered = stored.rendered
    sys.stdout.write(
        (rendered if isinstance(rendered, str) else json.dumps(rendered, ensure_ascii=False, indent=2)) + "\n"
    )


@data_app.command()
def purge(
    older_than: Annotated[
        int, typer.Option("--older-than", help="Delete answers, feedback and seen events older than DAYS.")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Apply the retention policy now (the scheduler also applies HIBOT_RETENTION_DAYS daily)."""
    if older_than < 0:
        fail("--older-than must be 0 or more days", 2)
    counts = _store().purge(older_than)
    if as_json:
        out.print_json(json.dumps(counts))
    else:
        out.print(
            "Deleted " + ", ".join(f"{v} {k}" for k, v in counts.items()) + f" older than {older_than} days."
        )


@data_app.command()
def forget(
    user: Annotated[
        str, typer.Option("--user", help="PLATFORM:ID, e.g. slack:U012AB3CD or teams:29:1abc...")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Delete one person's data on request (feedback, answers they asked; subscriptions anonymised)."""
    platform, _, user_id = user.partition(":")
    if platform not in {"slack", "teams"} or not user_id:
        fail("--user must look like slack:U012AB3CD or teams:<id>", 2)
    deleted = _store().forget_user(platform, user_id)
    if as_json:
        out.print_json(json.dumps({"user": f"{platform}:…", "deleted": deleted}))
    else:
        out.print(f"Removed {deleted} records for that {platform} user.")


@data_app.command()
def report(
    since: Annotated[
        str, typer.Option("--since", help="How far back: 7d, 4w, 24h or a date (2026-11-01).")
    ] = "7d",
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (section, item, count, detail).")] = False,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Also write the weekly questions / answer-rate chart (PNG)."),
    ] = None,
) -> None:
    """For leads: questions answered and declined (by reason), the most-cited documents and sections,
    declined questions grouped by similarity (the corpus gaps), 👎 with comments, weekly-prompt
    engagement per channel. Question text is redacted; none is kept with HIBOT_STORE_QUESTIONS=false."""
    from bot.report.cli import make_report, print_report  # the store and the report's grouping

    if as_json and as_csv:
        fail("choose one of --json and --csv", 2)
    try:
        built = make_report(_store(), get_settings(), since)
    except ValueError as e:
        fail(str(e), 2)
    print_report(built, "json" if as_json else "csv" if as_csv else "text", chart)
