"""The answer engine: question -> `Answer`. Knows nothing about Slack, Teams or the database.

    guard (patient data, scope) -> retrieve (hybrid) -> decide (answer or abstain) -> compose -> actions
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from bot import actions as action_picker
from bot import compose, lexical, safety
from bot.models import PII_WARNING, SCOPE_TEXT, Answer, Citation
from bot.retrieval import CHAT_SPELLINGS, DOMAIN_SHORTHAND, Hit, Retriever


@dataclass
class AbstainPolicy:
    """When the retrieved evidence is too weak to answer. Calibrated on our own eval set
    (tests/eval/questions.jsonl) and checked against the shared dev set."""

    min_dense: float = 0.30  # below this best-passage cosine, nothing in the corpus is close
    weak_dense: float = 0.40  # below this, also require the passage to cover the question's terms ...
    min_coverage_when_weak: float = 0.5  # ... (IDF-weighted share of its terms)
    max_unknown_share: float = 0.25  # ... and not too many words the corpus has never used
    max_dense_with_unknown_names: float = 0.65  # a name the corpus never mentions needs a very close passage


QUOTE_GAP = " … "
NO_EVIDENCE_TEXT = (
    "I can't answer that from the guidance I cover. " + SCOPE_TEXT +
    " For other topics, check NHS England's website or ask your trust's health inequalities lead."
)
EMPTY_TEXT = "Ask me a question about reducing health inequalities, for example: What is Core20PLUS5?"
PII_ONLY_TEXT = (
    "Your message seems to contain only patient details, which I removed. I can't help with an "
    "individual patient. " + SCOPE_TEXT
)


class Engine:
    def __init__(self, build_dir: Path, policy: AbstainPolicy | None = None, today: date | None = None):
        self.retriever = Retriever(build_dir)
        self.policy = policy or AbstainPolicy()
        self.today = today
        self.build_id: str = self.retriever.manifest["build_id"]
        self._lock = threading.Lock()
        self._unit_cache: dict[str, list[tuple[str, bool, frozenset, int | None]]] = {}
        self._chunk_index = {c["chunk_id"]: i for i, c in enumerate(self.retriever.chunks)}

    @classmethod
    def from_index(cls, index_dir: Path, **kw) -> Engine:
        from ingest.index_store import current_build_dir

        return cls(current_build_dir(index_dir), **kw)

    @property
    def idf(self) -> dict[str, float]:
        return self.retriever.idf

    @cached_property
    def library(self) -> list[dict]:
        return action_picker.load_library(self.retriever.build_dir)

    def warm(self) -> None:
        self.retriever.warm()
        self.library  # noqa: B018
        self.answer("What is Core20PLUS5?")

    # -----------------------------------------------------------------------------------------
    def answer(self, question: str, history: list[str] | None = None) -> Answer:
        t0 = time.perf_counter()
        guarded = safety.guard(question or "")
        warnings = [PII_WARNING] if guarded.had_pii else []
        clean_history = [safety.guard(h).policy_text for h in history or [] if h and h.strip()]

        def abstain(reason: str, text: str) -> Answer:
            return Answer(question=guarded.redacted, abstained=True, reason=reason, answer=text,
                          warnings=warnings, timing_ms={"total": _ms(t0)}, index_build_id=self.build_id)

        if not guarded.redacted.strip():
            return abstain("empty", EMPTY_TEXT)
        if guarded.pii_only:
            return abstain("pii_only", PII_ONLY_TEXT)
        if guarded.scope is not None:
            return abstain("out_of_scope", guarded.scope.message)

        query = guarded.policy_text
        with self._lock:  # the ONNX session and caches are shared across adapter threads
            hits = self.retriever.search(query, k=8, history=clean_history or None)
            plan_tokens = self.retriever.last_plan.bm25_tokens
            timing = dict(self.retriever.timing)
            if not hits or not self._enough_evidence(query, hits, plan_tokens, guarded.had_pii):
                return abstain("no_evidence", NO_EVIDENCE_TEXT)
            units: list[compose.Unit] = []
            top_hits = [h for h in hits if not compose.REFERENCE_SECTION.search(h.chunk.get("section") or "")][:5]
            rows: list[int | None] = []
            for ci, hit in enumerate(top_hits):
                for pos, (text, is_item, toks, row) in enumerate(self._units(hit.chunk_id, hit.chunk["text"])):
                    units.append(compose.Unit(text=text, chunk_index=ci, position=pos, is_list_item=is_item,
                                              tokens=toks))
                    rows.append(row)
            unit_sims = self.retriever.last_unit_similarities
            if unit_sims is not None and units and None not in rows:
                for u, sim in zip(units, unit_sims[rows], strict=True):
                    u.similarity = float(sim)
        compose.score_units(units, plan_tokens, self.idf, query)
        chosen = compose.select(units, query)
        if not chosen:
            return abstain("no_evidence", NO_EVIDENCE_TEXT)

        citations: list[Citation] = []
        number_of: dict[int, int] = {}
        quotes: dict[int, list[str]] = {}
        lines: list[str] = []
        for u in chosen:
            if u.chunk_index not in number_of:
                number_of[u.chunk_index] = len(number_of) + 1
            n = number_of[u.chunk_index]
            quotes.setdefault(n, []).append(u.text)
            lines.append((f"- {u.text} [{n}]") if u.is_list_item else f"{u.text} [{n}]")
        for ci, n in sorted(number_of.items(), key=lambda kv: kv[1]):
            # Quoted spans of one passage, in order; " … " marks where the source text was skipped.
            citations.append(self._citation(n, top_hits[ci], QUOTE_GAP.join(quotes[n])))

        picked = action_picker.pick(self.library, query, hits, plan_tokens, self.idf)
        actions = []
        for item in picked:
            n = next((c.n for c in citations if c.chunk_id == item["chunk_id"]), None)
            if n is None:
                hit = next((h for h in hits if h.chunk_id == item["chunk_id"]), None)
                chunk = hit.chunk if hit else self._chunk(item["chunk_id"])
                if chunk is None:
                    continue  # never an action without its source
                n = len(citations) + 1
                fake_hit = hit or Hit(rank=0, chunk=chunk, score=0.0, dense=0.0, bm25=0.0, dense_rank=0, bm25_rank=0)
                citations.append(self._citation(n, fake_hit, item["text"]))
            actions.append({"type": item["type"], "text": item["text"], "citation": n})

        text = _join(lines)
        from bot.models import Action

        timing["total"] = _ms(t0)
        return Answer(question=guarded.redacted, abstained=False, reason=None, answer=text, citations=citations,
                      actions=[Action(**a) for a in actions], warnings=warnings,
                      timing_ms={k: round(v, 2) for k, v in timing.items()}, index_build_id=self.build_id)

    # -----------------------------------------------------------------------------------------
    def _units(self, chunk_id: str, text: str) -> list[tuple[str, bool, frozenset, int | None]]:
        """A chunk's sentences/list items with their tokens and unit-vector row, computed once per chunk."""
        cached = self._unit_cache.get(chunk_id)
        if cached is None:
            stored = self.retriever.units[0].get(chunk_id)
            units = stored if stored is not None else [(u, item, None) for u, item in compose.split_units(text)]
            cached = self._unit_cache[chunk_id] = [
                (u, item, frozenset(lexical.tokenize(u)), row) for u, item, row in units]
        return cached

    def _enough_evidence(self, query: str, hits: list[Hit], plan_tokens: list[str], had_pii: bool = False) -> bool:
        p = self.policy
        best = max(h.dense for h in hits[:3])
        if best < p.min_dense:
            return False
        unknown, names = self._unknown_terms(query)
        if had_pii:
            names = []  # names next to patient identifiers are the patient's, not the question's topic
        # A named thing the corpus never mentions (Medicaid, Texas, a politician) means the question is
        # about something else, however close its other words are to the guidance.
        if names and best < p.max_dense_with_unknown_names:
            return False
        content = [w for w in lexical.words(query) if w not in lexical.STOPWORDS and len(w) >= 3]
        if best < p.weak_dense and content and len(unknown) / len(content) >= p.max_unknown_share:
            return False
        if best < p.weak_dense:
            qs = set(plan_tokens)
            mass = sum(self.retriever.idf.get(t, 1.0) for t in qs) or 1.0
            cover = max(sum(self.retriever.idf.get(t, 1.0) for t in qs & self._chunk_tokens(h)) for h in hits[:3]) / mass
            return cover >= p.min_coverage_when_weak
        return True

    def _chunk_tokens(self, hit: Hit) -> set[str]:
        return self.retriever.chunk_tokens[self._chunk_index[hit.chunk_id]]

    def _unknown_terms(self, query: str) -> tuple[list[str], list[str]]:
        """Content words the corpus has never seen (no close spelling either), and which look like names."""
        vocab = self.retriever.vocabulary
        unknown, names = [], []
        for m in re.finditer(r"[A-Za-z][A-Za-z'’]+", query):
            word = m.group(0)
            if word in DOMAIN_SHORTHAND:
                continue
            w = word.lower().strip("'’")
            if w in vocab or w in lexical.STOPWORDS or len(w) < 3 or w in CHAT_SPELLINGS:
                continue
            if w.endswith("s") and w[:-1] in vocab:
                continue  # a plural of a corpus word ("GPs", "ICBs")
            if len(w) >= 5 and self.retriever._correct(w, cutoff=88):
                continue  # a typo of a corpus word
            unknown.append(w)
            sentence_start = m.start() == 0 or query[: m.start()].rstrip()[-1:] in {".", "?", "!", ":"}
            if word[0].isupper() and not sentence_start:
                names.append(w)
        return unknown, names

    def _chunk(self, chunk_id: str) -> dict | None:
        return next((c for c in self.retriever.chunks if c["chunk_id"] == chunk_id), None)

    def _citation(self, n: int, hit: Hit, quote: str) -> Citation:
        c = hit.chunk
        doc = self.retriever.documents.get(c["doc_id"], {})
        return Citation(
            n=n, doc_id=c["doc_id"], title=doc.get("title") or c["doc_id"], publisher=doc.get("publisher"),
            year=doc.get("year"), section=c.get("section"), page=c.get("page"), url=doc.get("url"),
            quote=quote, chunk_id=c["chunk_id"], score=round(float(hit.dense), 4),
            currency_note=currency_note(doc, self.today or date.today()),
        )


def currency_note(doc: dict, today: date) -> str | None:
    """A visible caution when guidance is superseded or past its review date (hazard H2)."""
    year = doc.get("year")
    if doc.get("superseded_by"):
        return f"This guidance is from {year or 'an earlier year'} and has been superseded by {doc['superseded_by']}; check for newer guidance."
    review = doc.get("review_after")
    if review:
        try:
            due = date.fromisoformat(str(review)[:10])
        except ValueError:
            return None
        if today > due:
            return f"This guidance is from {year or due.year}; check for newer guidance."
    return None


def _join(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if out and (line.startswith("- ") or out[-1].startswith("- ")):
            out.append("\n" + line)
        elif out:
            out.append(" " + line)
        else:
            out.append(line)
    return "".join(out)


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)


_ENGINES: dict[Path, Engine] = {}
_ENGINE_LOCK = threading.Lock()


def get_engine(settings=None, index_dir: Path | None = None, build_if_missing: bool = True,
               progress=None) -> Engine:
    """The process-wide engine for an index; builds the index on first use when it is missing."""
    from bot.config import get_settings
    from ingest.index_store import IndexMissing, current_build_dir

    s = settings or get_settings()
    index_dir = Path(index_dir or s.index_dir).resolve()
    with _ENGINE_LOCK:
        try:
            build = current_build_dir(index_dir)
        except IndexMissing:
            if not build_if_missing:
                raise
            from ingest.pipeline import run_ingest

            run_ingest(s.corpus_dir, index_dir, s.model, progress=progress)
            build = current_build_dir(index_dir)
        engine = _ENGINES.get(index_dir)
        if engine is None or engine.retriever.build_dir != build:
            engine = _ENGINES[index_dir] = Engine(build)
        return engine


async def answer_off_loop(engine, question: str, history: list[str] | None = None) -> Answer:
    """engine.answer in a thread, off the event loop. The server gives its engine a pool of its own
    (`answer_pool`), so answers never queue behind database calls retrying through an outage."""
    pool = getattr(engine, "answer_pool", None)
    return await asyncio.get_running_loop().run_in_executor(pool, engine.answer, question, history)
