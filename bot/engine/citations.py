"""Numbered citations for an answer: one per passage quoted (document, section, page, link), the
source's currency, and the attribution frame for text written in the first person."""

from __future__ import annotations

from datetime import date

from bot.engine.retrieval import Hit, Retriever
from bot.models import Citation

QUOTE_GAP = " … "  # marks where the source text between two quoted spans was skipped


class Citer:
    def __init__(self, documents: dict[str, dict], today: date):
        self.documents = documents
        self.today = today
        self.citations: list[Citation] = []

    def cite(self, hit: Hit, quotes: list[str]) -> int:
        """The number of the passage's citation: one per section (per page where a document has no
        headings); quoted spans are kept in order, once each."""
        chunk = hit.chunk
        for c in self.citations:
            if (c.doc_id, c.section, c.section or c.page) == (
                chunk["doc_id"],
                chunk.get("section"),
                chunk.get("section") or chunk.get("page"),
            ):
                new = [q for q in quotes if q not in c.quote.split(QUOTE_GAP)]
                c.quote = QUOTE_GAP.join([*c.quote.split(QUOTE_GAP), *new]) if new else c.quote
                if hit.chunk_id not in c.chunk_ids:
                    c.chunk_ids.append(hit.chunk_id)
                return c.n
        doc = self.documents.get(chunk["doc_id"], {})
        self.citations.append(
            Citation(
                n=len(self.citations) + 1,
                doc_id=chunk["doc_id"],
                title=doc.get("title") or chunk["doc_id"],
                publisher=doc.get("publisher"),
                year=doc.get("year"),
                section=chunk.get("section"),
                page=chunk.get("page"),
                url=doc.get("url"),
                quote=QUOTE_GAP.join(dict.fromkeys(quotes)),
                chunk_id=chunk["chunk_id"],
                score=round(float(hit.dense), 4),
                currency_note=currency_note(doc, self.today),
                chunk_ids=[chunk["chunk_id"]],
            )
        )
        return len(self.citations)

    def cite_action(self, action: dict, passages: list[Hit], retriever: Retriever) -> int:
        hit = next((h for h in passages if h.chunk_id == action["chunk_id"]), None)
        if hit is None:
            pos = retriever.position.get(action["chunk_id"])
            if pos is None:
                return 0  # never an action without its source
            chunk = retriever.chunks[pos]
            hit = Hit.cited(chunk)
        return self.cite(hit, [action["text"]])

    def frame(self, hit: Hit) -> str:
        """ "The Secretary of State for Health wrote in 2014:" — who is speaking in a first-person text."""
        doc = self.documents.get(hit.chunk["doc_id"], {})
        who = doc.get("voice") or doc.get("publisher") or doc.get("title") or "The source"
        return f"{who} wrote in {doc['year']}:" if doc.get("year") else f"{who} wrote:"


def currency_note(doc: dict, today: date) -> str | None:
    """A visible caution when guidance is superseded or past its review date (hazard H2)."""
    year = doc.get("year")
    if doc.get("superseded_by"):
        return (
            f"This guidance is from {year or 'an earlier year'} and has been superseded by "
            f"{doc['superseded_by']}; check for newer guidance."
        )
    review = doc.get("review_after")
    if review:
        try:
            due = date.fromisoformat(str(review)[:10])
        except ValueError:
            return None
        if today > due:
            return f"This guidance is from {year or due.year}; check for newer guidance."
    return None
