"""Prometheus metrics (GET /metrics). Platform-neutral: the server instruments the engine and store."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "hibot_requests_total",
    "HTTP requests by platform and outcome",
    ["platform", "outcome"],
    registry=REGISTRY,
)
ANSWER_SECONDS = Histogram(
    "hibot_answer_seconds",
    "Time to compose an answer",
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    registry=REGISTRY,
)
ANSWERS = Counter("hibot_answers_total", "Answers served", ["abstained"], registry=REGISTRY)
ABSTENTIONS = Counter("hibot_abstentions_total", "Abstentions by reason", ["reason"], registry=REGISTRY)
FEEDBACK = Counter("hibot_feedback_total", "Feedback received", ["platform", "rating"], registry=REGISTRY)
INDEX_AGE = Gauge("hibot_index_age_seconds", "Age of the live index build", registry=REGISTRY)
INDEX_RELOADS = Counter(
    "hibot_index_reloads_total", "New index builds loaded while serving", ["outcome"], registry=REGISTRY
)
DB_ERRORS = Counter("hibot_db_errors_total", "Database writes that failed", ["operation"], registry=REGISTRY)
