"""No patient identifier, however it is pasted, reaches the database (SQLite and PostgreSQL), the logs
or /metrics: questions go through the engine and the audit trail, and the same text is given as a
feedback comment, a chat turn and a prompt a lead wrote — callers that forgot to redact included,
because the store's text columns run the guard themselves."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from prometheus_client import generate_latest
from sqlalchemy import inspect, select

from bot import logs, metrics
from bot.models import Prompt
from bot.runtime import InstrumentedEngine, InstrumentedStore
from bot.slack.render import render_answer
from bot.storage.lead_tables import local_prompts
from bot.storage.schema import Base
from tests.support.pasted_identifiers import compact, message_with_identifiers

pytestmark = pytest.mark.each_backend


def strings(value: Any) -> list[str]:
    """Every string inside a value read back from the database or a JSON log line."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


def database_strings(store) -> list[str]:
    present = set(inspect(store.engine).get_table_names())  # before the connection below: SQLite locks
    out: list[str] = []
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in present:
                for row in conn.execute(select(table)):
                    out += strings(list(row))
    return out


def leaked(identifiers: list[str], texts: list[str]) -> list[str]:
    packed = [compact(t) for t in texts]
    return [i for i in identifiers if any(compact(i) in p for p in packed)]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(message_with_identifiers())
def test_no_pasted_identifier_survives_in_the_database_the_logs_or_metrics(engine, store, message):
    text, identifiers = message
    log_lines = io.StringIO()
    logs.configure("INFO", stream=log_lines)
    served, audit = InstrumentedEngine(engine), InstrumentedStore(store)
    try:
        answer = served.answer(text)  # the "answered" log line
        audit.save_answer(answer, "slack", render_answer(answer).payload(channel="D-jane"), "U-jane")
        audit.add_feedback("slack", "U-jane", answer.answer_id, -1, comment=text)  # an unredacted caller
        audit.add_turn("slack", "D-jane", text, user_id="U-jane")
        store.add_local_prompt(Prompt(f"p{abs(hash(text))}", text[:200], "all", [], text, text, "ask"))
        logs.get_logger("hibot.test").warning("feedback_received", comment=text, context={"said": [text]})
    finally:
        served.pool.shutdown(wait=False)
        logs.configure("INFO")
    logged = [s for line in log_lines.getvalue().splitlines() if line for s in strings(json.loads(line))]
    assert not leaked(identifiers, database_strings(store)), text
    assert logged and not leaked(identifiers, logged), text
    assert not leaked(identifiers, [generate_latest(metrics.REGISTRY).decode()]), text


def test_a_leads_prompt_is_stored_redacted_whatever_the_caller_passed(store):
    store.add_local_prompt(
        Prompt("p1", "Call 0113 496 0000", "all", [], "NHS 943 476 5919", "ls1 4ap?", "ask")
    )
    with store.engine.connect() as conn:
        row = conn.execute(select(local_prompts)).one()
    assert (row.title, row.body, row.question) == ("Call [phone number]", "NHS [NHS number]", "[postcode]?")
