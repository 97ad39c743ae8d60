"""`python -m benchmarks.report_bench [--postgres URL]`: time `hibot report` on a seeded database of
10,000 answers (benchmarks/report_data.py): the store's reads, the counting and grouping, and each
output format, five runs each, as the CLI runs them (a fresh Store per run, like a fresh command)."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime

from benchmarks.report_data import seed
from bot.report.build import build_report, parse_since
from bot.report.formats import render_csv, render_text
from bot.storage.store import Store


def bench(url: str, n: int = 10_000, runs: int = 5) -> dict:
    store = Store(url)
    store.migrate()
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    info = seed(store, n=n, now=now)
    seeded_s = time.perf_counter() - t0
    store.close()
    timings: dict[str, list[float]] = {"text": [], "json": [], "csv": []}
    for _ in range(runs):
        for fmt in timings:
            s = Store(url)
            t = time.perf_counter()
            report = build_report(s, parse_since("30d", now), now, {})
            _ = (
                render_text(report)
                if fmt == "text"
                else render_csv(report)
                if fmt == "csv"
                else json.dumps(report.to_dict())
            )
            timings[fmt].append(time.perf_counter() - t)
            s.close()
    return {
        "backend": url.split(":", 1)[0],
        "answers": info["answers"],
        "seed_s": round(seeded_s, 2),
        **{f"{k}_p50_s": round(statistics.median(v), 3) for k, v in timings.items()},
        **{f"{k}_max_s": round(max(v), 3) for k, v in timings.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="a PostgreSQL URL of an empty database, besides SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        print(json.dumps(bench(f"sqlite:///{d}/hibot.db")))
    if args.postgres:
        print(json.dumps(bench(args.postgres)))


if __name__ == "__main__":
    main()
