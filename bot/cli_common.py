"""What every `hibot` command shares: the consoles, the error exit and the --json option."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer
from rich.console import Console

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def fail(message: str, code: int = 1) -> NoReturn:
    """One clear line on stderr and a non-zero exit: never a traceback for a person's mistake."""
    err.print(f"[red]Error:[/red] {message}")
    raise typer.Exit(code)
