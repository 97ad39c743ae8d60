"""The words hibot says when it does not answer from the guidance: one message per reason, each
saying what it can do instead. The list of documents comes from the index build, never by hand."""

from __future__ import annotations

from datetime import date


def short_name(doc: dict) -> str:
    """What people call a document: its first alias ("the Hunt letter"), else its title."""
    aliases = doc.get("aliases") or []
    return f"the {aliases[0]}" if aliases else str(doc.get("title") or doc.get("doc_id") or "a document")


def coverage(documents: dict[str, dict]) -> str:
    """ "I answer from: …" built from the build's documents, newest first."""
    docs = sorted(
        documents.values(), key=lambda d: str(d.get("published") or d.get("year") or ""), reverse=True
    )
    names = [f"{short_name(d)} ({d['year']})" if d.get("year") else short_name(d) for d in docs]
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
    return f"I answer questions about reducing health inequalities from the official guidance: {listed}."


def newest(documents: dict[str, dict]) -> dict | None:
    dated = [d for d in documents.values() if d.get("published") or d.get("year")]
    return max(dated, key=lambda d: str(d.get("published") or d.get("year")), default=None)


def message(reason: str, documents: dict[str, dict]) -> str:
    scope = coverage(documents)
    latest = newest(documents)
    when = _when(latest) if latest else ""
    texts = {
        "individual_patient": "I can't advise on an individual patient: decisions about one person's care "
        "belong with their clinical team and your local pathways. I can tell you what the guidance says "
        "in general, for example who a programme is for or what services should do.",
        "clinical_advice": "I don't give clinical advice (doses, diagnosis or treatment). "
        "Check NICE guidance, "
        "the BNF or your local formulary and pathways. I can tell you what the guidance says about "
        "reducing health inequalities in care.",
        "opinion": "I don't give opinions or judgements. I can tell you what the guidance itself says, "
        "with the passages quoted.",
        "other_nation": "The guidance I cover is for the NHS in England; it says nothing about health "
        "systems elsewhere. For Scotland, Wales or Northern Ireland, check that nation's government and NHS "
        "guidance.",
        "after_corpus_date": f"My newest document is {short_name(latest) if latest else 'undated'}{when}, "
        "so I "
        "can't tell you about anything after it. Check NHS England's website for current information.",
        "statistics_not_in_guidance": "The guidance I cover doesn't give that figure. "
        "For data, try the Office "
        "for Health Improvement and Disparities' Fingertips profiles or your trust's or ICB's analysts.",
        "not_in_guidance_detail": "The guidance mentions this but doesn't give the detail you asked for. "
        "Here is where it is mentioned; the original source will have the detail.",
        "injection": "I don't change how I work on request. " + scope,
        "out_of_scope": "That's outside what I cover. " + scope,
        "no_evidence": "I couldn't find an answer to that in the guidance I cover. "
        + scope
        + " For other topics, check NHS England's website or ask your trust's health inequalities lead.",
        "empty": "Ask me a question about reducing health inequalities, for example: What is Core20PLUS5?",
        "pii_only": "Your message seems to contain only patient details, which I removed. I can't help with "
        "an individual patient. " + scope,
        "greeting": "Hello! I'm hibot. " + scope + " Every answer quotes the guidance and cites it.",
        "help": scope + " Ask in your own words; follow-up questions work too. Every answer quotes the "
        "passages it comes from, with links, and suggests something you can ask, advocate or analyse. "
        "I can't advise on individual patients or give clinical advice.",
        "thanks": "You're welcome. Ask another question whenever you like.",
        "non_english": "Sorry, I can only read English for now. Please ask your question in English, "
        "for example: What is Core20PLUS5?",
    }
    return texts[reason]


def _when(doc: dict) -> str:
    published = doc.get("published")
    try:
        return " (" + date.fromisoformat(str(published)[:10]).strftime("%B %Y") + ")"
    except ValueError:
        return f" ({doc['year']})" if doc.get("year") else ""
