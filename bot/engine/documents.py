"""Documents and sections by name: "What does the Hunt letter say?", "summarise the FAQ section".

A named document is found by its aliases (corpus/sources.yaml); a section by its heading, a parent
heading or a quoted one. The summary is extractive and explainable: sentences scored by centrality
(closeness to the mean meaning of the document or section), position (documents state their purpose
and main recommendations early) and purpose cues ("This guide sets out…", "The aim is…"), one from
each part one level below what was asked about, in source order. "Does the board guide say the
same?" after a question asks that question again of the board guide (`Request.asks_again`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from bot.engine import text as T
from bot.engine.query import DOMAIN_SHORTHAND, readers_roles
from bot.engine.sentences import (
    ASKS_FOR_RECIPIENT,
    CONNECTIVE,
    DANGLING,
    DEFINITION_Q,
    FURNITURE,
    SELF_DESCRIPTION,
    defines,
)

# Words of a summary request that are not its topic.
REQUEST_WORDS = frozenset(
    T.tokenize(
        "what does did do is are the a an of in on from say says said about summary summarise summarize "
        "summarised summarized sum up overview gist key main points messages recommendations takeaways "
        "findings "
        "give me can you could please tell us cover covers contain contains highlight highlights outline "
        "document guidance section part chapter whole briefly quick quickly short it its this that there "
        "whats "
        "ideas basically overall generally for me briefly letter draft version one around actually thing"
        " tl dr tldr nutshell rundown bit bits walk talk run through pull up show pls plz thx asap"
        " need want two three line lines sentence sentences version trying try achieve goal goals"
        " big picture set meant intended list lists listed purpose purposes"
        " january february march april may june july august september october november december"
    )
)
# Words about the asker and the moment, not a topic within a document: "…again? brain fog today", "for
# my team in a few bullets", "our new NEDs have been sent the guide". With the roles (`query.ROLES`) and
# the words the library never uses ("soooo", "governor"), they leave a request for a summary one.
ASIDE_WORDS = frozenset(
    T.tokenize(
        "i'm im i've ive i'd we're we've you're team colleagues colleague someone somebody anyone everyone "
        "new sent found old think reckon guess remind forgot forget quick quickly today tomorrow week "
        "bullet bullets slide slides lol haha ok okay hiya cheers ta really again q re theres"
    )
)
ASKS_ONE_THING = re.compile(
    r"\b(?:who|whom|whose|when|where|how\s+(?:many|much|long|often)|which\s+year)\b", re.I
)
# What a summary is for, said after the request: "… for our board development session", "… for a
# teaching slot". It names no topic within the document.
FOR_AN_OCCASION = re.compile(
    r"\bfor\s+(?:a|an|our|my|the|tomorrow'?s|next\s+week'?s)\s+(?:[\w'-]+\s+){0,3}?"
    r"(?:session|meeting|paper|presentation|briefing|teaching|talk|report|update|newsletter|induction|"
    r"training|slot|huddle|away ?day)s?\b",
    re.I,
)
# Whom a summary is for: "summarise the guide for a newly appointed non-exec". Only beside a word asking
# for a summary: "what does the guide say for non-execs?" asks what it says to them.
FOR_A_READER = re.compile(
    r"\bfor\s+(?:a|an|our|my|the|new|some)\s+(?:[\w'-]+\s+){0,3}?"
    r"(?:(?:non-?exec\w*|executive) directors?|non-?exec\w*|NEDs?|board members?|colleagues?|clinicians?|"
    r"doctors?|nurses?|team|staff|students?|trainees?|juniors?|governors?|managers?|directors?)\b",
    re.I,
)
ASKS_SUMMARY = re.compile(
    r"\b(?:summar\w+|overview|gist|tl;?dr|key points|main points|key messages|main messages|rundown|"
    r"nutshell|brief me|big picture)\b",
    re.I,
)
# Who or what the summary is for, said in a clause of its own that asks nothing ("I'm doing a teaching
# session for FY doctors next week - what are the main points of the RCP guidance?", "What's the gist
# of the RCP report? Need a two-line version for a board paper."): no topic within the document.
OCCASION = re.compile(
    r"\b(?:session|meeting|paper|presentation|briefing|teaching|talk|grand round|huddle|induction|"
    r"away ?day|newsletter|slides?|version|summary)s?\b",
    re.I,
)
CLAUSE = re.compile(r"(?<=[.?!;])\s+|\s+[-–—]+\s+")


def without_occasion(question: str) -> str:
    """`question` less its clauses that say only what the answer is for, when another clause asks; when
    that clause asks for a summary ("Our new NEDs have been sent the board guide. In a nutshell, what is
    it?"), less every clause that asks nothing."""
    clauses = [c for c in CLAUSE.split(question) if c.strip()]
    asks = [c.rstrip().endswith("?") for c in clauses]
    summary = any(a and ASKS_SUMMARY.search(c) for a, c in zip(asks, clauses, strict=True))
    asking = [c for a, c in zip(asks, clauses, strict=True) if a or not (summary or OCCASION.search(c))]
    return " ".join(asking) if asking and len(asking) < len(clauses) else question


# A follow-up that points back ("does the RCP say the same?", "anything similar in the letter?") asks
# about the previous topic in the document it names, not for a summary of that document.
REFERS_BACK = re.compile(
    r"\b(?:the same|same thing|similar(?:ly)?|too|also|as well|likewise|different|differently|"
    r"that|this|these|those|it|they|them)\b",
    re.I,
)
# Words of such a follow-up that are not a new topic.
BACK_WORDS = frozenset(
    T.tokenize(
        "similar similarly anything something also well likewise too same thing mention agree different"
    )
)
# "2.", "Section II –", "iv)": numbering before a heading's words.
HEADING_NUMBER = re.compile(r"^\W*(?:section\s+)?(?:\d+(?:\.\d+)*|[ivx]+)\b\W*", re.I)
SECTION_WORD = re.compile(r"\b(?:section|part|chapter|bit|heading|under|appendix|appendices)\b", re.I)
SKIP_SECTION = re.compile(
    r"\b(?:references?|resources|acknowledg\w*|get in touch|contents|useful reading|"
    r"further reading|links)\b",
    re.I,
)
QUOTED = re.compile(r"['‘\"“]([^'’\"”]{3,80})['’\"”]")
GROUP = re.compile(r"(?:the\s+)?([a-z]{4,}s)")
APPENDIX = re.compile(r"^\W*appendi(?:x|ces)\b", re.I)
DOC_NOUN = r"(?:guide|letter|document|strategy|report|paper|piece|map|guidance|publication|framework|plan)"
THE_DOCUMENT = re.compile(
    r"\b(?:the|this|that|its|their)\s+(guide|letter|document|strategy|report|paper|map|guidance|publication)\b",
    re.I,
)
# A document's statements of its own purpose, aims and recommendations: "This guide sets out…",
# "The aim is to…", "The vision for the strategy is…", "It highlights actions…".
PURPOSE = re.compile(
    rf"\b(?:this|the|its|our)\s+{DOC_NOUN}(?:'s)?\s+"
    r"(?:sets out|aims?|objectives?|vision|purpose|describes|outlines|provides|summarises|explains|"
    r"recommends|highlights|is (?:intended|designed|for)|will|looks at|focus(?:es)? on)"
    rf"|\bthe (?:aims?|purpose|vision|objectives?|ambition) (?:of|for) (?:this|the|our)\s+{DOC_NOUN}"
    r"|\bthe (?:aim|purpose|vision|ambition) is\b"
    r"|\bit (?:sets out|outlines|highlights|recommends|describes|summarises)\b"
    r"|\bpurpose of\b|\bwe recommend\b|\bin this (?:guide|document|letter|report)\b"
    r"|\b(?:I|we)\s+(?:(?:would like to|want to|am writing to|are writing to|aim to)\s+)?"
    r"(?:set out|outline|describe|explain)\b",
    re.I,
)


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
# "page 2 of the Hunt letter", "the second page", "p. 3", "the last page"
PAGE = re.compile(
    rf"\b(?:pages?|p\.|pg\.?)\s*(\d{{1,4}})\b|\b({'|'.join(ORDINALS)}|last|final)\s+page\b", re.I
)


# Asks what a document is for: "what was the 2014 letter to the arm's-length bodies for?"
# How readers name what the headings call barriers: "what stops organisations…", "the main obstacles",
# "what's holding trusts back", "what gets in the way".
BARRIER_WORDS = re.compile(
    r"\b(?:obstacles?|hurdles?|blockers?|what\s+(?:stops|prevents|hinders|holds\s+back)|"
    r"(?:what'?s|what\s+is|things?)\s+holding\s+(?:\w+\s+){0,2}?back|gets?\s+in\s+the\s+way|"
    r"(?:stops?|prevents?|hinders?)(?=\s+(?:organisations?|trusts?|systems?|boards?|leaders?|ICBs?)\b))\b",
    re.I,
)
LIBRARY_SUBJECT = frozenset(
    T.tokenize(
        "health inequalities organisations organisation systems trusts nhs prioritising prioritise priority "
        "tackling reducing identify identifies make making"
    )
)
SAID_BY = re.compile(
    r"\s+(?:actually\s+|also\s+)?(?:say|says|said|mention|mentions|cover|covers|list|lists|recommend|recommends|"
    r"suggest|suggests|state|states|give|gives|put|puts|define|defines|describe|describes)\b",
    re.I,
)
ASKED_IN = re.compile(r"\b(?:according\s+to|in|from|per)\s+(?:the\s+)?$", re.I)
# "What is it trying to achieve?", "what did it set out to do?", "what are its goals?": its aims.
ASKS_AIMS = re.compile(r"\b(?:achieve|set\s+out\s+to|goals?|aims?|aiming)\b(?!\s+at\b)", re.I)
AIMS = T.tokenize("aims")[0]
# "…and who is it aimed at?", "who's it for?": asked of a document, its statement of purpose answers it.
AUDIENCE = re.compile(
    r"\bwho(?:(?:'s|\s+is|\s+was|\s+are)\s+(?:it|this|that|they)|\s+(?:it|this|that)(?:'s|\s+is|\s+was))\s+"
    r"(?:aimed at|for|written for|intended for|meant for)\b",
    re.I,
)
ASKS_PURPOSE = re.compile(
    r"^\W*what(?:'s|\s+is|\s+was|\s+were)\b.*\bfor\W*$|\bwhy\s+(?:was|did|were)\b.*\b(?:written|sent|"
    r"published|issued)\b|\b(?:purpose|point)\s+of\b",
    re.I,
)


@dataclass(frozen=True)
class Request:
    doc_id: str | None  # the document named, if any
    section: str | None  # the full section path named, if any
    summary: bool  # asks what the document/section says as a whole (no further topic)
    # Asks the previous question of the document it names ("does the RCP say the same?").
    asks_again: bool = False
    page: int | None = None  # the page asked about (0: the last page); only with a summary
    topic: tuple[str, ...] = ()  # with asks_again: what the follow-up adds ("…about anchors as well?")


def page_asked(question: str) -> int | None:
    """The page a question asks about: 2 for "page 2" or "the second page", 0 for "the last page"."""
    m = PAGE.search(question)
    if not m:
        return None
    if m.group(1):
        return int(m.group(1))
    word = m.group(2).lower()
    return ORDINALS.index(word) + 1 if word in ORDINALS else 0


@dataclass(frozen=True)
class _Heading:
    doc_id: str
    path: str  # "Section II – … > The Enablers"
    plain: str  # the heading's words, lower-case ("the enablers"), to match a quoted heading
    tokens: frozenset[str]
    # shorter names it goes by (`_short_names`): "the section on barriers and enablers", "the health
    # inequalities subgroup"
    short: tuple[frozenset[str], ...] = ()


class Catalogue:
    """The documents' names and the sections' headings as a question is matched against them,
    worked out once per index: compiled patterns and tokens, never rebuilt per question (with
    hundreds of documents, per-question patterns overflow re's cache and dominate an answer)."""

    def __init__(
        self,
        documents: dict[str, dict],
        sections: dict[str, list[str]],
        stems: frozenset[str] | None = None,
    ):
        self.stems = stems  # the library's words, as `T.tokenize` gives them (None: any word)
        # (doc_id, name length, pattern); the longest name found wins
        self.names: list[tuple[str, int, re.Pattern[str]]] = []
        # A name of one capitalised word ("Hunt") names the document only as written: "Hunt wrote to…",
        # not "on the hunt for data".
        self.proper: list[tuple[str, int, re.Pattern[str]]] = []
        for doc_id, meta in documents.items():
            names = [*(meta.get("aliases") or []), str(meta.get("title") or ""), doc_id.replace("-", " ")]
            for alias in filter(None, names):
                if _proper(alias):
                    pattern = rf"(?<![\w]){re.escape(alias)}(?:'s)?(?![\w])"
                    self.proper.append((doc_id, len(alias), re.compile(pattern)))
                    continue
                a = alias.lower().replace("’", "'")
                pattern = r"(?<![\w])" + _as_worded(a) + r"(?:'s)?(?![\w])"
                self.names.append((doc_id, len(a), re.compile(pattern)))
        aliases = sorted(
            {
                a.lower().replace("’", "'")
                for m in documents.values()
                for a in m.get("aliases") or []
                if not _proper(a)
            },
            key=len,
            reverse=True,
        )
        # with the noun that may follow a name: "the RCP report", "the EHI strategy"
        alternatives = "|".join(_as_worded(a) for a in aliases)
        self.name_words = (
            re.compile(rf"(?<![\w])(?:{alternatives})(?:'s)?(?:\s+{DOC_NOUN}s?)?(?![\w])", re.I)
            if aliases
            else None
        )
        self.headings = [
            _Heading(d, path, _plain(heading), frozenset(T.tokenize(heading)), _short_names(heading))
            for d, paths in sections.items()
            for path in _with_parents(paths)
            if not SKIP_SECTION.search(path)
            for heading in [heading_of(path)]
        ]
        # passages under each heading: of two headings with the same words, the larger is the section
        # ("What can I do as a leader?" heads a paragraph of the summary and a whole chapter)
        self.size = Counter(
            (d, " > ".join(parts[: i + 1]))
            for d, paths in sections.items()
            for parts in (p.split(" > ") for p in paths)
            for i in range(len(parts))
        )
        # title words: beside another title word they quote the title ("making health inequalities a
        # strategic priority"); alone they are a topic ("what can clinicians do?")
        self.title_words = {d: frozenset(T.tokenize(str(m.get("title") or ""))) for d, m in documents.items()}
        self.described = {
            d: frozenset(T.tokenize(" ".join([*(m.get("aliases") or []), str(m.get("year") or "")])))
            for d, m in documents.items()
        }
        # the words the library's documents are called by ("NHS England", "health inequalities"): a heading
        # made of them names a section only when asked for as one ("the 'NHS England' section")
        self.library_words = frozenset().union(*self.described.values(), *self.title_words.values())
        nouns: dict[str, set[str]] = {}
        for d, m in documents.items():
            called = " ".join([str(m.get("title") or ""), *(m.get("aliases") or [])]).lower()
            for noun in re.findall(r"\b(?:guide|letter|strategy|map)\b", called):
                nouns.setdefault(noun, set()).add(d)
        self.by_noun = {noun: next(iter(ds)) for noun, ds in nouns.items() if len(ds) == 1}
        # what sources.yaml says the document is: words that, in "what was X … for?", describe X
        self.description = {
            d: frozenset(T.tokenize(f"{m.get('description') or ''} {m.get('title') or ''}"))
            for d, m in documents.items()
        }

    def named_by_noun(self, question: str) -> str | None:
        """The document "the strategy", "the letter", "the map" or "the guide" means when only one
        document in the library is one (by its title and aliases). "The guidance", "the document" and
        "the report" are how readers speak of the library as a whole."""
        if QUOTED.search(question):
            return None  # "the 'Advancing mental health equalities strategy' section": it names its own
        for m in THE_DOCUMENT.finditer(question):
            doc_id = self.by_noun.get(m.group(1).lower())
            if doc_id:
                return doc_id
        return None

    def without_names(self, text: str) -> str:
        """`text` less the names of documents in it: "What does the board guide say about anchor
        institutions?" -> "What does the say about anchor institutions?"."""
        text = self.name_words.sub(" ", text) if self.name_words else text
        for _, _, pattern in self.proper:
            text = pattern.sub(" ", text.replace("’", "'"))
        return text

    def asked_of(self, text: str) -> bool:
        """A document named as the one asked ("does the RCP say…", "what does the board guide list…",
        "according to the map…", "in the Hunt letter…"), not as a subject ("the NHS Providers survey")."""
        if not self.name_words:
            return False
        for m in self.name_words.finditer(text):
            before, after = text[max(0, m.start() - 20) : m.start()], text[m.end() : m.end() + 30]
            if SAID_BY.match(after) or ASKED_IN.search(before):
                return True
        return False

    def topic_of(self, text: str) -> str:
        """`text` less anything that names a document, by its name or as "the strategy", "this letter"."""
        return THE_DOCUMENT.sub(" ", self.without_names(text))

    def named_document(self, question: str) -> str | None:
        asked = question.replace("’", "'")
        best, best_len = None, 0
        for doc_id, length, pattern, q in [
            *((*n, asked.lower()) for n in self.names),
            *((*n, asked) for n in self.proper),
        ]:
            if length > best_len and pattern.search(q):
                best, best_len = doc_id, length
        return best

    def asides(self, text: str) -> frozenset[str]:
        """The words of `text` that say who asks or how, not what: the reader's role ("I'm a governor",
        "registrar here"), `ASIDE_WORDS` and words the library never uses ("soooo", "brain fog")."""
        roles = {t for start, end, _ in readers_roles(text) for t in T.tokenize(text[start:end])}
        unknown = {
            t for t in T.tokenize(text) if self.stems is not None and t.isalpha() and t not in self.stems
        }
        return ASIDE_WORDS | roles | unknown

    @staticmethod
    def _all_of(heading: str, question: str) -> bool:
        """A heading of one plural noun ("Influences", "The Enablers") heads the things it names; the
        question asks for them all when it names them so ("the wider influences", not "a barrier")."""
        m = GROUP.fullmatch(heading)
        return bool(m and re.search(rf"\b{m.group(1)}\b", question, re.I))

    def named_section(
        self, question: str, doc_id: str | None, aside: frozenset[str] = frozenset()
    ) -> str | None:
        """A section whose heading the question gives (all its content words), preferring the named
        document's; a one-word heading needs the word "section" (or similar) beside it, or quotes.
        A parent heading ("Barriers", over "Barriers > Funding" and the rest) counts as a section."""
        q = set(T.tokenize(question))
        topic = {t for t in q - REQUEST_WORDS - aside if len(t) > 1 and not t.isdigit()}
        quoted = {_plain(m) for m in QUOTED.findall(question)}
        explicit = bool(SECTION_WORD.search(question))
        best, best_score = None, 0.0
        for h in self.headings:
            if (doc_id and h.doc_id != doc_id) or not h.tokens:
                continue
            words = h.tokens if q >= h.tokens else max((w for w in h.short if q >= w), key=len, default=None)
            if (
                words is None
                and explicit
                and len(h.tokens) >= 3
                and len(q & h.tokens) >= 0.75 * len(h.tokens)
            ):
                words = frozenset(q & h.tokens)  # "the section on the inclusion health framework": most of it
            if words is None:
                continue
            named = h.plain in quoted
            # one word names a section when asked for as one, or when it is all a question about a named
            # document asks ("what are the enablers in the strategy?")
            others = topic - LIBRARY_SUBJECT - words
            # a heading of one plural noun ("Influences", "The Enablers") heads the things it names: "the
            # wider influences the policy map lists" asks for them with a word or two more
            whole_topic = (
                bool(doc_id)
                and topic >= words
                and len(others) <= (2 if self._all_of(h.plain, question) else 0)
            )
            if len(words) == 1 and not (explicit or named or whole_topic):
                continue
            if words <= self.library_words and not (explicit or named or doc_id):
                continue  # "the NHS England equality strategy" asks nothing of the map's "NHS England"
            # of two matched headings, the one with more of its own words ("the vision part of NHS England's
            # strategy" is "Vision of the Strategy", not the policy map's "NHS England"; "the wider influences
            # on health inequalities policy" is "Influences", not "What are health inequalities?")
            own = len(words - self.library_words)
            score = (
                1.5 * own + 0.5 * (len(words) - own) + (100.0 if named else 0.0)
            )  # quotes name it outright
            # of two with the same words, the larger, and the body's before an appendix's
            score += self.size[(h.doc_id, h.path)] / 1000 - (0.5 if APPENDIX.search(h.path) else 0.0)
            if score > best_score:
                best, best_score = h.path, score
        return best

    def resolve(self, question: str, follow_up: bool = False, talked_of: str | None = None) -> Request:
        """The document and section a question names, and whether it asks for a summary of them."""
        # shorthand as the headings spell it out ("the FAQ" is "Frequently asked questions")
        question = re.sub(r"\w+", lambda m: DOMAIN_SHORTHAND.get(m.group(0), m.group(0)), question)
        doc_id = self.named_document(question)
        # a document's name is not a heading's words ("the health inequalities policy map")
        unnamed = FOR_AN_OCCASION.sub(" ", self.without_names(without_occasion(question)))
        unnamed = AUDIENCE.sub(" ", unnamed)  # who a document is for is said by its statement of purpose
        unnamed = BARRIER_WORDS.sub(" barriers ", unnamed)  # the headings' word for what stops or holds back
        if ASKS_SUMMARY.search(question):
            unnamed = FOR_A_READER.sub(" ", unnamed)
        # "the strategy" is the library's one strategy, unless a heading of another document is named
        # or, in a conversation, it is the one being discussed
        # "who came up with the self-assessment tool?" asks one thing of it, in words it may never use
        aside = (
            frozenset()
            if ASKS_ONE_THING.search(unnamed) and not ASKS_SUMMARY.search(question)
            else self.asides(unnamed)
        )
        section = self.named_section(unnamed, doc_id, aside)
        if doc_id is None and not follow_up and section is None:
            doc_id = self.named_by_noun(question)
            section = self.named_section(unnamed, doc_id, aside) if doc_id else None
        points_back = follow_up
        if doc_id is None and section is None and talked_of:
            # "what are the enablers that sit underneath them?", of the document the conversation is about:
            # a heading of one plural noun asked for by that word
            group = self.named_section(unnamed, talked_of, aside)
            if group and self._all_of(_plain(heading_of(group)), unnamed):
                doc_id, section = talked_of, group
                points_back = False  # its "them" is what they sit under, not a question asked again
        if doc_id is None and section is None:
            return Request(None, None, False)
        # its names and title describe the document, they are not a topic within it
        named = set(self.described.get(doc_id, frozenset())) if doc_id else set()
        if doc_id:
            words, title = T.tokenize(unnamed), self.title_words.get(doc_id, frozenset())
            named |= {
                w
                for i, w in enumerate(words)
                if w in title and any(x in title for x in words[max(i - 1, 0) : i] + words[i + 1 : i + 2])
            }
        if section:
            named |= set(T.tokenize(section.split(" > ")[-1]))
        page = page_asked(unnamed) if doc_id else None
        if page is not None:
            named |= {"page", "pages", "pg", *ORDINALS, "last", "final"}
        rest = [
            t
            for t in T.tokenize(unnamed)
            if t not in named | aside
            and t not in REQUEST_WORDS | T.STOPWORDS
            and len(t) > 1
            and not t.isdigit()
        ]
        if doc_id and section is None and ASKS_PURPOSE.search(question):
            rest = [t for t in rest if t not in self.description.get(doc_id, frozenset())]
        back = points_back and bool(REFERS_BACK.search(question.lower().replace("’", "'")))
        # Naming a document or section and asking nothing else of it ("What's the board guide for?",
        # "delivery mechanisms — what are they?") asks what it says.
        # a section named and nothing asked of it but the library's own subject ("the part on what stops
        # organisations prioritising health inequalities") asks what it says
        # so does a document asked for in summary ("the gist of the RCP guidance on health inequalities")
        subject = LIBRARY_SUBJECT if section or ASKS_SUMMARY.search(question) else frozenset()
        # ("was the letter just sent to NHS England?" asks whom it went to: its addressee lines say)
        summary = not (set(rest) - subject) and not back and not ASKS_FOR_RECIPIENT.search(question)
        if section and not summary and not back and self._all_of(_plain(heading_of(section)), unnamed):
            # "the wider influences the map lists" asks for them all; "the funding barriers", for one
            inner = {t for h in self.headings if h.path.startswith(section + " > ") for t in h.tokens}
            summary = len(set(rest) - subject) <= 2 and not set(rest) & inner
        if summary and doc_id and section is None and ASKS_AIMS.search(question):
            # "what is the strategy trying to achieve?": a document with a section of its aims says it there
            section = next((h.path for h in self.headings if h.doc_id == doc_id and AIMS in h.tokens), None)
        asks_again = back and doc_id is not None and section is None
        # "does the RCP talk about anchors as well?": the previous question, of the RCP, about anchors
        topic = [t for t in rest if t not in BACK_WORDS] if asks_again else []
        return Request(doc_id, section, summary, asks_again, page if summary else None, tuple(topic))


def _as_worded(alias: str) -> str:
    """The pattern of a lower-case alias as questions word it: "NHSE strategy" also as "NHSE equality and
    health inequalities strategy" and "Hunt letter" as "Hunt's 2014 letter" (up to four words before the
    document noun it ends with)."""
    words = alias.split()
    if len(words) >= 2 and re.fullmatch(DOC_NOUN, words[-1]):
        head = re.escape(" ".join(words[:-1])).replace("'", "'?s?")
        return rf"{head}(?:'s)?(?:\s+[\w'+&-]+){{0,4}}?\s+{words[-1]}"
    return re.escape(alias).replace("'", "'?s?")


def _proper(alias: str) -> bool:
    """One word with a capital and lower-case letters: a surname ("Hunt"), matched only as written."""
    return bool(re.fullmatch(r"[A-Z][a-z]+", alias))


def _part(chunk: dict, section: str | None, below: int = 1) -> str:
    """The part of the document or section a summary takes one sentence from: the subsection `below`
    levels below the one asked about (each of "the enablers" gets its line), else the passage."""
    path = chunk.get("section") or ""
    depth = len(section.split(" > ")) if section else 0
    parts = path.split(" > ")
    return " > ".join(parts[: depth + below]) if path and len(parts) > depth else chunk["chunk_id"]


def _levels_below(chunks: list[dict], section: str | None) -> int:
    """How many levels below the request its parts are: one, or two when one level has fewer than
    three parts ("Barriers and enablers" is two parts, each of four or so: a line from each of those)."""
    inner = [c for c in chunks if (c.get("section") or "") != (section or "")]  # not its own opening
    one = {_part(c, section, 1) for c in inner}
    return 2 if len(one) < 3 and len({_part(c, section, 2) for c in inner}) > len(one) else 1


def _short_names(heading: str) -> tuple[frozenset[str], ...]:
    """The words of the shorter names a heading goes by: its last part, when a "?" or ":" splits it in
    two ("What is happening? The barriers and enablers"), and its words before "of" or "for" ("Health
    Inequalities subgroup of the Commissioning Assembly"), when two or more."""
    names = []
    parts = [p for p in re.split(r"[?:]", heading) if p.strip()]
    if len(parts) > 1:
        names.append(frozenset(T.tokenize(parts[-1])))
    head = re.split(r"\s+(?:of|for)\s+", heading, maxsplit=1)
    if len(head) > 1 and len(T.tokenize(head[0])) >= 2:
        names.append(frozenset(T.tokenize(head[0])))
    return tuple(n for n in names if n)


def heading_of(path: str) -> str:
    """A section's own heading without its numbering: "A > 2 Ask questions" -> "Ask questions"."""
    return HEADING_NUMBER.sub("", path.split(" > ")[-1]).strip()


def _with_parents(paths: list[str]) -> list[str]:
    """Every section path and each of its parents, parents first, once each."""
    parts = [p.split(" > ") for p in paths]
    return list(dict.fromkeys(" > ".join(p[: i + 1]) for p in parts for i in range(len(p))))


def _plain(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


@dataclass(frozen=True)
class Row:
    """A line of a summary: a sentence of `chunk`, and, when the summary goes part by part, the heading
    of the part it stands for ("No 10" for "No clear political wins…")."""

    chunk: dict
    text: str
    item: bool
    label: str = ""
    # of a part: its passages (of the parts that do not fit the short answer, the smallest wait)
    size: float = 0
    contents: tuple[str, ...] = ()  # of a part: its own parts' headings, said after its label

    @property
    def heading(self) -> str:
        """Its label with what the part contains: "Influences (Levelling up; Race and ethnicity; …)"."""
        return f"{self.label} ({'; '.join(self.contents)})" if self.contents else self.label


@dataclass
class _Line:
    chunk: dict
    text: str
    item: bool
    row: int  # its vector's row
    order: int  # its place in the document
    score: float = 0.0


OVERLAP_CHARS = 40
MAX_PARTS = 10  # lines of a part-by-part summary (what does not fit the short answer goes behind "More")
MAX_LIST_ITEMS = 10  # items of one list a summary gives
MAX_LISTED = 30  # lines of lists a summary gives in all: further lists are left out
LONG_LINE_PENALTY = 0.01  # per word over 25, when choosing a part's line


def summary_rows(
    retriever, doc_id: str | None, section: str | None, limit: int, page: int | None = None
) -> list[Row]:
    """`_summary_rows`; a section of one line ("Enabler 2: Gaining Knowledge": its aim) goes on with
    the section of the same heading elsewhere in the document (the appendix's deliverables under it)."""
    rows = _summary_rows(retriever, doc_id, section, limit, page)
    if section is None or page is not None or len(rows) > 1:
        return rows
    heading = heading_of(section)
    twins = dict.fromkeys(
        c.get("section")
        for c in retriever.chunks
        if c["doc_id"] == doc_id
        and heading_of(c.get("section") or "") == heading
        and not (c.get("section") or "").startswith(section)
    )
    for twin in twins:
        rows += _summary_rows(retriever, doc_id, twin, limit)
    return rows


def _summary_rows(
    retriever, doc_id: str | None, section: str | None, limit: int, page: int | None = None
) -> list[Row]:
    """The summary of a document, a section or a page, in source order (its lead line first):

    - a document or section with two or more parts below it (headings): its own statement of purpose,
      then one line from each part, labelled with the part's heading, so the reader sees what it covers;
    - a section without parts, a document without headings (a letter) or a page: its lead sentence,
      its lists whole with the line that introduces each, and its most central sentences (`limit` in all).

    A line's score: centrality (closeness to the mean meaning of the lines in scope), position (early
    lines state the purpose) and purpose cues ("This guide sets out…"). None when nothing is in scope."""
    by_chunk, vectors = retriever.units
    if vectors is None:
        return []
    if page == 0:
        page = max((c.get("page") or 0 for c in retriever.chunks if c["doc_id"] == doc_id), default=0) or -1
    lines: list[_Line] = []  # every line in scope, once, in source order
    # Passages overlap, and a line at an overlap's edge can be cut or joined to its neighbour
    # differently in each: a line that starts or ends as one already taken is that line again.
    seen: dict[str, str] = {}  # a line's start or end -> the passage it was taken from
    for c in retriever.chunks:
        sec = c.get("section") or ""
        if doc_id is not None and c["doc_id"] != doc_id:
            continue
        if page is not None and c.get("page") != page:
            continue
        if section is not None and sec != section and not sec.startswith(section + " > "):
            continue
        if SKIP_SECTION.search(sec) or T.looks_like_references(c):
            continue
        for text, item, row in by_chunk.get(c["chunk_id"], []):
            ends = {"^" + text[:OVERLAP_CHARS], text[-OVERLAP_CHARS:] + "$"}
            # (within one passage, lines may open alike: "To support NHS England and the wider NHS in…")
            again = any(seen.get(end, c["chunk_id"]) != c["chunk_id"] for end in ends)
            if not again and not (FURNITURE.search(text) or T.is_reference(text)):
                seen.update(dict.fromkeys(ends, c["chunk_id"]))
                lines.append(_Line(c, text, item, row, len(lines)))
    candidates = [u for u in lines if len(u.text.split()) >= 6 and not u.text.endswith(":")]
    if not candidates:
        return []
    # a section headed as a question of definition ("What are health inequalities?"): its subject
    m = DEFINITION_Q.search(heading_of(section)) if section else None
    subject = frozenset(T.tokenize(m.group(1) or m.group(2))) if m else frozenset()
    mat = vectors[[u.row for u in candidates]]
    centroid = mat.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    for i, (u, central) in enumerate(zip(candidates, mat @ centroid, strict=True)):
        # Central lines carry the main points; early ones and "This guide sets out…" state the purpose.
        u.score = float(central) + 0.3 / (1 + i / 10) + (0.2 if PURPOSE.search(u.text) else 0.0)
        if DANGLING.match(u.text) or CONNECTIVE.match(u.text) or SELF_DESCRIPTION.match(u.text):
            u.score -= 0.3  # "This means…" leans on a line the summary does not give; "In this section…"
        if subject and defines(u.text, subject):
            u.score += 0.3  # "What are health inequalities?" opens with what they are
    if page is None:
        below = _levels_below(list({u.chunk["chunk_id"]: u.chunk for u in candidates}.values()), section)
        parts: dict[str, list[_Line]] = {}
        for u in candidates:
            parts.setdefault(_part(u.chunk, section, below), []).append(u)
        headed = {k: v for k, v in parts.items() if k != v[0].chunk["chunk_id"]}
        if len(headed) >= 2:
            rows = _by_part(candidates, headed)
            naming = _naming_line(retriever, doc_id, section, list(headed)) if section else None
            return [naming, *rows] if naming else rows
    return _leaf(lines, candidates, limit, purpose_first=section is None)


def _naming_line(retriever, doc_id: str | None, section: str, parts: list[str]) -> Row | None:
    """The line elsewhere in the document that names the section's parts ("…three process-focused
    enablers: Listening and Learning, Gaining Knowledge and Making the System Work." for "The Enablers"):
    the section's overview, said where the document introduces it. Names at least two parts and half."""
    names = _short_heading_words([heading_of(p) for p in parts])
    by_chunk = retriever.units[0]
    best, best_named = None, max(2, (len(names) + 1) // 2) - 1
    for c in retriever.chunks:
        path = c.get("section") or ""
        if c["doc_id"] != doc_id or path == section or path.startswith(section + " > "):
            continue
        for text, item, _ in by_chunk.get(c["chunk_id"], []):
            named = _named(text, names)
            if named > best_named:
                best, best_named = Row(c, text, item), named
    return best


def _by_part(candidates: list[_Line], parts: dict[str, list[_Line]]) -> list[Row]:
    """The statement of purpose (a purpose cue before the parts or in the first two of them, else the
    best line before the first part), then the best line of each part under its heading."""
    headed = {id(u) for v in parts.values() for u in v}
    opening = [u for u in candidates if id(u) not in headed]
    # a document states its purpose before its parts, or in the first of them ("Summary", "Scope")
    first = [u for v in list(parts.values())[:2] for u in v]
    leads = [u for u in opening if PURPOSE.search(u.text)] or opening
    leads = leads or [u for u in first if PURPOSE.search(u.text)]
    lead = max(leads, key=lambda u: u.score, default=None)
    rows = [Row(lead.chunk, lead.text, lead.item)] if lead else []
    if lead and DANGLING.match(lead.text):  # "It outlines why…" after the line saying what "it" is
        before = next((u for u in candidates if u.order == lead.order - 1 and u.chunk is lead.chunk), None)
        rows[:0] = [Row(before.chunk, before.text, before.item)] if before else []
    for path, members in list(parts.items())[:MAX_PARTS]:
        if lead in members:
            continue
        # what the part is made of: its own parts' headings ("Influences (Levelling up; Race and ethnicity;
        # …)"), and the line naming them ("…three process-focused enablers: Listening and Learning, …")
        inner = [h for h in dict.fromkeys(_below(u.chunk.get("section") or "", path) for u in members) if h]
        names = _short_heading_words(inner)
        best = max(members, key=lambda u: _worth(u, names))
        heading = heading_of(path)
        # "WHY SHOULD TRUSTS ACT…?" is a typographer's capitals, not emphasis: said in sentence case
        contents = tuple(_sentence_case(h) for h in inner) if len(inner) >= 2 else ()
        # an appendix's many passages (deliverables, FAQs) are the document's detail, not its substance
        size = len({u.chunk["chunk_id"] for u in members}) * (
            APPENDIX_SHARE if APPENDIX.search(heading) else 1
        )
        rows.append(Row(best.chunk, best.text, True, _sentence_case(heading), size, contents))
    return rows


def _worth(u: _Line, names: list[frozenset[str]]) -> float:
    """A line's worth as its part's one line: its score, less for a line of many sentences (it leaves no
    room for the next part), more for one naming two or more of the part's own parts."""
    naming = _named(u.text, names) >= 2
    return u.score - LONG_LINE_PENALTY * max(0, len(u.text.split()) - 25) + (NAMING_BONUS if naming else 0)


def _short_heading_words(headings: list[str]) -> list[frozenset[str]]:
    """The words each heading names its part by: "Enabler 2: Gaining Knowledge" by "Gaining Knowledge"."""
    return [frozenset(T.tokenize(re.split(r":\s*", h)[-1])) for h in headings]


def _named(text: str, names: list[frozenset[str]]) -> int:
    """How many of `names` (each a heading's words) `text` says."""
    words = set(T.tokenize(text))
    return sum(bool(n) and n <= words for n in names)


NAMING_BONUS = 0.3
APPENDIX_SHARE = 0.1


def parts_shown(rows: list[Row], words: int) -> set[int]:
    """The rows of a part-by-part summary that the short answer shows (as `id`s): its opening lines,
    then its parts from the largest (most passages: the document's substance, not its one-paragraph
    "Principles") while they fit in `words`; always at least one part."""
    shown = {id(r) for r in rows if not r.size}
    used = sum(len(r.text.split()) for r in rows if not r.size)
    for r in sorted((r for r in rows if r.size), key=lambda r: -r.size):
        cost = len(r.text.split()) + len(
            r.label.split()
        )  # its contents are a list of names, read at a glance
        if used + cost > words and len(shown) > sum(1 for r in rows if not r.size):
            continue
        shown.add(id(r))
        used += cost
    return shown


def _sentence_case(heading: str) -> str:
    return heading.capitalize() if heading.isupper() else heading


def _below(section: str, path: str) -> str:
    """The heading one level below `path` on the way to `section` ("" when `section` is `path`)."""
    parts, depth = section.split(" > "), len(path.split(" > "))
    return (
        heading_of(" > ".join(parts[: depth + 1])) if len(parts) > depth and section.startswith(path) else ""
    )


def _leaf(lines: list[_Line], candidates: list[_Line], limit: int, purpose_first: bool = False) -> list[Row]:
    """The lead sentence first, then its lists (each whole, with the line before it: a letter's criteria,
    a section's actions), then its most central sentences: `limit` sentences besides the lists, each
    group in source order."""
    runs: list[list[_Line]] = []
    for u in lines:
        if u.item:
            if runs and runs[-1][-1].order == u.order - 1:
                runs[-1].append(u)
            else:
                runs.append([u])
    listed: set[int] = set()
    for run in runs:
        if len(listed) >= MAX_LISTED:
            break
        intro = lines[run[0].order - 1] if run[0].order and not lines[run[0].order - 1].item else None
        listed.update(u.order for u in ([intro] if intro else []) + run[:MAX_LIST_ITEMS])
    prose = sorted((u for u in candidates if not u.item and u.order not in listed), key=lambda u: -u.score)
    fill = max(1, limit - len(runs))
    lead = prose[0] if prose else None
    if purpose_first:
        # a document without parts (a letter): of its best three lines, the first that states its purpose
        # ("I would like to set out the basis of assessment…" before "Building on…, the aim is…")
        lead = next((u for u in sorted(prose[:3], key=lambda u: u.order) if PURPOSE.search(u.text)), lead)
    keep = listed | {u.order for u in prose[:fill]}
    rows = [Row(lead.chunk, lead.text, lead.item)] if lead else []
    rows += [Row(u.chunk, u.text, u.item) for u in lines if u.order in listed]
    rows += [Row(u.chunk, u.text, u.item) for u in lines if u.order in keep - listed and u is not lead]
    return rows
