"""When a failed request is retried, after how long, and how each failed attempt is recorded.

A request that fails before anything of the reply arrived (408, 409, 429, 500, 502, 503, 504, 529, or
no connection; or whatever the API's ``x-should-retry`` says) is retried up to ``max_retries`` times.
The wait is the API's ``retry-after`` or 1 s, 2 s, 4 s… less up to a quarter (jitter), never more than
``retry_cap``; a ``retry-after`` beyond the cap fails at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from claude_textual.config import Settings
from claude_textual.core.client import ApiFailure
from claude_textual.core.model import Status, utcnow
from claude_textual.core.stream import ReplyOutcome

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
"""Retried as the SDK retries them (408 timeout, 409 conflict, rate limits, overload, server errors)."""
RETRY_KINDS = frozenset({"connection", "dropped"})


def retryable(outcome: ReplyOutcome) -> bool:
    """The request failed in a way worth retrying, before any of the reply arrived."""
    failure = outcome.failure
    if failure is None or outcome.message is not None or outcome.status is not Status.ERROR:
        return False
    if failure.should_retry is not None:  # the API's x-should-retry decides, as in the SDK
        return failure.should_retry
    return failure.status in RETRY_STATUSES or failure.kind in RETRY_KINDS


def retry_reason(failure: ApiFailure) -> str:
    if failure.status == 429:
        return "rate limited"
    if failure.status == 529:
        return "overloaded"
    if failure.status is not None:
        return f"server error {failure.status}"
    return "connection lost" if failure.kind == "dropped" else "no connection"


def duration(seconds: float) -> str:
    """``3600`` -> ``1 h``, ``600`` -> ``10 min``, ``90`` -> ``90 s``."""
    if seconds >= 3600:
        return f"{seconds / 3600:.1f}".removesuffix(".0") + " h"
    if seconds >= 120:
        return f"{seconds / 60:.1f}".removesuffix(".0") + " min"
    return f"{seconds:g} s"


def attempt_record(failure: ApiFailure, waited: float | None) -> dict[str, Any]:
    """One failed attempt as kept in the reply's ``extra["attempts"]``."""
    record: dict[str, Any] = {
        "at": utcnow().isoformat(),
        "kind": failure.kind,
        "status": failure.status,
        "error": failure.message,
    }
    if failure.retry_after is not None:
        record["retry_after"] = failure.retry_after
    if failure.request_id:
        record["request_id"] = failure.request_id
    if waited is not None:
        record["waited"] = waited
    return record


def next_wait(
    settings: Settings,
    outcome: ReplyOutcome,
    attempt: int,
    attempts: list[dict[str, Any]],
    jitter: Callable[[], float],
) -> tuple[float | None, ApiFailure]:
    """How long to wait before retrying a failed attempt (None: do not retry), and the failure as
    it is to be reported; the attempt is added to ``attempts``. ``jitter`` gives 0 to 1: how much
    of a quarter of the backoff to take off."""
    failure = outcome.failure
    assert failure is not None
    if not retryable(outcome):
        attempts.append(attempt_record(failure, None))
        return None, failure
    # the API's wait, else 1 s, 2 s, 4 s… less up to a quarter (jitter: windows that all failed at
    # once do not all retry at once)
    wait = failure.retry_after if failure.retry_after is not None else 2.0**attempt * (1 - 0.25 * jitter())
    if failure.retry_after is not None and failure.retry_after > settings.retry_cap:
        attempts.append(attempt_record(failure, None))
        return None, ApiFailure(
            failure.kind,
            (
                f"{failure.message}. The API asked to wait {duration(wait)} ({wait:g} s), longer than "
                f"retry_cap ({settings.retry_cap:g} s), so it was not retried."
            ),
            failure.status,
            failure.retry_after,
            failure.request_id,
        )
    if attempt == settings.max_retries:
        attempts.append(attempt_record(failure, None))
        if attempt:
            failure = ApiFailure(
                failure.kind,
                f"{failure.message} (failed {attempt + 1} times)",
                failure.status,
                failure.retry_after,
                failure.request_id,
            )
        return None, failure
    wait = min(wait, settings.retry_cap)
    attempts.append(attempt_record(failure, wait))
    return wait, failure
