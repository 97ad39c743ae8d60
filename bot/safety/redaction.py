"""Finding every patient identifier in a message and replacing each with its placeholder."""

from __future__ import annotations

from bot.safety.contact import email_findings, phone_findings, postcode_findings
from bot.safety.dates import dob_findings
from bot.safety.kinds import PLACEHOLDERS, PRIORITY, Finding, Redaction
from bot.safety.names import name_findings
from bot.safety.nhs_number import nhs_findings
from bot.safety.normalise import View, view


def _merge(findings: list[Finding]) -> list[Finding]:
    """Overlapping detections become one span (so no digit of either survives), named by the longest."""
    merged: list[tuple[int, int, Finding]] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and f.start < merged[-1][1]:
            start, end, best = merged[-1]
            if (f.end - f.start, -PRIORITY[f.kind]) > (best.end - best.start, -PRIORITY[best.kind]):
                best = f
            merged[-1] = (start, max(end, f.end), best)
        else:
            merged.append((f.start, f.end, f))
    return [Finding(best.kind, s, e) for s, e, best in merged]


def _with_brackets(text: str, f: Finding) -> Finding:
    """Take in the bracket opened or closed inside the span ("(083) 016 6130" starts at the 0), so the
    placeholder does not leave half a pair behind."""
    inside = text[f.start : f.end]
    start, end = f.start, f.end
    if inside.count(")") > inside.count("(") and start > 0 and text[start - 1] == "(":
        start -= 1
    if inside.count("(") > inside.count(")") and end < len(text) and text[end] == ")":
        end += 1
    return Finding(f.kind, start, end)


def _view_findings(v: View) -> list[Finding]:
    text = v.text
    found: list[Finding] = []
    if any(c.isdigit() for c in text):
        found += nhs_findings(text)
        found += phone_findings(text)
        found += dob_findings(text)
        found += postcode_findings(text)
    found += email_findings(text)
    found += name_findings(text)
    return found


def find_identifiers(text: str) -> list[Finding]:
    """Patient identifiers in `text`, non-overlapping and in order, as spans of `text` itself
    (they are found in its normalised view and mapped back)."""
    if not text:
        return []
    v = view(text)
    found = [Finding(f.kind, *v.span(f.start, f.end)) for f in _merge(_view_findings(v))]
    return _merge([_with_brackets(text, f) for f in found])


def redact(text: str) -> Redaction:
    """Replace every identifier with its placeholder. Idempotent: placeholders hold no digits or cues."""
    findings = find_identifiers(text or "")
    if not findings:
        return Redaction(text=text or "", findings=[], had_pii=False)
    parts: list[str] = []
    kinds: list[str] = []
    last = 0
    for f in findings:
        parts += [text[last : f.start], PLACEHOLDERS[f.kind]]
        last = f.end
        if f.kind not in kinds:
            kinds.append(f.kind)
    parts.append(text[last:])
    return Redaction(text="".join(parts), findings=kinds, had_pii=True)
