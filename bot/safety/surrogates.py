"""Unpaired UTF-16 surrogates ("\\ud800" in a JSON body) decode into Python strings that cannot be
encoded again: the first database write, log line or HTTP post then fails, and the user gets no
reply. Adapters replace them with U+FFFD as soon as a request is parsed, before anything else."""

from __future__ import annotations

import re
from typing import Any

_LONE = re.compile(r"[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def without_lone_surrogates(value: Any) -> Any:
    """`value` with every surrogate code point in every string (dict keys and values, list items)
    replaced; a str that decoded from real UTF-8 never holds one, so nothing else changes."""
    if isinstance(value, str):
        return _LONE.sub(REPLACEMENT, value) if _LONE.search(value) else value
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    return value


def clean_in_place(body: dict[str, Any]) -> None:
    """The same, on a parsed request body other code already holds a reference to."""
    for key, value in list(body.items()):
        body[key] = without_lone_surrogates(value)
