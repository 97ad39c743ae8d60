"""The source library as plain text: the CLI prints it, and each chat surface escapes it for its own
markup (Slack mrkdwn, Teams text), as with the `prompts …` command."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.engine.index import IndexMissing
from bot.sources.library import NO_PUBLISHER, Source, SourceLibrary, library_of_build

UNAVAILABLE = (
    "The list of documents is not available right now. "
    "Please try again, or ask a lead to check the server log."
)


def library_text(library: SourceLibrary) -> str:
    n = len(library.sources)
    head = f"hibot answers from {n} document{'s' if n != 1 else ''} (index build {library.build_id}):"
    return "\n".join([head, *(_entry(i, s) for i, s in enumerate(library.sources, 1))])


def _entry(i: int, s: Source) -> str:
    published = s.published or (str(s.year) if s.year else "date not stated")
    lines = [f"{i}. {s.title}", f"   {s.publisher or NO_PUBLISHER}; published {published}"]
    review = f"review after {s.review_after}" if s.review_after else "no review date recorded"
    passages = f"{s.passages} passage{'s' if s.passages != 1 else ''}"
    lines.append(
        f"   {passages}; {review}"
        + (" (past its review date: check for newer guidance)" if s.past_review else "")
    )
    if s.superseded_by:
        lines.append(f"   Superseded by {s.superseded_by}")
    if s.url:
        lines.append(f"   {s.url}")
    return "\n".join(lines)


def handle_sources_command(settings: Settings, build_id: str) -> str:
    """`sources` in chat: the documents of the build this server is answering from."""
    try:
        return library_text(library_of_build(Path(settings.index_dir) / "builds" / build_id))
    except IndexMissing:
        return UNAVAILABLE
