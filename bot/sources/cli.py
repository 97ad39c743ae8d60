"""`hibot sources [--json]`: the documents of the live index build."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_common import JsonOpt, fail
from bot.config import get_settings
from bot.engine.index import IndexMissing
from bot.sources.library import library_of_index
from bot.sources.text import library_text

sources_app = typer.Typer(invoke_without_command=True)


@sources_app.callback()
def sources(
    index: Annotated[
        Path | None, typer.Option("--index", help="Index directory (default HIBOT_INDEX_DIR).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The documents hibot answers from: title, publisher, dates, passages, and review status."""
    try:
        library = library_of_index(index or get_settings().index_dir)
    except IndexMissing as e:
        fail(str(e), 2)
    if as_json:
        print(json.dumps(library.as_json(), indent=2))
    else:
        typer.echo(library_text(library))  # plain: long titles and links must not be hard-wrapped
