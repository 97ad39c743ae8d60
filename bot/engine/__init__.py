"""The answer engine: reads one index build and turns a question into a plain `Answer`.

engine.py       guard -> conversation? -> document request? -> search -> decide -> compose -> cite
tuning.py       every weight and threshold, with its reason
index.py        the build layout and its readers
query.py        query planning (spellings, shorthand, acronyms, typos, follow-up context)
retrieval.py    hybrid search returning a SearchResult
decide.py       answer or decline; declines.py the words of each decline
sentences.py    answer units and how well each answers a question
compose.py      which of them answer, in what order; citations.py their numbered sources
followups.py    follow-ups naming a new subject or an item of the previous answer
actions.py      ask / advocate / analyse suggestions for the reader
conversation.py greeting, help, thanks, non-English
documents.py    whole-document and section requests
text.py         text utilities shared with ingest
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.engine.citations import currency_note
    from bot.engine.engine import Engine
    from bot.engine.retrieval import Hit, Retriever, SearchResult
    from bot.engine.tuning import DEFAULT, Tuning

# Loaded when first used: importing a light module of the package (index.py, text.py, for the
# sources command or ingest) should not pull in the whole engine and numpy with it.
_HOME = {
    "currency_note": "citations",
    "Engine": "engine",
    "Hit": "retrieval",
    "Retriever": "retrieval",
    "SearchResult": "retrieval",
    "DEFAULT": "tuning",
    "Tuning": "tuning",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f"bot.engine.{_HOME[name]}"), name)
    raise AttributeError(name)


__all__ = [
    "DEFAULT",
    "Engine",
    "Hit",
    "Retriever",
    "SearchResult",
    "Tuning",
    "currency_note",
]
