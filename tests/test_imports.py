"""Project modules are imported at the top of a file, so the dependency graph is visible; the
exceptions are deferred for start-up time and are listed here, once, each with its reason."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# imported module (or package prefix) -> why it is loaded only when needed
DEFERRED = {
    "ingest.pipeline": "langchain, the loaders and onnxruntime: only building an index pays for them",
    "ingest.embedding": "onnxruntime and the model's export, as above",
    "ingest.torch_export": "sentence-transformers and torch: only a model ingest cannot write to ONNX itself",
    "bot.engine_cache": "loads the index and the query encoder",
    "bot.server": "aiohttp, slack-bolt and botbuilder: only `hibot serve` needs them",
    "bot.runtime": "the platform clients, as above",
    "bot.slack": "slack-bolt / slack-sdk: only the server and weekly sends need them",
    "bot.teams": "botbuilder (archived upstream; kept inside bot/teams): server and Teams sends only",
    "bot.prompts": "YAML schema validation and the scheduler: only prompt commands need them",
    "bot.storage": "SQLAlchemy and Alembic: `hibot ask` never touches the database",
    "bot.report": "the store and the report's grouping: only `hibot report` and the digest",
    "bot.sources.store": "the document store's SQLAlchemy tables: only library changes and builds",
    "bot.sources.intake": "the patient-data checks and document readers: only a file being added",
    "bot.sources.ingest_publish": "the store and the build files: only `hibot ingest` beside a database",
    "bot.sources.coordinator": "the build coordinator and its tables: only a serving replica builds",
    "benchmarks": "the benchmark harness and its fakes: only `hibot bench`",
}


def deferred_project_imports() -> list[tuple[str, str]]:
    found = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("ingest/**/*.py"), *ROOT.glob("benchmarks/**/*.py")]:
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    if node.module.split(".")[0] in {"bot", "ingest", "benchmarks"}:
                        found.append((str(path.relative_to(ROOT)), node.module))
    return found


def test_project_modules_are_deferred_only_where_the_allow_list_says_why():
    stray = [
        (where, module)
        for where, module in deferred_project_imports()
        if not any(module == m or module.startswith(m + ".") for m in DEFERRED)
        and not where.startswith(module.replace(".", "/"))  # a package's lazy export of its own module
    ]
    assert not stray, f"import these at the top of the file, or add them to DEFERRED with a reason: {stray}"
