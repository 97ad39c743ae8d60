"""A saved web page's main content as markdown: readability-lxml finds the article (dropping
navigation, cookie banners, footers), and its blocks are written out with `#` headings, list items
and pipe table rows, so chunking sees the page's sections as it sees a curated markdown file."""

from __future__ import annotations

import re

from ingest.limits import IngestLimits
from ingest.load_error import LoadError

_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "figure", "figcaption"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_SKIP = {"script", "style", "noscript", "template", "nav", "form", "button", "svg"}
_DATE_META = (
    "article:published_time",
    "dcterms.issued",
    "dcterms.date",
    "dc.date",
    "dc.date.issued",
    "citation_publication_date",
    "date",
    "govuk:first-published-at",
)


def html_text(raw: str, limits: IngestLimits) -> tuple[str, dict]:
    """The page's markdown text and what its own head says (title, published)."""
    if len(raw) > limits.max_chars:
        raise LoadError(f"holds {len(raw):,} characters, over the limit of {limits.max_chars:,}")
    import lxml.html  # deferred: only web pages need lxml and readability
    from lxml.etree import ParserError
    from readability import Document as Readable

    try:
        page = Readable(raw)
        title = (page.short_title() or "").strip()
        article = lxml.html.fragment_fromstring(page.summary(html_partial=True))
        head = lxml.html.document_fromstring(raw)
    # readability asserts on some malformed markup, lxml raises its own errors: a refusal either way
    except (
        ParserError,
        SyntaxError,
        ValueError,
        TypeError,
        AttributeError,
        AssertionError,
        LookupError,
    ) as e:
        raise LoadError(f"its HTML could not be parsed: {type(e).__name__}") from None
    lines = _walk(article)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if title and not text.startswith("# "):
        text = f"# {title}\n\n{text}"
    meta = {"title": title} if title else {}
    published = _published(head)
    if published:
        meta["published"] = published
    return text + "\n", meta


def _walk(el, depth: int = 0) -> list[str]:
    """Markdown lines for `el` and everything in it, in document order."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _SKIP:
        return []
    if tag in _HEADINGS:
        text = _inline(el)
        return ["", "#" * _HEADINGS[tag] + " " + text, ""] if text else []
    if tag in ("ul", "ol"):
        return _list(el, depth)
    if tag == "table":
        return _table(el)
    if tag == "pre":
        return ["", el.text_content().rstrip(), ""]
    if tag == "blockquote":
        return ["> " + line if line else "" for line in _walk_children(el, depth)]
    if tag in _BLOCKS or not tag:
        return _walk_children(el, depth)
    text = _inline(el)  # an inline element met at block level (a bare <span>, <a>, <strong>)
    return [text] if text else []


def _walk_children(el, depth: int) -> list[str]:
    lines: list[str] = []
    run: list[str] = [el.text or ""]  # inline text between block children forms a paragraph

    def flush() -> None:
        text = " ".join("".join(run).split())
        if text:
            lines.extend(["", text, ""])
        run.clear()

    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _SKIP:
            run.append(child.tail or "")
        elif tag in _BLOCKS or tag in _HEADINGS or tag in ("ul", "ol", "table", "pre", "blockquote"):
            flush()
            lines.extend(_walk(child, depth))
            run.append(child.tail or "")
        else:
            run.append("\n" if tag == "br" else child.text_content())
            run.append(child.tail or "")
    flush()
    return lines


def _list(el, depth: int) -> list[str]:
    marker = "1." if el.tag == "ol" else "-"
    lines = [""] if depth == 0 else []
    for item in el:
        if item.tag != "li":
            continue
        nested = [c for c in item if c.tag in ("ul", "ol")]
        for sub in nested:
            item.remove(sub)  # said after the item's own text, one level deeper
        text = _inline(item)
        if text:
            lines.append("  " * depth + f"{marker} {text}")
        for sub in nested:
            lines.extend(_list(sub, depth + 1))
    return lines + ([""] if depth == 0 else [])


def _table(el) -> list[str]:
    rows = []
    for tr in el.iter("tr"):
        cells = [_inline(c).replace("|", "/") for c in tr if c.tag in ("td", "th")]
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return ["", *rows, ""] if rows else []


def _inline(el) -> str:
    return " ".join(el.text_content().split())


def _published(head) -> str | None:
    for node in head.iter("meta"):
        name = (node.get("property") or node.get("name") or "").strip().lower()
        if name in _DATE_META:
            value = (node.get("content") or "").strip()
            if re.match(r"\d{4}-\d{2}-\d{2}", value):
                return value[:10]
    for node in head.iter("time"):
        value = (node.get("datetime") or "").strip()
        if re.match(r"\d{4}-\d{2}-\d{2}", value):
            return value[:10]
    return None
