"""Outcomes of this session's tests by node id, recorded by tests/conftest.py for the hazard-log
evidence check (tests/test_hazard_log.py), which runs last."""

from __future__ import annotations

OUTCOMES: dict[str, str] = {}  # node id -> "passed" | "failed" | "skipped"
