"""Prometheus metrics (GET /metrics). Platform-neutral: the server instruments the engine and store."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

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

# Index builds shared by replicas (bot/sources/coordinator.py). Started and ended count this replica's
# builds (the one holding the build lease); fetches count builds this replica copied from the database.
BUILDS_STARTED = Counter(
    "hibot_index_builds_started_total", "Index builds this replica started", registry=REGISTRY
)
BUILDS_ENDED = Counter(
    "hibot_index_builds_ended_total",
    "Index builds this replica ran, by outcome (live, failed, lost: another replica took the lease)",
    ["outcome"],
    registry=REGISTRY,
)
BUILD_SECONDS = Histogram(
    "hibot_index_build_seconds",
    "Wall time of an index build this replica ran (its worker process, start to end)",
    buckets=(1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
    registry=REGISTRY,
)
FETCHES = Counter(
    "hibot_index_fetches_total",
    "The database's current build copied into this replica's index, by outcome (fetched, failed)",
    ["outcome"],
    registry=REGISTRY,
)
BUILD_NOTICES_LATE = Counter(
    "hibot_index_build_notices_late_total",
    "Requesters told how a build ended by a replica other than its builder (it died before telling)",
    registry=REGISTRY,
)
SERVING_BUILD = Info("hibot_index_build", "The index build this replica answers from", registry=REGISTRY)
