"""Waiting for something that happens on another thread or process, and failing loudly when it does not.

Tests never sleep a fixed time: they poll a predicate until it holds, and on timeout they fail with a
message that says what was awaited and what was last seen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def _timed_out(what: str, timeout: float, last: object) -> AssertionError:
    return AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


def _name(predicate: Callable[..., object]) -> str:
    return str(getattr(predicate, "__name__", "a condition"))


def eventually(
    predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.02, *, what: str | None = None
) -> T:
    """Call `predicate` until it returns something truthy and return that; raise AssertionError on timeout.

    `what` names the awaited condition in the failure message (default: the predicate's name)."""
    deadline = time.monotonic() + timeout
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise _timed_out(what or _name(predicate), timeout, last)
        time.sleep(interval)


async def eventually_async(
    predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.02, *, what: str | None = None
) -> T:
    """`eventually` for async tests: polls without blocking the event loop the app under test runs on."""
    deadline = time.monotonic() + timeout
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise _timed_out(what or _name(predicate), timeout, last)
        await asyncio.sleep(interval)
