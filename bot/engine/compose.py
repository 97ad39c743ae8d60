"""Compose an extractive answer: the sentences of the top passages that answer the question, verbatim.

Nothing is generated. Each answer line is a sentence or list item cut from a retrieved passage
(markup removed) and carries the `[n]` of that passage; the only words added are an attribution
frame for text written in the first person ("The Secretary of State for Health wrote in 2014:").
The best sentence leads; the short answer stops at about 60–110 words and the rest goes to `more`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from bot.engine import text as T
from bot.engine.decide import NUMBER_WORDS
from bot.engine.sentences import DANGLING, LIST_INTENT, Unit, gives_what_is_asked, key
from bot.engine.tuning import Tuning

FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'll|I'd|[Mm]y|[Mm]e)\b")
# The authors speaking as "we" at the start of a sentence ("We recognise that trusts…", "We have
# recommended…", "For trusts starting out, we have recommended…"): who "we" is has to be said. A "we"
# elsewhere is often everyone ("the conditions in which we are born"), so only an opening "we" (after
# at most one leading clause) with an author's verb or a promise ("We will work…") counts.
AUTHOR_WE = re.compile(
    r"^(?:[^,.]{3,80},\s+)?(?:[Ww]e|[Oo]ur)\s+(?:will|shall|are committed|"
    r"(?:(?:have|would|also|strongly|therefore|now)\s+)*(?:recommend|recognise|recognize|hope|"
    r"suggest|encourage|propose|believe|know|want|urge|call|set out|developed|created|found|consulted|"
    r"aim|intend|expect|acknowledge|welcome|advise|asked|surveyed|heard|recommended|view)\w*)\b"
)
# The second figure of a pair, said in a short sentence that leans on the one before ("In 2020-22, men in
# the most deprived areas … a decade less …" then "For women it was 7.3 years."): it comes with it.
PAIRED = re.compile(r"^(?:and\s+|while\s+|whereas\s+)?(?:for|among|in)\s+[^.]{0,60}\d", re.I)
PAIR_MAX_WORDS = 12


@dataclass
class Selection:
    short: list[Unit] = field(default_factory=list)
    more: list[Unit] = field(default_factory=list)


def select(
    units: list[Unit],
    question: str,
    tuning: Tuning,
    years: dict[int, int] | None = None,
    continued: dict[int, int] | None = None,
    faq: set[int] | None = None,
    sections: dict[int, tuple[str, str]] | None = None,
) -> Selection:
    """The short answer (best sentence first, a list whole) and the rest, for "More". `continued`
    maps a passage that ends inside a list to the passage that carries the list on; `faq` holds the
    passages answering a question heading that the reader asks again; `sections` the section of each
    passage (the short answer quotes `tuning.short_sections` of them)."""
    # A line promising a list ("… through:") or a quotation ("The current statement … states:") answers
    # nothing without what it promises after it.
    ranked = [
        u
        for u in sorted(units, key=lambda u: -u.score)
        if u.score > 0 and (not promises(u) or _next(units, u))
    ]
    if not ranked:
        return Selection()
    # A definition first for "what is X?": the best sentence that says what X is, when one was found.
    best = next((u for u in ranked if u.defines), ranked[0])
    # "What are the five clinical areas?": the line naming five of them by the question's words
    # ("…focus on five clinical areas requiring accelerated improvement: maternity, …") before one that
    # talks about them ("The five clinical priority areas guide clinical focus, …")
    counted = _counted(question)
    naming = next((u for u in ranked if counted and _names_the_count(u.text, *counted)), None)
    if naming is not None and naming.score >= PROMISE_SHARE * best.score:
        best = naming
    # ("which trusts does PCREF apply to?" asks which, not for a list)
    asks_list = LIST_INTENT.search(re.sub(r"\bwhich\b", " ", question, flags=re.I))
    if asks_list and not ASKS_ONE_PERSON.search(question) and not promises(best):
        # "what are the two ways…?": the line promising a list that holds the question as well as the best
        # sentence does ("NHS services can address health inequalities by:") is the answer's start
        best = next(
            (
                u
                for u in ranked
                if promises(u)
                and not u.is_list_item
                and u.overlap >= PROMISE_SHARE * best.overlap
                and u.score >= PROMISE_SHARE * best.score
            ),
            best,
        )
    short = _faq_answer(units, best, faq or set()) or _lead(units, best, question, tuning, continued or {})
    seen = {key(u.text) for u in short}
    more: list[Unit] = []
    for target, limit, cap, same, other in (
        (short, tuning.short_words, tuning.max_short_words, tuning.short_same, tuning.short_other),
        (more, tuning.max_full_words, tuning.max_full_words, tuning.more_same, tuning.more_other),
    ):
        for u in ranked:
            # Close to the best sentence, or it is not worth the reader's time; another passage's
            # sentence must be closer still, or the answer drifts to a neighbouring topic.
            if u.score < best.score * (same if u.chunk_index == best.chunk_index else other):
                continue
            chosen = short + more
            words = sum(x.words for x in chosen)
            if sum(x.words for x in target) >= limit or words >= tuning.max_full_words:
                break
            if key(u.text) in seen or u.score < tuning.min_unit_score or promises(u):
                continue
            passages = {x.chunk_index for x in chosen}
            if u.chunk_index not in passages and len(passages) >= tuning.max_cited_passages:
                continue
            if target is short and sections is not None:
                # the short answer quotes one section: a second one's line read as glued on (see Tuning)
                quoted = {sections.get(x.chunk_index) for x in short}
                if sections.get(u.chunk_index) not in quoted and len(quoted) >= tuning.short_sections:
                    continue
            per_passage = tuning.short_per_passage if target is short else tuning.more_per_passage
            if sum(1 for x in chosen if x.chunk_index == u.chunk_index) >= per_passage:
                continue
            if any(_repeats(u, x) for x in chosen):
                continue
            added = _with_antecedent(units, u, seen)
            if sum(x.words for x in target) + sum(x.words for x in added) > cap and target:
                continue
            target.extend(added)
            seen.update(key(x.text) for x in added)
    short = _with_pairs(units, _order(_newer_first(short, years or {}, tuning)))
    said = {key(u.text) for u in short}
    more = [u for u in more if key(u.text) not in said]  # a pair brought into the short answer
    if best.defines and not best.is_list_item and best in short[1:]:
        short.remove(best)  # "what is X?": what X is comes first, before the lines around it
        short.insert(0, best)
    return Selection(short=short, more=_order(more))


def _with_pairs(units: list[Unit], short: list[Unit]) -> list[Unit]:
    """Each figure with the short sentence after it that gives its pair ("For women it was 7.3 years.")."""
    out: list[Unit] = []
    said = {id(u) for u in short}
    for u in short:
        out.append(u)
        pair = _beside(units, u)
        if (
            pair is not None
            and id(pair) not in said
            and not (u.is_list_item or pair.is_list_item)
            and re.search(r"\d", u.text)
            and pair.words <= PAIR_MAX_WORDS
            and PAIRED.match(pair.text)
        ):
            out.append(pair)
            said.add(id(pair))
    return out


def _repeats(u: Unit, said: Unit) -> bool:
    """`u` mostly says again what `said` says: a pull-quote of a sentence beside it ("By 2040, 2.5 million
    more people…" after the sentence giving that figure), or one passage restating another's line.
    Items of one list are exempt: they share their frame ("Reduction in … mortality")."""
    if u.is_list_item and said.is_list_item and u.chunk_index == said.chunk_index:
        return False
    words = u.tokens or frozenset(T.tokenize(u.text))
    if len(words) < REPEAT_MIN_WORDS:  # a short sentence shares most of its few words by chance
        return False
    return len(words & (said.tokens or frozenset(T.tokenize(said.text)))) >= REPEAT_SHARE * len(words)


# "Who described…?", "who chairs…?": one person or body, not the list they appear in.
ASKS_ONE_PERSON = re.compile(r"^\W*who\s+(?!are\b|were\b|else\b)\w+", re.I)
ASKS_WHO = re.compile(
    r"\bwho\b|\bwhich\s+(?:\w+\s+)?(?:department|body|bodies|organisations?|group|team)\b", re.I
)
MAX_SUBJECT_WORDS = 8  # a heading longer than this is a topic, not the name of who or what an item is about
REPEAT_SHARE = 0.7  # of the later sentence's words already said
REPEAT_MIN_WORDS = 8


def _lead(
    units: list[Unit], best: Unit, question: str, tuning: Tuning, continued: dict[int, int]
) -> list[Unit]:
    """The best sentence, with the list it belongs to or promises, and what it points back to."""
    same = [u for u in units if u.chunk_index == best.chunk_index]
    # the one list it belongs to or promises: a passage may hold two ("four domains:" then "levels:")
    runs = _list_runs(same)
    run = next((r for r in runs if best in r), None) or next(
        (r for r in runs if r[0].position > best.position), runs[0] if runs else []
    )
    items = [u for u in run if u.score > -1]  # -1: a reference or furniture
    if best.chunk_index in continued and items and items[-1] is same[-1]:
        # the list runs on into the next passage: its opening items, less those the passages share
        seen = {key(u.text) for u in items}
        for u in (u for u in units if u.chunk_index == continued[best.chunk_index]):
            if not u.is_list_item:
                break
            if key(u.text) not in seen and u.score > -1:
                items.append(u)
                seen.add(key(u.text))
    whole_list = LIST_INTENT.search(question) and not ASKS_ONE_PERSON.search(question)
    # a list of two when two are asked for ("what are the two ways…?")
    enough = len(items) >= 3 or (len(items) == 2 and _count_asked(question) == 2)
    if whole_list and enough and (best.is_list_item or promises(best)) and not _one_item_answers(best, items):
        giving = [u for u in items if gives_what_is_asked(u.text, question)]
        if len(giving) == 1:
            return giving  # "how much…?", "by when…?": the one item with a figure is the answer, not its list
        intro = [u for u in same if not u.is_list_item and u.position < items[0].position and u.score >= 0]
        # The list is the answer when it is what was asked for: its opening line, or more than one of
        # its items, answers the question; one answering item in a list of other things is one line.
        answering = [u for u in items if u.score >= tuning.list_item_share * best.score]
        if promises(best) or len(answering) >= 2 or (intro and intro[-1].score >= best.score / 2):
            return ([intro[-1]] if intro else []) + items[: tuning.max_list_items]
    quoted = _next(units, best) if promises(best) else None
    if quoted is not None and not quoted.is_list_item:
        # "The current statement …, spanning 23 April 2023 until 31 March 2025, states:" and what it states
        return [best, quoted]
    if promises(best):
        # its items, on into the passage that carries the list on, or from a passage overlapping this
        # one that holds more of them
        promise = best
        follow = [u for u in items if u.chunk_index != best.chunk_index or u.position > best.position]
        for again in (
            u for u in units if u.chunk_index != best.chunk_index and key(u.text) == key(best.text)
        ):
            later = [u for u in units if u.chunk_index == again.chunk_index and u.position > again.position]
            run = list(itertools.takewhile(lambda u: u.is_list_item and u.score > -1, later))
            if len(run) > len(follow):
                promise, follow = again, run  # quoted from the passage that holds the list whole
        follow = follow[: tuning.max_list_items]
        if follow:
            return [promise, *follow]
    announces = bool(THE_FOLLOWING.search(best.text))
    if (LIST_INTENT.search(question) or announces) and enough and not best.is_list_item:
        # "what are the priority objectives?" led by the sentence before the list the passage promises
        # ("…key areas for action for all trusts to consider:"), or a sentence announcing it ("My
        # assessment for 2014-15 will be based on the following criteria."): the list comes with it
        promised = [u for u in same if promises(u) and u.position == items[0].position - 1]
        if promised and promised[0].position > best.position and promised[0].score >= 0:
            return [best, promised[0], *items[: tuning.max_list_items]]
    return _with_antecedent(units, best, set()) or [best]


THE_FOLLOWING = re.compile(r"\b(?:the|these)\s+following\b|\bas\s+follows\b", re.I)


def _faq_answer(units: list[Unit], best: Unit, faq: set[int]) -> list[Unit]:
    """A short answer under the reader's own question, whole: a FAQ's three sentences ("…AACE have a
    programme…", "…a sector specific maturity matrix, which should be used…", "…similar."), the one that
    answers best first and the others in their order."""
    if best.chunk_index not in faq:
        return []
    same = [u for u in units if u.chunk_index == best.chunk_index and u.score > -1]
    if sum(u.words for u in same) > FAQ_MAX_WORDS:
        return []
    return [best] + sorted((u for u in same if u is not best), key=lambda u: u.position)


FAQ_MAX_WORDS = 90


PROMISE_SHARE = 0.75  # of the best sentence's score and overlap, for a promise of a list to lead instead


def _count_asked(question: str) -> int | None:
    """The number of things the question asks for: "the two ways", "4 domains"."""
    m = re.search(
        r"\b(two|three|four|five|six|seven|eight|nine|ten|[2-9]|10)\s+(?:main\s+|key\s+)?[a-z]+",
        question,
        re.I,
    )
    return int(NUMBER_WORDS.get(m.group(1).lower(), m.group(1))) if m else None


def _counted(question: str) -> tuple[int, list[str]] | None:
    """What the question counts: (5, ["clinic", "area"]) for "what are the five clinical areas?"."""
    n, m = _count_asked(question), COUNTED.search(question)
    return (n, T.tokenize(m.group(2))) if n and m else None


def _names_the_count(text: str, n: int, asked: list[str]) -> bool:
    """`text` says the number the question counts by the question's next words ("five clinical areas")
    and then lists that many after a colon."""
    for said in COUNTED.finditer(text):
        if _count_asked(said.group(0)) == n and T.tokenize(said.group(2)) == asked:
            listed = text[said.end() :].partition(":")[2]
            return bool(listed) and len(re.split(r",|;|\band\b|\bor\b", listed)) >= n
    return False


COUNTED = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten|[2-9]|10)\s+([a-z]+\s+[a-z]+)", re.I)


def _one_item_answers(best: Unit, items: list[Unit]) -> bool:
    """One item holds the question's words and the others hardly any: "what happened to the eight urgent
    actions?" is answered by the item about them, not by the list of NHS England's priorities."""
    if not best.is_list_item or best.overlap < ONE_ITEM_OVERLAP:
        return False
    return all(u.overlap < best.overlap / 2 for u in items if u is not best)


ONE_ITEM_OVERLAP = 0.3


def _beside(units: list[Unit], u: Unit, step: int = 1) -> Unit | None:
    """The line after `u` in its passage (`step` -1: the line before it)."""
    return next(
        (x for x in units if x.chunk_index == u.chunk_index and x.position == u.position + step), None
    )


def _next(units: list[Unit], u: Unit) -> Unit | None:
    """What a promising line promises: the list item or the quoted paragraph right after it."""
    nxt = _beside(units, u)
    if nxt is None or nxt.score <= -1 or (promises(nxt) and not nxt.is_list_item):
        return None
    return nxt


def promises(u: Unit) -> bool:
    """A line that promises the list after it: "… across four domains:", "…the following principles;"."""
    return u.text.endswith(":") or (not u.is_list_item and u.text.endswith(";"))


def _list_runs(same: list[Unit]) -> list[list[Unit]]:
    """A passage's lists: runs of list items one after another, in order."""
    runs: list[list[Unit]] = []
    for u in sorted(same, key=lambda u: u.position):
        if not u.is_list_item:
            continue
        if runs and runs[-1][-1].position == u.position - 1:
            runs[-1].append(u)
        else:
            runs.append([u])
    return runs


def _leans_back(u: Unit) -> bool:
    """Said only after the sentence before it: "This means…", "For women it was 7.3 years."."""
    return bool(DANGLING.match(u.text)) or (u.words <= PAIR_MAX_WORDS and bool(PAIRED.match(u.text)))


def _with_antecedent(units: list[Unit], u: Unit, seen: set[str]) -> list[Unit]:
    """A sentence opening with "This"/"These", or giving the second figure of a pair ("For women it was
    7.3 years."), comes with the sentence before it in its passage."""
    if not _leans_back(u):
        return [u]
    before = _beside(units, u, -1)
    if before is not None and key(before.text) in seen:
        return [u]  # its antecedent is already in the answer
    if before is None or before.score < 0 or before.is_list_item or DANGLING.match(before.text):
        return []  # "This …" with nothing to point back to (or only another "These …") is left out
    return [before, u]


def _newer_first(chosen: list[Unit], years: dict[int, int], t: Tuning) -> list[Unit]:
    """When the answer quotes sources years apart and a newer one answers nearly as well as the
    older one leading, the newer leads (the older is marked as older by its citation's note)."""
    if not chosen or chosen[0].chunk_index not in years:
        return chosen
    first = chosen[0]
    for u in chosen[1:]:
        newer = years.get(u.chunk_index, 0) - years[first.chunk_index] >= t.older_years
        if newer and u.score >= first.score - t.newer_margin:
            rest = [x for x in chosen if x.chunk_index != u.chunk_index]
            return [x for x in chosen if x.chunk_index == u.chunk_index] + rest
    return chosen


def _order(chosen: list[Unit]) -> list[Unit]:
    """Passages in order of their best sentence; within a passage the best sentence first unless
    the passage gives a list or an antecedent, which keep source order."""
    lead: dict[int, Unit] = {}
    for u in chosen:
        if u.chunk_index not in lead or u.score > lead[u.chunk_index].score:
            lead[u.chunk_index] = u
    # A list given whole (three items or more) reads in its own order; two items picked from a list
    # of other things put the one that answers first ("who said 'new number one'?").
    keep_order = {
        ci
        for ci in lead
        if sum(1 for u in chosen if u.chunk_index == ci and u.is_list_item) >= 3
        or any(_leans_back(u) for u in chosen if u.chunk_index == ci)
    }
    rank = {ci: i for i, ci in enumerate(lead)}  # first appearance: the lead passage stays first
    return sorted(
        chosen,
        key=lambda u: (
            rank[u.chunk_index],
            u.chunk_index in keep_order or u is not lead[u.chunk_index],
            u.position,
        ),
    )


def name_subjects(chosen: list[Unit], headings: dict[int, str], question: str) -> None:
    """A list item that never names what it is about, under a heading that does ("Department for
    Levelling Up, Housing and Communities" over "- Strong ministerial team, tasked with…"), is said
    with that heading, once per run of items from its section, when the question asks who or which.
    A heading that is a question, a long one, or one the item already half names, is not said.
    (Labelling every item from a different section read to blind judges as headings glued on.)"""
    if not ASKS_WHO.search(question):
        return
    previous = None
    for u in chosen:
        if not u.is_list_item:
            previous = None
            continue
        heading = headings.get(u.chunk_index, "")
        words = T.tokenize(heading)
        if (
            heading != previous
            and words
            and len(heading.split()) <= MAX_SUBJECT_WORDS
            and not heading.rstrip().endswith("?")
            and not heading.isupper()
            and len(set(words) & (u.tokens or frozenset(T.tokenize(u.text)))) < len(set(words)) / 2
        ):
            u.label = heading
        previous = heading


def render_lines(chosen: list[Unit], number_of: dict[int, int], frames: dict[int, str]) -> str:
    """Answer text: one line per list item ("- …"), sentences run together, each with its [n]. Text
    in the first person is quoted after its attribution frame, once per run of one source's lines."""
    out: list[str] = []
    run, framed = "", False  # the source of the current run of lines, and whether its frame was given
    # A list item is a bullet beside other items or under the line that promises it; one item alone reads
    # as a sentence (a lone bullet read to blind judges as a stray one)
    bullets = {
        i
        for i, u in enumerate(chosen)
        if u.is_list_item
        and (
            (i > 0 and (chosen[i - 1].is_list_item or promises(chosen[i - 1])))
            or (i + 1 < len(chosen) and chosen[i + 1].is_list_item)
        )
    }
    for i, u in enumerate(chosen):
        n = number_of[u.chunk_index]
        frame = frames.get(u.chunk_index, "")
        if frame != run:
            run, framed = frame, False
        quoted = bool(frame) and bool(FIRST_PERSON.search(u.text) or AUTHOR_WE.match(u.text))
        text = f"“{u.text}”" if quoted else u.text
        if quoted and not framed:
            text, framed = f"{frame} {text}", True
        if u.label:
            text = f"{u.label} — {text}"
        line = f"- {text} [{n}]" if i in bullets else f"{text} [{n}]"
        if out and (line.startswith("- ") or out[-1].lstrip("\n").startswith("- ")):
            out.append("\n" + line)
        elif out:
            out.append(" " + line)
        else:
            out.append(line)
    return "".join(out)
