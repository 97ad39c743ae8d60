"""Every weight and threshold of the engine, in one place, each with its reason.

Values marked "fitted" were chosen by 5-fold cross-validation over the pooled question sets
(the shared dev and independent sets plus the project's own in tests/eval/), and the held-out
folds are what docs/tuning.md reports; `benchmarks/fit_tuning.py` reruns the fit. Nothing here is
tuned to one question: a knob that helps one set and hurts another stays at its plain default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# What the fused ranking weighs for each candidate passage (bot.engine.retrieval.features):
FEATURES = (
    "dense",  # cosine of the question to the passage vector
    "sentence",  # cosine of the question to the passage's closest sentence
    "dense_rank",
    "bm25_rank",
    "sentence_rank",  # reciprocal ranks (k+1)/(k+rank), 1 at the top
    "coverage",  # IDF-weighted share of the question's terms in the passage
    "document",  # share of the question's terms that name the passage's document ("Hunt letter")
    "reference",  # 1 for reference lists and link dumps
    # Interactions with lexical confidence c (how much of the question BM25's best passages hold):
    # words count more when c is high; meaning counts more when words cannot see the question.
    "bm25_rank_if_confident",
    "coverage_if_confident",
    "dense_if_doubtful",
    "sentence_if_doubtful",
    "dense_rank_if_doubtful",
    "sentence_rank_if_doubtful",
)


@dataclass(frozen=True)
class Tuning:
    # --- fused ranking: one weight per FEATURES entry ---------------------------------------------
    # Fitted by tests/eval/fit_tuning.py (listwise softmax loss with L2 0.01, every set weighed the
    # same, then coordinate ascent on R@5 + MRR@10); held-out 5-fold R@5 0.864 / MRR@10 0.743 pooled
    # over 573 questions, against 0.843 / 0.723 for hand-set weights (docs/tuning.md has the table).
    # In FEATURES order. Ranks by meaning and words carry most; raw cosines add nothing once ranked;
    # reference lists are pushed down; meaning gains weight when words cannot see the question.
    fusion: tuple[float, ...] = (
        -0.075,
        0.003,
        1.842,
        0.332,
        1.045,
        1.174,
        1.312,
        -2.634,
        1.500,
        2.001,
        1.868,
        1.476,
        1.056,
        0.777,
    )

    # --- candidates ---------------------------------------------------------------------------
    depth: int = 50  # candidates taken from each ranking; > every eval set's needs at 255 passages
    # Reciprocal-rank constant. 60 (Cormack et al. 2009) flattens rank differences for long web
    # result lists; with ~250 passages the top few ranks carry the signal.
    rrf_k: int = 10
    # Lexical confidence below `confident_at` ramps meaning's extra weight up over `confidence_ramp`:
    # paraphrases sit at a median of 0.23, written-to-the-text questions at 0.8 (measured over the sets).
    confident_at: float = 0.45
    confidence_ramp: float = 0.2
    dedupe_jaccard: float = 0.6  # 5-word-shingle overlap above which a passage repeats one already kept

    # --- follow-ups ---------------------------------------------------------------------------
    # A follow-up's query vector: its own plus this times that of "previous question + follow-up".
    history_weight: float = 1.0
    # Added to the fused score of the passages of the document the previous question was answered
    # from (retrieval.conversation_document). 5-fold CV over the 93 follow-ups of tests/eval (folds
    # chose 1, 1.5, 2, 1, 1.5): held-out, follow-ups' cited gold quotes 0.830 -> 0.864, gold passage
    # in the top 5 0.875 -> 0.886; no effect on a question without history.
    conversation_document_weight: float = 1.5

    # --- answer or decline (fitted by tests/eval/fit_decline.py: 5-fold held-out, 610 questions) --------
    # Coordinate search maximising (off-topic declined) - 2 x (in-scope declined); held-out: 0.84 of
    # off-topic/adjacent questions declined, 0.05 of in-scope questions declined (0.29 of the
    # zero-overlap paraphrases: their evidence overlaps off-topic questions' with MiniLM).
    min_dense: float = 0.20  # best passage (or sentence less `sentence_offset`) cosine: nothing is close
    weak_dense: float = 0.45  # below this, ask more of the evidence ...
    min_coverage_when_weak: float = 0.3  # ... an IDF-weighted share of the question in a top passage
    min_sentence_when_weak: float = 0.55  # ... or one sentence this close in meaning
    # A short sentence matches a short question more closely than a whole passage does. Refitted over
    # 1,000 questions of twelve sets (0.1 -> 0.0; the other thresholds kept their values): 0.030 of
    # in-scope declined against 0.032, off-topic declined unchanged (0.903).
    sentence_offset: float = 0.0
    max_unknown_share: float = 0.5  # weak evidence and half the question in words the corpus never uses
    max_dense_with_unknown_names: float = 0.6  # a name the corpus never mentions needs a close passage

    # --- composition --------------------------------------------------------------------------
    answer_search_k: int = 8  # passages searched for an answer (actions may come from any of them)
    evidence_passages: int = 3  # the top passages whose closeness decides answer or decline
    confidence_passages: int = 5  # BM25's top passages that lexical confidence is measured on
    summary_sentences: int = 6  # sentences besides its lists in a summary of a section without parts
    # A summary's short answer: a line per part, or a list whole, needs more room than one point does.
    summary_short_words: int = 150
    max_suggestions: int = 3  # questions offered with a decline or with help
    answer_passages: int = 5  # top passages whose sentences may be quoted
    max_cited_passages: int = 3  # passages one answer quotes from
    short_words: int = 60  # the short answer stops growing once it has this many words ...
    max_short_words: int = 110  # ... and never exceeds this (the rest goes behind "More")
    max_full_words: int = 260
    # Fitted by tests/eval/fit_compose.py (5-fold, 573 questions): held-out, the short answer holds a
    # gold quote for 0.677 of answered questions and its first sentence for 0.443 (hand-set weights:
    # 0.674 / 0.429). Shared words count more than meaning within the found passages. The definition
    # bonus measured neutral (0 / 0.3 / 0.6: lead 0.445 / 0.445 / 0.447); it is kept at 0.3 because a
    # reader asking "what is X" or "how does Y define X" should meet the definition first.
    unit_similarity_weight: float = 0.5  # a sentence's meaning match to the question
    unit_overlap_weight: float = 1.0  # a sentence's share of the question's (IDF-weighted) terms
    unit_passage_rank_weight: float = 0.6  # the passage's rank: weight / (1 + rank)
    definition_bonus: float = 0.3  # "what is X": the sentence saying what X is
    first_sentence_bonus: float = 0.05
    # Fitted (5-fold, 653 questions, one coordinate pass from 0 / 1.0 / 0; every fold chose 1.0 / 0.25 /
    # 0.6): held-out, short answer holds a gold quote 0.704 -> 0.735, its first sentence 0.476 -> 0.502.
    unit_heading_weight: float = 1.0  # a question's word in the sentence's section heading (as if in it)
    unit_context_weight: float = 0.25  # a follow-up's words from the previous turn, against its own (1)
    figure_bonus: float = 0.6  # a sentence with a figure, for "how many…?" / "what %…?"
    short_fragment_penalty: float = 0.15  # fewer than 6 words rarely answer on their own
    names_only_penalty: float = 0.3  # a line of names and titles (addressees) leads only if asked for
    connective_penalty: float = 0.1  # "Lastly, …", "This means …": carries on from an unseen sentence
    min_unit_score: float = 0.2  # a sentence scoring less is not worth adding
    # A sentence joins the short answer when it scores this share of the best sentence (same passage /
    # another passage), and "More" at the lower shares: judged answers showed that sentences from
    # neighbouring passages were the commonest fault (irrelevant content, 43 of 55). Measured: gold quote
    # in the short answer 0.681 -> 0.653, in its first sentence 0.452 -> 0.450, median words 79 -> 63.
    # "More" is behind a button, so it reaches further: follow-ups' cited gold quotes 0.644 -> 0.733,
    # section requests 0.68 -> 0.84, independent sets 0.796 -> 0.831 (conversation set, ask citations).
    short_same: float = 0.5
    short_other: float = 0.7
    # The short answer quotes this many sections (its list carried on into the next passage counts as
    # one): judges scored 5-6 on 82% of answers quoting one section and 30% of those quoting two, where
    # the second section's line read as unrelated (irrelevant_content 48%).
    short_sections: int = 1
    short_per_passage: int = 2  # sentences of one passage in the short answer (its lists aside)
    more_per_passage: int = 3
    more_same: float = 0.2
    more_other: float = 0.35
    max_list_items: int = 10
    list_item_share: float = 0.5  # a list is given whole when 2+ items score this share of the best
    # Sources this many years apart (the 2014 letter and the 2024 guides): the newer leads when its
    # best sentence scores within `newer_margin` of the older one's.
    older_years: int = 5
    newer_margin: float = 0.15

    # --- actions ------------------------------------------------------------------------------
    max_actions: int = 3
    action_min_score: float = 1.5
    action_hit_weight: float = 3.0  # an action from a retrieved passage: 3 / its rank
    action_same_doc: float = 0.5
    # a question that does not ask what to do gets actions only from the passage that answers it
    action_answer_passages: int = 1
    action_intent: float = 1.0  # the question asks to ask / analyse / advocate

    @property
    def fusion_vector(self) -> np.ndarray:
        return np.asarray(self.fusion, dtype="float64")


DEFAULT = Tuning()
