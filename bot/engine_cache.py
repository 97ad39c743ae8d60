"""The process-wide engine for an index directory: builds the index on first use when it is missing,
gives the engine the prompt library's questions to suggest, and reloads when the build changes."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.config import Settings, get_settings
from bot.engine import Engine
from bot.engine.index import IndexMissing, current_build_dir

_ENGINES: dict[Path, Engine] = {}
_LOCK = threading.Lock()


def example_questions(prompts_dir: Path) -> list[str]:
    """The weekly prompts' questions: each is one hibot answers well, and they span the guidance."""
    import yaml

    out: list[str] = []
    for path in sorted(Path(prompts_dir).glob("*.y*ml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        question = data.get("question") if isinstance(data, dict) else None
        if isinstance(question, str) and question.strip() and question not in out:
            out.append(question.strip())
    return out


def load_build(settings: Settings, index_dir: Path, build: Path) -> Engine:
    """A new build's engine, loaded and warmed (its first answer already given), for a running server
    to swap in; it then becomes the directory's engine here too, so the old one can be freed."""
    engine = Engine(build, examples=example_questions(settings.prompts_dir))
    engine.warm()
    with _LOCK:
        _ENGINES[Path(index_dir).resolve()] = engine
    return engine


def get_engine(
    settings: Settings | None = None,
    index_dir: Path | None = None,
    build_if_missing: bool = True,
    progress=None,
) -> Engine:
    s = settings or get_settings()
    index_dir = Path(index_dir or s.index_dir).resolve()
    with _LOCK:
        try:
            build = current_build_dir(index_dir)
        except IndexMissing:
            if not build_if_missing:
                raise
            from ingest.pipeline import run_ingest  # only the first run of a fresh install pays for it

            run_ingest(s.corpus_dir, index_dir, s.model, progress=progress)
            build = current_build_dir(index_dir)
        engine = _ENGINES.get(index_dir)
        if engine is None or engine.retriever.build_dir != build:
            engine = _ENGINES[index_dir] = Engine(build, examples=example_questions(s.prompts_dir))
        return engine
