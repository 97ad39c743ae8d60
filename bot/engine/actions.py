"""Pick up to three suggested actions (ask / advocate / analyse) for a question from the action
library built at ingest. Each action is verbatim corpus text, keeps its source passage for the
citation, and is addressed to a reader (clinician, leader or board): another organisation's own
deliverables are not in the library, and an action for one reader is not offered to another."""

from __future__ import annotations

import math
import re

from bot.engine import text as T
from bot.engine.retrieval import SearchResult
from bot.engine.tuning import Tuning

INTENT = {
    "ask": re.compile(r"\b(ask|question|board|lead|who|find out)\b", re.I),
    "analyse": re.compile(
        r"\b(data|analy[sz]e|analysis|measure|monitor|audit|evidence|ethnicity|record)\b", re.I
    ),
    "advocate": re.compile(
        r"\b(advocat\w*|ambassador|raise|awareness|champion|case|influence|colleagues)\b", re.I
    ),
}
# Who the question comes from, when it says: the readers whose actions fit.
READERS = [
    (
        re.compile(r"\b(?:board|non-?exec\w*|NEDs?|directors?|chairs?|trust leaders?|governors?)\b", re.I),
        {"board", "leader"},
    ),
    (
        re.compile(
            r"\b(?:leaders?|managers?|executives?|execs?|ICBs?|commissioners?|lead for|I\s+lead\b|"
            r"(?:HI|health inequalit(?:y|ies)|population health) lead)\b",
            re.I,
        ),
        {"leader", "board"},
    ),
    (
        re.compile(
            r"\b(?:clinicians?|doctors?|GPs?|nurses?|midwi(?:fe|ves)|consultants?|registrars?|juniors?|"
            r"physicians?|AHPs?|pharmacists?|physios?|therapists?|health visitors?|paramedics?|"
            r"practitioners?|as a (?:\w+ ){0,2}(?:doctor|nurse|midwife|clinician|GP))\b",
            re.I,
        ),
        {"clinician"},
    ),
]


# A cue for a conversation with a patient fits a question about care or consultations, not one
# about boards, policy or figures (judged answers: the commonest odd action).
PATIENT_CUE = re.compile(r"\bpatient(?:s|'s|’s)?\b|^Ask (?:if|whether) (?:they|he|she)\b", re.I)
# A suggestion is an instruction ("Speak to…", "Ask…"); a sentence that states something ("Appointing
# a lead is a requirement…", "Regularly discussing … will help…") was listed as one but is not.
STATEMENT = re.compile(r"^(?:\w+ly\s+)?(?:\w{3,}ing|this|these|that|the|it|there|a|an|our|we|i)\b", re.I)
ABOUT_CARE = re.compile(
    r"\b(?:patients?|consultations?|clinics?|appointments?|wards?|conversations?|talk|"
    r"speak|ask(?:ing)?|families|carers?|people I see)\b",
    re.I,
)


def prepare(library: list[dict]) -> list[dict]:
    for it in library:
        # what it is about, less its labels: "(Objective 6.1)" is no cue for "what are the objectives…?"
        it["_tokens"] = frozenset(T.tokenize(LABEL.sub(" ", it["text"]) + " " + (it.get("section") or "")))
    return [it for it in library if it.get("audience") and not STATEMENT.search(it["text"])]


def readers(question: str) -> set[str]:
    # "What should I ask my trust board?" comes from someone who reports to the board, not from it
    about_board = BOARD_AS_OTHERS.search(question)
    text = about_board.re.sub(" ", question) if about_board else question
    # the role named first is the reader's: "I'm a respiratory registrar and my trust has no board-level
    # lead…" comes from a registrar
    found = [(m.start(), who) for pattern, who in READERS for m in [pattern.search(text)] if m]
    if found:
        return set(min(found, key=lambda f: f[0])[1])
    return set(ALL_READERS - {"board"}) if about_board else set(ALL_READERS)


BOARD_AS_OTHERS = re.compile(
    r"\b(?:(?:ask|tell|to|with|at)\s+(?:the\s+|my\s+)?|my\s+)(?:trust\s+|hospital\s+)?board\b", re.I
)


ALL_READERS = frozenset({"clinician", "leader", "board"})
# The reader is the organisation's health inequalities lead ("I'm our trust's HI lead", "I lead on health
# inequalities", "HI lead here"): the actions that send a reader to that lead are not for them.
READER_IS_THE_LEAD = re.compile(
    r"\b(?:I'?m|I am|as)\s+(?:(?:the|our|a|an|my)\s+)?(?:[\w'’-]+\s+){0,3}?"
    r"(?:HI|health inequalit(?:y|ies)|population health)\s+lead\b"
    r"|\b(?:HI|health inequalit(?:y|ies)) lead here\b|\bI\s+lead\s+(?:on|for)\s+(?:HI|health inequalit)",
    re.I,
)
FINDS_THE_LEAD = re.compile(
    r"\bwho\s+(?:is\s+leading|leads|the\s+(?:health inequalities|population health)"
    r"(?:\s+or\s+\w+\s+\w+)?\s+lead)|\bwith the health inequalities lead\b",
    re.I,
)


# A recommendation's reference label: "(Objective 6.1)", "(Objectives 3.9 and 9.3)", "(NHS England, 2021a)".
LABEL = re.compile(r"\((?:Objectives?\s[\d.,\sand]+|[^()]*\b(?:19|20)\d\d[a-z]?)\)")
# The reader asks what they (or their organisation) can do, not only what a document says.
# "Should we use the NHS Providers tool or something else?" asks which, not what to do.
ASKS_WHICH = re.compile(
    r"\b(?:should|can|could|do)\s+(?:I|we)\s+(?:use|be using|choose|pick)\b[^?]*\bor\b", re.I
)
ASKS_WHAT_TO_DO = re.compile(
    r"\b(?:what|how)\s+(?:can|should|could|do|might|would|to)\b|\b(?:can|should|could|do|might)\s+(?:I|we)\b|"
    r"\b(?:steps|start(?:ing)?|practical(?:ly)?|in practice|get involved|make a difference|tips?)\b",
    re.I,
)


# An action that leans on the text around it, which the reader does not see beside it.
POINTS_BACK = re.compile(r"\b(?:like|such as) (?:this|these|that)\b", re.I)
# Words every question and recommendation of the library shares: no sign that an action fits.
LIBRARY_WORDS = frozenset(T.tokenize("health inequalities inequality nhs trust trusts patients people work"))


def pick(
    library: list[dict], question: str, result: SearchResult, idf: dict[str, float], t: Tuning
) -> list[dict]:
    """Actions that fit both the question and its reader; none rather than an odd one. Unless the reader
    asks what to do ("how can…", "should we…", "steps", "in practice"), only a recommendation in the
    passage that answers, on the question's topic, is offered: a board guide's "Develop an organisational
    plan" does not follow "what criteria did the 2014 letter set?", nor "what did Amanda Pritchard say?"."""
    if not library:
        return []
    hit_rank = {h.chunk_id: h.rank for h in result.hits}
    hit_docs = {h.chunk["doc_id"] for h in result.hits[:3]}
    q = set(T.tokenize(question))
    who = readers(question)
    asks_to_do = bool(ASKS_WHAT_TO_DO.search(question)) and not ASKS_WHICH.search(question)
    scored = []
    is_the_lead = bool(READER_IS_THE_LEAD.search(question))
    for it in library:
        if it["audience"] not in who or (PATIENT_CUE.search(it["text"]) and not ABOUT_CARE.search(question)):
            continue
        if is_the_lead and FINDS_THE_LEAD.search(it["text"]):
            continue  # "Work with the health inequalities lead" to the health inequalities lead
        if POINTS_BACK.search(it["text"]):
            continue  # "…find out if work like this is already taking place": like what, out of its passage?
        shared = q & it["_tokens"]
        overlap = math.fsum(idf.get(tok, 1.0) for tok in shared)  # order-free, as in compose
        in_hits = it["chunk_id"] in hit_rank
        if not shared - LIBRARY_WORDS:
            continue  # an action sharing nothing with the question but "health inequalities" is an odd one
        if not (asks_to_do or (overlap and in_hits and hit_rank[it["chunk_id"]] <= t.action_answer_passages)):
            continue  # a factual question gets only the recommendation that answers it, on its topic
        score = overlap + (t.action_hit_weight / hit_rank[it["chunk_id"]] if in_hits else 0.0)
        score += t.action_same_doc if it["doc_id"] in hit_docs else 0.0
        score += t.action_intent if INTENT[it["type"]].search(question) else 0.0
        if score >= t.action_min_score:
            scored.append((score, it))
    scored.sort(key=lambda s: -s[0])
    picked: list[dict] = []
    types: set[str] = set()
    # One of each kind, so a reader sees a question to ask, a case to make, data to look at.
    for _, it in scored:
        if it["type"] not in types:
            picked.append(it)
            types.add(it["type"])
        if len(picked) >= t.max_actions:
            break
    return [{k: v for k, v in it.items() if not k.startswith("_")} for it in picked]
