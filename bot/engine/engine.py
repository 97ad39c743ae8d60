"""The answer engine: question -> `Answer`. Reads one index build; knows nothing about Slack, Teams,
the database or ingest.

    guard (patient data, scope) -> conversation? -> document request? -> search -> decide -> compose -> cite
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np

from bot import safety
from bot.engine import actions as action_picker
from bot.engine import compose, conversation, decide, declines, documents, followups, sentences, suggestions
from bot.engine import text as T
from bot.engine.citations import Citer
from bot.engine.compose import Selection, render_lines, select
from bot.engine.documents import Catalogue, Request
from bot.engine.index import current_build_dir, read_library
from bot.engine.query import reader_role
from bot.engine.retrieval import Hit, Retriever, SearchResult
from bot.engine.sentences import Unit, score_units
from bot.engine.tuning import DEFAULT, Tuning
from bot.models import PII_WARNING, Action, Answer


@dataclass
class _Turn:
    """One question on its way through the engine."""

    question: str  # redacted by the patient-data guard
    query: str  # what is searched: the policy part, greeting stripped
    history: list[str]
    warnings: list[str]
    t0: float = field(default_factory=time.perf_counter)


class Engine:
    def __init__(
        self,
        build_dir: Path,
        tuning: Tuning = DEFAULT,
        today: date | None = None,
        examples: list[str] | None = None,
    ):
        self.retriever = Retriever(build_dir, tuning)
        self.tuning = tuning
        self.today = today
        self.examples = list(examples or [])  # questions hibot answers well (the prompt library)
        self.build_id: str = self.retriever.manifest["build_id"]

    @classmethod
    def from_index(cls, index_dir: Path, **kw) -> Engine:
        return cls(current_build_dir(index_dir), **kw)

    @property
    def documents(self) -> dict[str, dict]:
        return self.retriever.documents

    @property
    def manifest(self) -> dict:
        """The index build's manifest: build id and time, corpus hash, documents, model."""
        return self.retriever.manifest

    @cached_property
    def library(self) -> list[dict]:
        return action_picker.prepare(read_library(self.retriever.build_dir))

    @cached_property
    def sections(self) -> dict[str, list[str]]:
        """Each document's passages' section paths, one per passage (a heading's size is its count)."""
        out: dict[str, list[str]] = {}
        for c in self.retriever.chunks:
            if c.get("section"):
                out.setdefault(c["doc_id"], []).append(c["section"])
        return out

    @cached_property
    def catalogue(self) -> Catalogue:
        return Catalogue(self.documents, self.sections, self.retriever.vocabulary.stems)

    @cached_property
    def corpus_units(self) -> list[decide.CorpusUnit]:
        """Every sentence of the corpus, to check what the guidance gives anywhere, not only in the
        passages one search found."""
        return [
            decide.CorpusUnit.of(chunk_id, pos, text, item)
            for chunk_id, units in self.retriever.units[0].items()
            for pos, (text, item, _) in enumerate(units)
        ]

    @cached_property
    def section_questions(self) -> list[suggestions.SectionQuestion]:
        return suggestions.section_questions(self.retriever.chunks, self.documents)

    @cached_property
    def example_vectors(self) -> np.ndarray | None:
        return self.retriever.encoder.encode(self.examples) if self.examples else None

    def warm(self) -> None:
        self.retriever.warm()
        _ = (self.library, self.catalogue, self.example_vectors, self.corpus_units, self.section_questions)
        self.answer("What is Core20PLUS5?")

    # -----------------------------------------------------------------------------------------
    def answer(self, question: str, history: list[str] | None = None) -> Answer:
        guarded = safety.guard(question or "")
        turn = _Turn(
            question=guarded.redacted,
            query=conversation.strip_greeting(guarded.policy_text),
            history=[safety.guard(h).policy_text for h in history or [] if h and h.strip()],
            warnings=[PII_WARNING] if guarded.had_pii else [],
        )
        if not guarded.redacted.strip():
            return self._decline(turn, "empty")
        if guarded.pii_only:
            return self._decline(turn, "pii_only")
        talk = conversation.classify(guarded.redacted, self.retriever.vocabulary.knows)
        if talk:
            answer = self._decline(turn, talk)
            if talk in ("greeting", "help"):  # starters: the library's first questions cover the basics
                answer.suggestions = self.examples[: self.tuning.max_suggestions]
            return answer
        if guarded.scope is not None:
            if guarded.scope.reason == "individual_patient" and guarded.scope.remainder:
                turn.query = guarded.scope.remainder  # the general question inside it is answered
            else:
                return self._decline(turn, guarded.scope.reason, suggest=True)
        if turn.history and followups.points_into_list(turn.query):
            # "what's the aim of the second one?", "which of those is the inequalities one?": the item of
            # the list the previous answer gave
            previous = self.answer(turn.history[-1], history=turn.history[-2:-1])
            if not previous.abstained:
                turn.query = followups.with_item(turn.query, previous.answer)
        talked_of = self.retriever.conversation_document(turn.history) if turn.history else None
        request = self.catalogue.resolve(turn.query, follow_up=bool(turn.history), talked_of=talked_of)
        if request.summary:
            return self._summary(turn, request)
        if request.asks_again and turn.history:  # the previous question, asked of the named document
            again = self.catalogue.without_names(turn.history[-1])
            own = self.catalogue.without_names(turn.query)
            turn.query = f"{again} {own}" if request.topic else again
            turn.history = turn.history[:-1]
        return self._answer(turn, request)

    def _answer(self, turn: _Turn, request: Request) -> Answer:
        t = self.tuning
        # A question naming a document is answered from it; in a conversation only when it asks the
        # question again of that document ("does the RCP say the same?"): there a name is often a
        # subject ("what did the NHS Providers survey find?", asked of the RCP's text).
        named = request.asks_again or not turn.history or self.catalogue.asked_of(turn.query)
        only = {request.doc_id} if request.doc_id and named else None
        vocab = self.retriever.vocabulary
        # Within the document named, its name says nothing more ("RCP" finds "RCP members report…"), but
        # whether the library answers at all is judged on the whole question, as without a name.
        unnamed = self.catalogue.without_names(turn.query).strip() if only else ""
        for query in dict.fromkeys(q for q in (unnamed, turn.query) if q):
            result = self.retriever.search(
                query, k=t.answer_search_k, history=turn.history or None, doc_filter=only
            )
            hits = _prefer_document(result.hits, request.doc_id)
            ev = decide.evidence(
                hits, result.plan, vocab, turn.query, bool(turn.warnings), t.evidence_passages
            )
            if hits and decide.enough(ev, t):
                break
        else:
            return self._decline(turn, "no_evidence", result, suggest=True)
        role = reader_role(turn.query)
        hits = _for_the_reader(hits, role)
        credits = bool(sentences.ASKS_WHO_MADE.search(turn.query))
        passages = [h for h in hits if not _reference_or_furniture(h.chunk.get("section") or "", credits)][
            : t.answer_passages
        ]
        credited, addressed, contacts = self.credits_addressees_contacts
        for asks, where in (
            (credits, credited),
            (sentences.ASKS_FOR_RECIPIENT.search(turn.query), addressed),
            (sentences.ASKS_FOR_EMAIL.search(turn.query), contacts),
        ):
            if passages and asks:
                passages = _where_it_is_said_first(passages, where)
                break
        if passages and sentences.ASKS_FOR_FIGURE.search(turn.query):
            passages = self._with_the_figure(passages, turn.query)
        if not passages:  # only reference lists were found: they are sources, not answers
            return self._decline(turn, "no_evidence", result, suggest=True)
        passages, continued = self._with_list_continuations(passages)
        units = self._units(passages, result)
        detail = decide.missing_detail(turn.query, self.corpus_units)
        if detail:
            return self._mention(turn, result, detail, passages[0])
        subject = f"{result.plan.context} {result.plan.text}"
        if decide.missing_figure(turn.query, subject, self.corpus_units, self.retriever.vocabulary.idf):
            return self._decline(turn, "statistics_not_in_guidance", result, suggest=True)
        own = set(T.tokenize(result.plan.text)) if turn.history else None
        names = self.catalogue.described.get(request.doc_id or "", frozenset())
        score_units(
            units,
            result.plan.bm25_tokens,
            self.retriever.vocabulary.idf,
            turn.query,
            t,
            own,
            names,
            _topic_headings(passages, turn.query, self.passages_in_section),
        )
        _to_the_reader(units, passages, role, turn.query)
        if turn.history:
            followups.keep_to_new_subject(units, turn.query, self.retriever.vocabulary.acronyms)
            if not followups.ORDINAL_REF.search(turn.question):  # "the last one": its words are the item's
                followups.lead_with_own_words(units, turn.query, self.retriever.vocabulary.idf)
        years = {
            ci: int(self.documents.get(h.chunk["doc_id"], {}).get("year") or 0)
            for ci, h in enumerate(passages)
        }
        sections = {
            ci: (h.chunk["doc_id"], h.chunk.get("section") or h.chunk_id) for ci, h in enumerate(passages)
        }
        chosen = select(
            units, turn.query, t, years, continued, _answered_headings(passages, turn.query), sections
        )
        if not chosen.short:
            return self._decline(turn, "no_evidence", result, suggest=True)
        return self._compose(turn, result, passages, chosen)

    def _with_the_figure(self, passages: list[Hit], question: str) -> list[Hit]:
        """A question asking for a figure, when the passages found hold no line with one on its subject:
        the passage of the corpus's one line that does comes first (see `decide.figure_line`)."""
        line = decide.figure_line(question, self.corpus_units, self.retriever.vocabulary.idf)
        if line is None or any(h.chunk_id == line.chunk_id for h in passages[:FIRST_PASSAGES]):
            return passages
        return _put_first(passages, [self.retriever.chunks[self.retriever.position[line.chunk_id]]])

    @cached_property
    def credits_addressees_contacts(self) -> tuple[list[dict], list[dict], list[dict]]:
        """The passages saying who created something ("…originally created by Christine Camacho…", in
        acknowledgements), those holding a letter's lines of addressees and those giving an email address,
        in corpus order: found once per index, not per question."""
        by_chunk = self.retriever.units[0]
        credited = [
            c
            for c in self.retriever.chunks
            if T.CREDITS_SECTION.search(c.get("section") or "") and sentences.MADE_BY.search(c["text"])
        ]
        addressed = [
            c
            for c in self.retriever.chunks
            if any(sentences.names_only(text) for text, _, _ in by_chunk.get(c["chunk_id"]) or [])
        ]
        contacts = [c for c in self.retriever.chunks if sentences.EMAIL.search(c["text"])]
        return credited, addressed, contacts

    @cached_property
    def passages_in_section(self) -> Counter[tuple[str, str]]:
        """How many passages each section has of its own (not counting its subsections')."""
        return Counter((c["doc_id"], c.get("section") or "") for c in self.retriever.chunks)

    def _with_list_continuations(self, passages: list[Hit]) -> tuple[list[Hit], dict[int, int]]:
        """A passage that ends inside a list, with the passage that carries the list on (the next
        passage of the same section, when it opens with list items): a list is given whole even where
        ingest cut it in two. Returns the passages and {passage: its continuation}."""
        r, out, continued = self.retriever, list(passages), {}
        by_chunk = r.units[0]
        for ci, hit in enumerate(passages):
            pos = r.position[hit.chunk_id] + 1
            nxt = r.chunks[pos] if pos < len(r.chunks) else None
            own, follow = (
                by_chunk.get(hit.chunk_id) or [],
                (by_chunk.get(nxt["chunk_id"]) or []) if nxt else [],
            )
            if not (nxt and own and follow and own[-1][1] and follow[0][1]):
                continue
            if (nxt["doc_id"], nxt.get("section")) != (hit.chunk["doc_id"], hit.chunk.get("section")):
                continue
            cj = next((i for i, h in enumerate(out) if h.chunk_id == nxt["chunk_id"]), None)
            if cj is None:
                out.append(Hit.cited(nxt))
                cj = len(out) - 1
            continued[ci] = cj
        return out, continued

    # --- composing ----------------------------------------------------------------------------
    def _units(self, passages: list[Hit], result: SearchResult) -> list[Unit]:
        by_chunk = self.retriever.units[0]
        sims = result.unit_similarities
        units: list[Unit] = []
        for ci, hit in enumerate(passages):
            heading = frozenset(T.tokenize(documents.heading_of(hit.chunk.get("section") or "")))
            stored = by_chunk.get(hit.chunk_id)
            rows = (
                stored
                if stored is not None
                else [(u, item, None) for u, item in T.split_units(hit.chunk["text"])]
            )
            for pos, (text, item, row) in enumerate(rows):
                sim = float(sims[row]) if sims is not None and row is not None else None
                units.append(
                    Unit(
                        text=text,
                        chunk_index=ci,
                        position=pos,
                        is_list_item=item,
                        tokens=frozenset(T.tokenize(text)),
                        heading=heading,
                        similarity=sim,
                    )
                )
        return units

    def _compose(self, turn: _Turn, result: SearchResult, passages: list[Hit], chosen: Selection) -> Answer:
        citer = Citer(self.documents, self.today or date.today())
        units = chosen.short + chosen.more

        def cite(indexes: list[int]) -> dict[int, int]:
            return {
                ci: citer.cite(passages[ci], [u.text for u in units if u.chunk_index == ci]) for ci in indexes
            }

        # Numbered in the order a reader meets them: the short answer, its actions, then "More".
        number = cite(_first_seen(chosen.short))
        # the question's topic: "what does the strategy say about data?" is no cue for "…plan or strategy"
        topic = self.catalogue.topic_of(turn.query)
        picked = action_picker.pick(self.library, topic, result, self.retriever.vocabulary.idf, self.tuning)
        shown = {sentences.key(u.text) for u in chosen.short}
        actions = [
            Action(type=a["type"], text=a["text"], citation=citer.cite_action(a, passages, self.retriever))
            for a in picked
            # never a line of the answer again, nor a part of one ("Ensure that … data is easy to access…"
            # opens a list item that the answer gives whole)
            if not any(line in sentences.key(a["text"]) or sentences.key(a["text"]) in line for line in shown)
        ]
        number |= cite([ci for ci in _first_seen(chosen.more) if ci not in number])
        frames = {ci: citer.frame(passages[ci]) for ci in number}
        headings = {ci: documents.heading_of(passages[ci].chunk.get("section") or "") for ci in number}
        compose.name_subjects(chosen.short, headings, turn.query)
        compose.name_subjects(chosen.more, headings, turn.query)
        return Answer(
            question=turn.question,
            abstained=False,
            reason=None,
            answer=render_lines(chosen.short, number, frames),
            more=render_lines(chosen.more, number, frames),
            citations=citer.citations,
            actions=[a for a in actions if a.citation],
            warnings=turn.warnings,
            timing_ms=_timing(turn, result),
            index_build_id=self.build_id,
        )

    def _summary(self, turn: _Turn, request: Request) -> Answer:
        rows = documents.summary_rows(
            self.retriever, request.doc_id, request.section, self.tuning.summary_sentences, request.page
        )
        if not rows:
            return self._decline(turn, "no_evidence", suggest=True)
        citer = Citer(self.documents, self.today or date.today())
        units: list[Unit] = []
        number: dict[int, int] = {}
        frames: dict[int, str] = {}
        hits: dict[str, int] = {}
        for row in rows:
            ci = hits.setdefault(row.chunk["chunk_id"], len(hits))
            units.append(
                Unit(
                    text=row.text,
                    chunk_index=ci,
                    position=len(units),
                    is_list_item=row.item,
                    label=row.heading,
                )
            )
        if any(row.size for row in rows):  # part by part: the largest parts fit, the rest wait behind "More"
            shown = documents.parts_shown(rows, self.tuning.summary_short_words)
            short = [u for u, row in zip(units, rows, strict=True) if id(row) in shown]
            more = [u for u, row in zip(units, rows, strict=True) if id(row) not in shown]
        else:
            short, more = _split_keeping_lists(units, self.tuning.summary_short_words)
        # sources numbered as the reader meets them: the short answer's first
        chunk_of = {ci: chunk_id for chunk_id, ci in hits.items()}
        for ci in dict.fromkeys(u.chunk_index for u in short + more):
            hit = Hit.cited(self.retriever.chunks[self.retriever.position[chunk_of[ci]]])
            number[ci] = citer.cite(hit, [u.text for u in units if u.chunk_index == ci])
            frames[ci] = citer.frame(hit)
        return Answer(
            question=turn.question,
            abstained=False,
            reason=None,
            answer=render_lines(short, number, frames),
            more=render_lines(more, number, frames),
            citations=citer.citations,
            warnings=turn.warnings,
            timing_ms={"total": _ms(turn.t0)},
            index_build_id=self.build_id,
        )

    # --- declining ----------------------------------------------------------------------------
    def _decline(
        self, turn: _Turn, reason: str, result: SearchResult | None = None, suggest: bool = False
    ) -> Answer:
        return Answer(
            question=turn.question,
            abstained=True,
            reason=reason,  # type: ignore[arg-type]
            answer=declines.message(reason, self.documents),
            warnings=turn.warnings,
            suggestions=self._suggestions(turn.query, result) if suggest else [],
            timing_ms={"total": _ms(turn.t0)},
            index_build_id=self.build_id,
        )

    def _mention(
        self, turn: _Turn, result: SearchResult, mention: decide.CorpusUnit | bool, best: Hit
    ) -> Answer:
        """not_in_guidance_detail: say so, and cite the sentence that mentions the thing (else the
        closest sentence of the best passage)."""
        if isinstance(mention, decide.CorpusUnit):
            hit = Hit.cited(self.retriever.chunks[self.retriever.position[mention.chunk_id]])
            unit = Unit(
                text=mention.text, chunk_index=0, position=mention.position, is_list_item=mention.item
            )
        else:
            hit = best
            units = self._units([best], result)
            score_units(
                units, result.plan.bm25_tokens, self.retriever.vocabulary.idf, turn.query, self.tuning
            )
            unit = max(units, key=lambda u: u.score)
        answer = self._decline(turn, "not_in_guidance_detail", result, suggest=True)
        citer = Citer(self.documents, self.today or date.today())
        n = citer.cite(hit, [unit.text])
        answer.answer += "\n" + render_lines([unit], {0: n}, {})
        answer.citations = citer.citations
        return answer

    def _suggestions(self, query: str, result: SearchResult | None) -> list[str]:
        """Up to three questions hibot can answer closest to what was asked."""
        if self.example_vectors is None or not query.strip():
            return self.examples[: self.tuning.max_suggestions]
        qv = result.vector if result is not None and result.vector is not None else None
        if qv is None:
            qv = self.retriever.encoder.encode([query])[0]
        return suggestions.closest(
            self.examples,
            self.example_vectors @ qv,
            self.section_questions,
            self.retriever.passage_similarities(qv),
            self.tuning.max_suggestions,
        )


def _answered_headings(passages: list[Hit], question: str) -> set[int]:
    """Passages that answer a question heading ("I work in an ambulance trust, should I use the
    self-assessment tool…?") sharing most of its words with the reader's question: a FAQ's answer."""
    asked = set(T.tokenize(question))
    out = set()
    for ci, hit in enumerate(passages):
        heading = documents.heading_of(hit.chunk.get("section") or "")
        words = set(T.tokenize(heading))
        shared = len(words & asked)
        if heading.rstrip().endswith("?") and shared >= max(FAQ_SHARE * len(words), FAQ_MIN_SHARED):
            out.add(ci)
    return out


FIRST_PASSAGES = 2  # passages put first for who made a document, whom it went to or its email


def _topic_headings(passages: list[Hit], question: str, sizes: Counter[tuple[str, str]]) -> set[int]:
    """Passages holding the whole of a section headed by what the question is about, every word of the
    heading in it ("is levelling up even about health?" and the map's "1. Levelling up"): the topic's
    own section, ranked as the first passage. A section of several passages is left to the ranking (which
    of its passages answers is the question's detail, not its topic), and so are names of bodies ("NHS
    England", "HM Treasury"): a question names them in passing far more often than it asks about them."""
    asked = set(T.tokenize(question))
    out = set()
    for ci, hit in enumerate(passages):
        section = hit.chunk.get("section") or ""
        if sizes[(hit.chunk["doc_id"], section)] != 1:
            continue
        heading = documents.heading_of(section)
        words, tokens = heading.split(), set(T.tokenize(heading))
        named = bool(words) and (words[0].isupper() or any(w[:1].isupper() for w in words[1:]))
        if tokens and tokens <= asked and not named and not heading.endswith("?"):
            out.add(ci)
    return out


# The reader asks the heading's own question: most of its words, and more than the "self-assessment
# tool" that every FAQ of a guide may share with the question
FAQ_SHARE = 0.5
FAQ_MIN_SHARED = 4


def _for_the_reader(hits: list[Hit], role: str | None) -> list[Hit]:
    """A board member's or leader's question is not answered from what the guidance tells clinicians to do
    ("Ask board members … whether health inequalities are routinely discussed…", under "What can I do
    as a clinician?"): those passages go after the others."""
    if role not in ("board", "leader"):
        return hits
    theirs = [h for h in hits if not FOR_CLINICIANS.search(h.chunk.get("section") or "")]
    return theirs + [h for h in hits if h not in theirs] if theirs else hits


def _to_the_reader(units: list[Unit], passages: list[Hit], role: str | None, question: str) -> None:
    """A clinician asking what they should do ("Consultant here. Our trust has no board-level exec lead -
    what should I do about that?") is answered from what the guidance tells clinicians to do ("…raising
    this is a good first step…"), when search found it: the other passages' lines count less."""
    if (
        role != "clinician"
        or not action_picker.ASKS_WHAT_TO_DO.search(question)
        or not I_ACT.search(question)
    ):
        return
    theirs = {ci for ci, h in enumerate(passages) if FOR_CLINICIANS.search(h.chunk.get("section") or "")}
    if theirs:
        for u in units:
            if u.chunk_index not in theirs and u.score > 0:
                u.score *= NOT_FOR_THE_READER


I_ACT = re.compile(r"\b(?:I|me|my)\b")
NOT_FOR_THE_READER = 0.8
FOR_CLINICIANS = re.compile(r"\bas an? (?:clinician|doctor|nurse)\b", re.I)


def _where_it_is_said_first(passages: list[Hit], where: list[dict]) -> list[Hit]:
    """Who made a document, whom a letter went to and where to send comments are each said in one place
    that search ranks by the rest of the question's words: "who came up with the self-assessment tool?"
    is answered by the acknowledgements ("…originally created by Christine Camacho…"), "who was Hunt's
    letter addressed to?" by its addressee lines, "what's the email for feedback on the board guide?" by
    its contact line. Those passages (`where`) of the documents found come first."""
    docs = {h.chunk["doc_id"] for h in passages[:3]}
    return _put_first(passages, [c for c in where if c["doc_id"] in docs][:FIRST_PASSAGES])


def _put_first(passages: list[Hit], chunks: list[dict]) -> list[Hit]:
    """`chunks` as the first passages, then the others, each once."""
    ids = {c["chunk_id"] for c in chunks}
    return [Hit.cited(c) for c in chunks] + [h for h in passages if h.chunk_id not in ids]


def _prefer_document(hits: list[Hit], doc_id: str | None) -> list[Hit]:
    """When the question names a document, its passages come first."""
    if not doc_id:
        return hits
    return [h for h in hits if h.chunk["doc_id"] == doc_id] + [h for h in hits if h.chunk["doc_id"] != doc_id]


def _reference_or_furniture(section: str, credits: bool = False) -> bool:
    """Reference lists are sources, not answers; acknowledgements and contact lines answer nothing,
    except acknowledgements to `credits`: a question asking who made the document or its tool."""
    if credits and T.CREDITS_SECTION.search(section):
        return False
    return bool(T.REFERENCE_SECTION.search(section) or T.FURNITURE_SECTION.search(section))


def _first_seen(units: list[Unit]) -> list[int]:
    return list(dict.fromkeys(u.chunk_index for u in units))


def _split_words(units: list[Unit], limit: int) -> tuple[list[Unit], list[Unit]]:
    words, cut = 0, len(units)
    for i, u in enumerate(units):
        if words and words + u.words > limit:
            cut = i
            break
        words += u.words
    return units[:cut], units[cut:]


def _split_keeping_lists(units: list[Unit], limit: int) -> tuple[list[Unit], list[Unit]]:
    """`_split_words` for a summary, which never stops inside a list that fits in twice its words:
    the short answer gives a list it opens whole."""
    short, more = _split_words(units, limit)
    while more and len(short) > 1 and short[-1].text.endswith(":"):  # a line promising what is not shown
        short, more = short[:-1], [short[-1], *more]
    if not more or not (short[-1].is_list_item and more[0].is_list_item) or short[-1].label:
        return short, more
    end = len(short)
    while end < len(units) and units[end].is_list_item:
        end += 1
    if sum(u.words for u in units[:end]) <= limit * 2:
        return units[:end], units[end:]
    return short, more  # a list too long for any short answer: as much of it as fits


def _timing(turn: _Turn, result: SearchResult) -> dict[str, float]:
    return {**{k: round(v, 2) for k, v in result.timing.items()}, "total": _ms(turn.t0)}


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)
