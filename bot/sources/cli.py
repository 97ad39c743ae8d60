"""`hibot sources [--json]`: the documents of the live index build; and, for an operator,
`hibot sources add FILE --title …`, `hibot sources replace ID FILE --title …` and
`hibot sources retire ID [--reason …]`: the same changes leads make in chat (bot/sources/intake.py
checks the file, the Store keeps it with an audit row, and a build is requested, after which every
replica serves it). The actor recorded is `cli:<operating-system user>`, hashed like any other.
`hibot sources changes [--json]` is that audit trail."""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_common import JsonOpt, fail, out
from bot.config import get_settings
from bot.engine.index import IndexMissing
from bot.sources.builds import request_build
from bot.sources.library import library_of_index
from bot.sources.text import library_text

sources_app = typer.Typer(invoke_without_command=True)

TitleOpt = Annotated[str, typer.Option("--title", help="The document's title, as people will see it.")]
PublisherOpt = Annotated[str | None, typer.Option("--publisher", help="Who published it.")]
PublishedOpt = Annotated[str | None, typer.Option("--published", help="Publication date, YYYY-MM-DD.")]
UrlOpt = Annotated[str | None, typer.Option("--url", help="Where to read it (http:// or https://).")]
ReviewOpt = Annotated[
    str | None, typer.Option("--review-after", help="Date after which to check for newer guidance.")
]
FileArg = Annotated[Path, typer.Argument(help="PDF, Word (.docx), web page (.html), Markdown or text.")]


@sources_app.callback()
def sources(
    ctx: typer.Context,
    index: Annotated[
        Path | None, typer.Option("--index", help="Index directory (default HIBOT_INDEX_DIR).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The documents hibot answers from: title, publisher, dates, passages, and review status."""
    if ctx.invoked_subcommand:
        return
    try:
        library = library_of_index(index or get_settings().index_dir)
    except IndexMissing as e:
        fail(str(e), 2)
    if as_json:
        print(json.dumps(library.as_json(), indent=2))
    else:
        typer.echo(library_text(library))  # plain: long titles and links must not be hard-wrapped


@sources_app.command("add")
def add(
    file: FileArg,
    title: TitleOpt,
    publisher: PublisherOpt = None,
    published: PublishedOpt = None,
    url: UrlOpt = None,
    review_after: ReviewOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a document to the library; it is answerable once the next build is live."""
    meta = _meta(title, publisher, published, url, review_after)
    _change("add", None, file, meta, None, as_json)


@sources_app.command("replace")
def replace(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="The document to replace (hibot sources).")],
    file: FileArg,
    title: TitleOpt,
    publisher: PublisherOpt = None,
    published: PublishedOpt = None,
    url: UrlOpt = None,
    review_after: ReviewOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a new version of a document; the old one stays citable, marked as superseded by it."""
    meta = _meta(title, publisher, published, url, review_after)
    _change("replace", doc_id, file, meta, None, as_json)


@sources_app.command("retire")
def retire(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="The document to retire (hibot sources).")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why, for the audit trail.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Stop answering from a document (curated or added) from the next build on."""
    _change("retire", doc_id, None, {}, reason, as_json)


@sources_app.command("changes")
def changes(as_json: JsonOpt = False) -> None:
    """The library's audit trail: every add, replace and retire, who (hashed) and when, oldest first."""
    from bot.storage import open_store

    store = open_store(get_settings())
    try:
        rows = store.library_changes()
    finally:
        store.close()
    if as_json:
        print(json.dumps([{**asdict(c), "created": c.created.isoformat()} for c in rows], indent=2))
        return
    if not rows:
        typer.echo("No documents have been added, replaced or retired.")
    for c in rows:
        what = {"add": "added", "replace": "replaced", "retire": "retired"}.get(c.action, c.action)
        line = f"{c.created:%Y-%m-%d %H:%M} {c.doc_id} {what}"
        if c.new_doc_id:
            line += f" by {c.new_doc_id}"
        if c.title:
            line += f" ({c.title})"
        if c.reason:
            line += f": {c.reason}"
        typer.echo(line + f" [by {c.actor[:12] if c.actor else 'someone forgotten'}]")


def _meta(title, publisher, published, url, review_after) -> dict:
    return {
        "title": title,
        "publisher": publisher,
        "published": published,
        "url": url,
        "review_after": review_after,
    }


def _change(
    action: str, doc_id: str | None, file: Path | None, meta: dict, reason: str | None, as_json: bool
) -> None:
    from bot.sources.intake import UploadLimits
    from bot.sources.store import corpus_ids
    from bot.storage import open_store
    from bot.storage.library_docs import LibraryError

    settings = get_settings()
    upload = _checked(file, UploadLimits.from_env()) if file is not None else None
    actor = f"cli:{_os_user()}"
    store = open_store(settings)
    try:
        known = corpus_ids(settings.corpus_dir)
        if upload is None:
            store.retire_document(str(doc_id), actor, reason, corpus_ids=known)
        elif action == "add":
            doc_id = store.add_document(upload, meta, actor, corpus_ids=known)
        else:
            doc_id = store.replace_document(str(doc_id), upload, meta, actor, corpus_ids=known)
        request = request_build(store, reason=f"{action} {doc_id}", requested_by="operator")
    except LibraryError as e:
        fail(str(e))
    finally:
        store.close()
    _report(action, str(doc_id), meta.get("title"), upload, request, as_json)


def _checked(file: Path, limits):
    from bot.sources.intake import UploadRefused, check_size, check_upload

    try:
        check_size(file.stat().st_size, file.name, limits)  # before reading it into memory
        return check_upload(file.read_bytes(), file.name, limits)
    except UploadRefused as e:
        fail(e.message)
    except OSError as e:
        fail(f"cannot read {file}: {e.strerror or e}")


def _report(action: str, doc_id: str, title: str | None, upload, request: int, as_json: bool) -> None:
    if as_json:
        body = {"action": action, "doc_id": doc_id, "title": title, "build_request": request}
        if upload is not None:
            body |= {
                "kind": upload.kind,
                "filename": upload.filename,
                "sha256": upload.sha256,
                "size": upload.size,
            }
        print(json.dumps(body, indent=2))
        return
    done = {"add": "Added", "replace": "Added the new version as", "retire": "Retired"}[action]
    out.print(f"{done} {doc_id}" + (f" ({title})" if title else "") + ".")
    out.print(
        f"The change will be live after the next index build (request {request}), which a running "
        "hibot serve makes within about a minute."
    )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
