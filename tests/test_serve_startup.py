"""`hibot serve` started on a broken installation: one clear log line and exit status 1 — never a
traceback, and never an index build before the port opens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def serve(tmp_path: Path, **env: str) -> tuple[int, list[str]]:
    values = {
        **os.environ,
        "HIBOT_DATA_DIR": str(tmp_path / "data"),
        "HIBOT_INDEX_DIR": str(tmp_path / "index"),
        "HIBOT_DATABASE_URL": "",
        "HIBOT_PORT": "0",
        "HIBOT_HOST": "127.0.0.1",
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
        "MicrosoftAppId": "",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"], env=values, capture_output=True, text=True, timeout=120
    )
    return done.returncode, [line for line in done.stderr.splitlines() if line.strip()]


def reason(lines: list[str]) -> str:
    [failed] = [json.loads(line) for line in lines if '"startup_failed"' in line]
    return failed["reason"]


def test_an_empty_index_directory_is_one_clear_line_not_a_build(tmp_path):
    (tmp_path / "index").mkdir()
    status, lines = serve(tmp_path)
    assert status == 1 and "Traceback" not in "\n".join(lines)
    assert "run `hibot ingest`" in reason(lines)
    assert not (tmp_path / "index" / "builds").exists()


def test_a_corrupt_index_is_one_clear_line(tmp_path):
    build = tmp_path / "index" / "builds" / "b1"
    build.mkdir(parents=True)
    (tmp_path / "index" / "CURRENT").write_text("b1")
    (build / "manifest.json").write_text('{"build_id": "b1", "documents": {}}')
    (build / "chunks.jsonl").write_text('{"chunk_id": "x", "text": "trunc')
    status, lines = serve(tmp_path)
    assert status == 1 and "Traceback" not in "\n".join(lines)
    assert "cannot be read" in reason(lines) and "hibot ingest --rebuild" in reason(lines)


def test_an_unwritable_data_directory_is_one_clear_line(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    status, lines = serve(tmp_path, HIBOT_DATA_DIR=str(blocker / "data"))
    assert status == 1 and "Traceback" not in "\n".join(lines)
    assert "is not writable" in reason(lines)
