r"""The matching view of a message: what the identifier patterns and scope rules read.

People paste identifiers from records systems, PDFs and phones, so an NHS number can arrive with
non-breaking or thin spaces, zero-width characters, full-width digits, underscores or a line break
in the middle ("083\u00a0016\u00a06130", "083_016_6130"). Each pattern would otherwise need every such
variant; instead the text is normalised once and every span found in the view is mapped back, so
redaction replaces exactly the original characters (the zero-width ones inside an identifier included).

The identifier view (`view`):
- applies Unicode NFKC (full-width digits and letters, compatibility spaces);
- drops zero-width characters (U+200B..U+200D, U+2060, U+FEFF, soft hyphen, U+180E);
- turns every space-like character and line break into one ASCII space, one for one;
- turns every Unicode dash and the minus sign into "-";
- turns "_" into a space, except inside a token holding "@" ("jane_doe@trust.nhs.uk" stays one
  address for the email pattern).
Dots and brackets stay: they decide whether digits are a decimal, a date or a grouped number, so the
digit-layout patterns (nhs_number, contact) accept them as group separators themselves.

The scope rules read `normalise(text)`: the same, except that line breaks stay and underscores too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_ASCII_SPACES = {ord(c): " " for c in map(chr, range(128)) if c.isspace() and c != " "}
_ASCII_SPACES_KEEP_LINES = {k: ("\n" if chr(k) in LINE_BREAKS else v) for k, v in _ASCII_SPACES.items()}
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class View:
    """`text` to match on; `starts[i]`/`ends[i]` bound the original characters behind `text[i]`
    (both None when the view is the original one for one, the common ASCII case)."""

    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span behind the view's `text[start:end]` (a non-empty span)."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _canonical(ch: str, keep_lines: bool) -> str:
    if ch.isspace():
        return "\n" if keep_lines and ch in LINE_BREAKS else " "
    if ch == "\u2212" or unicodedata.category(ch) == "Pd":
        return "-"
    return ch


def _underscores(text: str) -> str:
    if "_" not in text:
        return text
    return _TOKEN.sub(lambda m: m.group() if "@" in m.group() else m.group().replace("_", " "), text)


def view(text: str) -> View:
    """The identifier view of `text` with its map back; see the module docstring."""
    return _view(text, for_identifiers=True)


def normalise(text: str) -> str:
    """The view's text for readers that need no map back (the scope rules, the retrieval query). Line
    breaks stay, as "\\n": the scope rules end a clause there. Underscores stay too: they only ever
    separate the digit groups of an identifier, and "<|im_start|>" must keep its own."""
    return _view(text, for_identifiers=False).text


def _view(text: str, for_identifiers: bool) -> View:
    if text.isascii():
        # One for one, so the identity map holds and no per-character work is needed.
        out = text.translate(_ASCII_SPACES if for_identifiers else _ASCII_SPACES_KEEP_LINES)
        return View(_underscores(out) if for_identifiers else out)
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, c in enumerate(text):
        if c in ZERO_WIDTH:
            continue
        for ch in c if c.isascii() else unicodedata.normalize("NFKC", c):
            chars.append(_canonical(ch, keep_lines=not for_identifiers))
            starts.append(i)
            ends.append(i + 1)
    out = "".join(chars)
    return View(_underscores(out) if for_identifiers else out, tuple(starts), tuple(ends))
