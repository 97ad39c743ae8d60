"""Hostile and broken corpus files against `hibot ingest`: each is skipped with its reason within bounded
time and memory (ingest/limits.py), never an abort; links out of the corpus are never followed; two
ingests at once neither collide nor crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingest.limits import MB, IngestLimits
from ingest.loaders import LoadError, load_document, scan_corpus
from ingest.lock import ingest_lock
from ingest.progress import IngestBusy
from tests.support import hostile_files as hostile

# Small limits keep each case to a second or two; the defaults are measured in benchmarks/hostile_ingest.py.
LIMITS = IngestLimits(
    max_file_bytes=2 * MB, max_pages=50, max_stream_bytes=4 * MB, max_chars=200_000, pdf_seconds=3.0
)
GOOD = "# Core20PLUS5\n\nCore20PLUS5 is a national NHS England approach to reducing health inequalities.\n"


def refused(path: Path, limits: IngestLimits = LIMITS) -> tuple[str, float]:
    t0 = time.monotonic()
    with pytest.raises(LoadError) as e:
        load_document(path, limits=limits)
    return str(e.value), time.monotonic() - t0


def test_a_decompression_bomb_is_skipped_not_an_abort(tmp_path):
    reason, took = refused(hostile.decompression_bomb(tmp_path / "bomb.pdf", megabytes=40))
    assert "limit" in reason and took < 10


def test_a_pdf_flooding_text_is_skipped_at_the_character_limit(tmp_path):
    reason, _ = refused(hostile.text_flood(tmp_path / "flood.pdf", chars=400_000))
    assert "characters" in reason


def test_a_pdf_that_takes_too_long_is_stopped_at_its_deadline(tmp_path):
    reason, took = refused(hostile.slow_page(tmp_path / "slow.pdf", operators=300_000))
    assert "longer than 3 s" in reason and took < LIMITS.pdf_seconds + 5


def test_a_pdf_needing_too_much_memory_is_stopped(tmp_path):
    limits = IngestLimits(max_stream_bytes=400 * MB, pdf_memory_bytes=100 * MB)  # the stream limit off
    reason, _ = refused(hostile.decompression_bomb(tmp_path / "bomb.pdf", megabytes=120), limits)
    assert "more than 100.0 MB of memory" in reason


def test_too_many_pages_too_big_or_too_much_text_are_each_skipped_with_the_reason(tmp_path):
    assert "pages" in refused(hostile.many_pages(tmp_path / "pages.pdf", pages=60))[0]
    assert "over the limit of 2.0 MB" in refused(hostile.big_text(tmp_path / "big.txt", megabytes=3))[0]
    (tmp_path / "wide.md").write_text("word " * 50_000)  # 250 k characters in 0.25 MB
    assert "characters" in refused(tmp_path / "wide.md")[0]


def test_links_and_paths_out_of_the_corpus_are_refused_before_anything_reads_them(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "secret"
    corpus.mkdir()
    outside.mkdir()
    (outside / "passwords.txt").write_text("not for the index")
    (corpus / "guide.md").write_text(GOOD)
    (corpus / "link.txt").symlink_to(outside / "passwords.txt")
    (corpus / "inner.md").symlink_to(corpus / "guide.md")
    (corpus / "shared").symlink_to(outside, target_is_directory=True)
    (outside / "more.md").write_text(GOOD)
    (corpus / "huge.txt").write_bytes(b"x" * (3 * MB))
    files, refusals = scan_corpus(corpus, LIMITS)
    assert [p.name for p in files] == ["guide.md"]
    reasons = {r["file"]: r["reason"] for r in refusals}
    assert set(reasons) >= {"link.txt", "inner.md", "huge.txt"}
    assert not any("more.md" in f for f in reasons) or "outside" in reasons.get("shared/more.md", "outside")
    assert "symbolic link" in reasons["link.txt"] and "2.0 MB" in reasons["huge.txt"]


def test_a_second_ingest_waits_for_the_first_or_says_who_holds_the_index(tmp_path):
    index = tmp_path / "index"
    with ingest_lock(index):
        t0 = time.monotonic()
        with pytest.raises(IngestBusy, match=f"pid {os.getpid()}"):
            with ingest_lock(index, wait_s=0.3):
                pass
        assert time.monotonic() - t0 < 5
        released = threading.Event()

        def second():
            with ingest_lock(index, wait_s=30):
                released.set()

        waiter = threading.Thread(target=second)
        waiter.start()
        time.sleep(0.3)
        assert not released.is_set()  # still waiting for the first
    waiter.join(10)
    assert released.is_set()


def test_hostile_files_beside_good_ones_and_two_concurrent_ingests_still_build_the_index(tmp_path):
    """The command as an operator runs it, twice at once, with every kind of bad file in the corpus."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "guide.md").write_text(GOOD)
    hostile.decompression_bomb(corpus / "bomb.pdf", megabytes=40)
    hostile.big_text(corpus / "big.txt", megabytes=3)
    (corpus / "link.md").symlink_to(corpus / "guide.md")
    env = {
        **os.environ,
        "HIBOT_INGEST_MAX_FILE_MB": "2",
        "HIBOT_INGEST_MAX_STREAM_MB": "4",
        "HF_HUB_OFFLINE": "1",
    }
    cmd = [
        sys.executable,
        "-m",
        "bot.cli",
        "ingest",
        "--corpus",
        str(corpus),
        "--index",
        str(index),
        "--rebuild",
    ]
    cmd += ["--json"]
    runs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [r.communicate(timeout=300) for r in runs]
    for r, (_, err) in zip(runs, outs, strict=True):
        assert r.returncode == 0, err.decode()[-2000:]
    reports = [json.loads(out) for out, _ in outs]
    assert reports[0]["build_id"] != reports[1]["build_id"]
    for report in reports:
        assert report["indexed"] == ["guide.md"]
        assert {s["file"] for s in report["skipped"]} == {"bomb.pdf", "big.txt", "link.md"}
    live = (index / "CURRENT").read_text().strip()
    assert live in {r["build_id"] for r in reports}
