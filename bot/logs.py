"""Structured JSON logs (structlog) with a request id, and a last line of defence for patient data:
every string in every log event passes through the patient-data redactor before it is written."""

from __future__ import annotations

import logging
import sys
import uuid
from contextvars import ContextVar

import structlog
from structlog.typing import EventDict, Processor

from bot.safety import redact

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
SECRET_KEYS = {"token", "password", "secret", "authorization", "signing_secret", "app_password"}


def _add_request_id(_: object, __: str, event: EventDict) -> EventDict:
    rid = request_id.get()
    if rid and "request_id" not in event:
        event["request_id"] = rid
    return event


def _scrub(_: object, __: str, event: EventDict) -> EventDict:
    for key, value in list(event.items()):
        if any(s in key.lower() for s in SECRET_KEYS):
            event[key] = "***"
        else:
            event[key] = _redacted(value)
    return event


def _redacted(value: object) -> object:
    """Strings redacted wherever they sit: a dict or list field is written out as JSON too."""
    if isinstance(value, str):
        return redact(value).text
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_redacted(v) for v in value]
    return value


def configure(level: str = "INFO", stream=None) -> None:
    """JSON lines for our own events and for every library's stdlib logging alike."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_request_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        _scrub,
    ]
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiohttp.access", "slack_bolt", "slack_sdk", "botbuilder", "msrest", "urllib3", "msal"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def new_request_id() -> str:
    rid = uuid.uuid4().hex[:16]
    request_id.set(rid)
    return rid


def get_logger(name: str = "hibot"):
    return structlog.get_logger(name)
