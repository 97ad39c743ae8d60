"""`hibot` — the command line. Every command has --help; anything a script reads has --json."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli_common import JsonOpt, err, out
from bot.cli_common import fail as _fail
from bot.cli_data import data_app
from bot.config import get_settings
from bot.config_check import report
from bot.evaluation import evaluate, load_questions
from bot.render_text import render_answer
from bot.sources.cli import sources_app
from ingest.progress import NothingIndexed
from ingest.progress import Progress as IngestProgress

app = typer.Typer(
    help="hibot: answers about reducing health inequalities, quoted from the official guidance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Inspect configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(data_app)  # db upgrade, audit show, purge, forget: bot/cli_data.py

QuestionsOpt = Annotated[
    Path | None, typer.Option("--questions", help="JSONL file: one {id, question} per line.")
]


# --- ingest ----------------------------------------------------------------------------------
class _RichProgress(IngestProgress):
    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar: Any = None  # a rich Progress, made on start: rich is imported only when embedding

    def start(self, total: int) -> None:
        if not self.enabled or total == 0:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("Embedding passages and sentences"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        self.bar.start()
        self.task = self.bar.add_task("embed", total=total)

    def advance(self, n: int) -> None:
        if self.bar:
            self.bar.advance(self.task, n)

    def skipped(self, file: str, reason: str) -> None:
        if self.enabled:
            err.print(f"[yellow]Skipped[/yellow] {file}: {reason}")

    def stop(self) -> None:
        if self.bar:
            self.bar.stop()


def _ingest(corpus: Path, index: Path, rebuild: bool, quiet: bool):
    try:
        from ingest.pipeline import run_ingest
    except ModuleNotFoundError as e:  # a serving-only install: indexes are built elsewhere
        _fail(
            f"building an index needs the ingest extra ({e.name} is missing): pip install 'hibot\\[ingest]'",
            2,
        )
    try:
        return run_ingest(
            corpus,
            index,
            get_settings().model,
            rebuild=rebuild,
            progress=_RichProgress(enabled=not quiet and err.is_terminal or not quiet),
        )
    except NothingIndexed as e:
        _fail(str(e), 2)
    except Exception as e:  # model missing and the like: a clear line, not a traceback
        from ingest.embedding import ModelNotFound

        if isinstance(e, ModelNotFound):
            _fail(str(e), 2)
        raise


@app.command()
def ingest(
    corpus: Annotated[
        Path | None, typer.Option(help="Corpus folder (.md, .txt, .pdf, .docx, .html).")
    ] = None,
    index: Annotated[Path | None, typer.Option(help="Index folder.")] = None,
    rebuild: Annotated[bool, typer.Option(help="Re-embed everything, ignoring unchanged files.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Build or update the index from the corpus (incremental; atomic swap when complete)."""
    s = get_settings()
    corpus, index = corpus or s.corpus_dir, index or s.index_dir
    store = None
    refused: list[dict] = []
    # Leads' documents live in the database (HIBOT_DATABASE_URL, or the default SQLite file once a
    # server has made it): an operator's rebuild includes them and is published to the replicas.
    if s.database_url or (s.data_dir / "hibot.db").exists():
        from bot.sources.ingest_publish import corpus_to_ingest, open_shared_store, publish_ingested

        store = open_shared_store(s)
        corpus, refused = corpus_to_ingest(store, corpus, index)
    report = _ingest(corpus, index, rebuild, quiet=as_json)
    if store is not None:
        report.skipped = refused + report.skipped
    published = store is not None and publish_ingested(
        store, index, report.build_id, report.status == "built"
    )
    if as_json:
        out.print_json(json.dumps({**report.to_dict(), **({"published": published} if store else {})}))
    else:
        if published:
            out.print(f"Published build {report.build_id} to the database: every replica serves it shortly.")
        if report.status == "unchanged":
            out.print(
                f"Index up to date ({report.chunks} passages from {report.files} files, "
                f"build {report.build_id}); nothing to do."
            )
        else:
            out.print(
                f"Indexed {len(report.indexed)} of {report.files} files: {report.chunks} passages "
                f"({len(report.embedded)} embedded, {len(report.reused)} unchanged) "
                f"in {report.seconds:.1f} s."
            )
        for s_ in report.skipped:
            out.print(f"[yellow]Skipped[/yellow] {s_['file']}: {s_['reason']}")


# --- asking ----------------------------------------------------------------------------------
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (default HIBOT_INDEX_DIR).")]


def _engine(index: Path | None = None):
    from bot.engine_cache import get_engine

    try:
        return get_engine(index_dir=index, progress=_RichProgress(enabled=True))
    except NothingIndexed as e:
        _fail(f"could not build the index: {e}", 2)


def _read_questions(path: Path) -> list[dict]:
    try:
        rows = load_questions(path)
    except (OSError, ValueError) as e:
        _fail(str(e), 2)
    for i, row in enumerate(rows, 1):
        if "question" not in row:
            _fail(f"{path}: line {i} has no 'question'", 2)
        row.setdefault("id", str(i))
    return rows


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="Your question.")] = None,
    questions: QuestionsOpt = None,
    as_json: JsonOpt = False,
    full: Annotated[
        bool, typer.Option("--full", help="The whole answer, not only its short first part.")
    ] = False,
    index: IndexOpt = None,
) -> None:
    """Answer a question with quoted, cited passages and suggested actions."""
    if not question and not questions:
        _fail('give a question, e.g. hibot ask "What is Core20PLUS5?", or --questions FILE.jsonl', 2)
    engine = _engine(index)
    if questions:
        for row in _read_questions(questions):
            ans = engine.answer(row["question"], history=row.get("history"))
            sys.stdout.write(json.dumps({"id": row["id"], **ans.to_dict()}, ensure_ascii=False) + "\n")
        return
    ans = engine.answer(question)
    if as_json:
        sys.stdout.write(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.print(render_answer(ans, full=full), highlight=False, soft_wrap=True)


@app.command()
def search(
    question: Annotated[str | None, typer.Argument(help="Your question.")] = None,
    questions: QuestionsOpt = None,
    k: Annotated[int, typer.Option("-k", help="How many passages.")] = 10,
    as_json: JsonOpt = False,
    index: IndexOpt = None,
) -> None:
    """Show the ranked passages the engine retrieves for a question."""
    if not question and not questions:
        _fail("give a question or --questions FILE.jsonl", 2)
    retriever = _engine(index).retriever
    rows = _read_questions(questions) if questions else [{"id": "1", "question": question}]
    for row in rows:
        hits = retriever.search(row["question"], k=k, history=row.get("history")).hits
        docs = retriever.documents
        results = [
            {
                "rank": h.rank,
                "doc_id": h.chunk["doc_id"],
                "chunk_id": h.chunk_id,
                "title": docs.get(h.chunk["doc_id"], {}).get("title") or h.chunk["doc_id"],
                "section": h.chunk.get("section"),
                "page": h.chunk.get("page"),
                "text": h.chunk["text"],
                "score": h.score,
            }
            for h in hits
        ]
        record = {"id": row["id"], "question": row["question"], "results": results}
        if as_json or questions:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            for r in results:
                where = " · ".join(
                    str(x) for x in (r["section"], f"p. {r['page']}" if r["page"] else None) if x
                )
                out.print(f"[bold]{r['rank']}.[/bold] {r['title']} — {where}  (score {r['score']:.2f})")
                out.print(f"   {r['text'][:300]}{'…' if len(r['text']) > 300 else ''}\n", highlight=False)


@app.command()
def chat(index: IndexOpt = None) -> None:
    """Talk to hibot in the terminal; follow-up questions use the previous turn. Ctrl-D to leave."""
    engine = _engine(index)
    history: list[str] = []
    out.print("Ask about reducing health inequalities (Ctrl-D to quit).")
    while True:
        try:
            q = input("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
        if not q:
            continue
        if q.lower() in {"quit", "exit", "bye"}:
            return
        ans = engine.answer(q, history=history[-3:])
        out.print(render_answer(ans), highlight=False, soft_wrap=True)
        if not ans.abstained:  # small talk and declines are not context for a follow-up
            history.append(ans.question)


@app.command("eval")
def eval_(
    questions: Annotated[
        Path, typer.Option("--questions", help="JSONL with id, question, in_scope, doc, gold_quotes.")
    ],
    k: Annotated[int, typer.Option("-k")] = 10,
    as_json: JsonOpt = False,
    index: IndexOpt = None,
) -> None:
    """Retrieval (Recall@1/5/10, MRR@10) and abstention metrics on a question set."""
    m = evaluate(_engine(index), _read_questions(questions), k=k)
    if as_json:
        out.print_json(json.dumps(m))
        return
    out.print(
        f"in-scope {m['n_in_scope']}  R@1 {m['recall_at_1']:.3f}  R@5 {m['recall_at_5']:.3f}  "
        f"R@10 {m['recall_at_10']:.3f}  MRR@10 {m['mrr_at_10']:.3f}"
    )
    if m["abstention_rate"] is not None:
        out.print(f"out-of-scope {m['n_out_scope']}  abstained {m['abstention_rate']:.3f}")
    if m["false_abstention_rate"] is not None:
        out.print(f"false abstention (in-scope) {m['false_abstention_rate']:.3f}")
    out.print("R@5 by doc: " + "  ".join(f"{d} {v:.2f}" for d, v in m["per_doc_recall_at_5"].items()))
    for key in ("missed_at_5", "false_abstentions", "missed_abstentions"):
        if m[key]:
            out.print(f"{key.replace('_', ' ')}: {' '.join(m[key])}")


# --- operating -------------------------------------------------------------------------------
@app.command()
def serve(
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="Run Slack over Socket Mode (SLACK_APP_TOKEN).")
    ] = False,
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """Run the HTTP server: Slack events, Teams messages, health, readiness and metrics."""
    from bot.server import run

    run(get_settings(), host=host, port=port, socket_mode=socket_mode)


@app.command()
def bench(
    quick: Annotated[bool, typer.Option(help="Smaller runs (CI smoke test).")] = False,
    docs: Annotated[
        int,
        typer.Option(
            help="Instead: ingest and measure N synthetic documents (minutes at 1000; see index/README.md)."
        ),
    ] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Run the speed, memory and scale benchmarks and print the table."""
    if docs:
        from benchmarks.thousand import main as docs_main

        docs_main(n_docs=docs, as_json=as_json)
        return
    from benchmarks.run import main as bench_main

    bench_main(quick=quick, as_json=as_json)


@config_app.command("check")
def config_check(as_json: JsonOpt = False) -> None:
    """Print the effective settings (secrets masked) and what each platform still needs."""
    data = report(get_settings())
    if as_json:
        out.print_json(json.dumps(data, default=str))
        return
    for key, value in data["settings"].items():
        out.print(f"{key:28} {value}")
    for platform, missing in data["missing"].items():
        state = "ready" if not missing else "disabled — missing " + ", ".join(missing)
        out.print(f"[bold]{platform}[/bold]: {state}")


@app.command("teams-package")
def teams_package(
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the zip.")] = Path(
        "build/hibot-teams.zip"
    ),
    allow_placeholder: Annotated[
        bool, typer.Option(help="Build without MicrosoftAppId (validation only).")
    ] = False,
) -> None:
    """Build the Teams app package (manifest + icons) and validate it against the shipped schema."""
    from bot.teams.package import build_package

    try:
        path = build_package(get_settings(), out_path, allow_placeholder=allow_placeholder)
    except Exception as e:  # validation errors are for people, not tracebacks
        _fail(str(e), 2)
    out.print(f"Teams app package written to {path} (manifest valid).")


def _mount_optional() -> None:
    """Sub-apps that live with their feature."""
    try:
        from bot.prompts.cli import prompts_app

        app.add_typer(
            prompts_app, name="prompts", help="The weekly prompt library and channel subscriptions."
        )
    except ImportError:
        pass
    app.add_typer(sources_app, name="sources", help="The documents hibot answers from, with review status.")


_mount_optional()


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    app()


if __name__ == "__main__":
    main()
