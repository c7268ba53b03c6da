"""The AsyncAnthropic client, made on first use, and every failure turned into one readable error."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

    from claude_textual.config import Settings

KEY_HINT = "Set ANTHROPIC_API_KEY in your environment (or run with --demo for the offline demo)."


@dataclass(frozen=True)
class ApiFailure:
    """What went wrong with a request, phrased for the person at the keyboard."""

    kind: str
    message: str
    status: int | None = None
    retry_after: float | None = None
    request_id: str | None = None
    should_retry: bool | None = None
    """``x-should-retry`` as the API sent it (None: it did not say)."""

    def __str__(self) -> str:
        return self.message


def api_key_from_env() -> str | None:
    return os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN") or None


def make_client(settings: Settings, *, api_key: str | None, base_url: str | None) -> AsyncAnthropic:
    """Build the SDK client; the SDK is imported here, never at start-up.

    The SDK's own retries are off: they would wait as long as ``retry-after`` says, unseen. The turn
    retries instead (``core/turn.py``), with a visible countdown capped by ``settings.retry_cap``.
    """
    from anthropic import AsyncAnthropic

    return AsyncAnthropic(
        api_key=api_key,
        base_url=base_url,
        timeout=settings.timeout,
        max_retries=0,
    )


def _error_body(exc: Any) -> tuple[str | None, str | None]:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            return err.get("type"), err.get("message")
    return None, None


def _retry_after(exc: Any) -> float | None:
    """The wait the API asks for: ``retry-after-ms``, else ``retry-after`` in seconds or as an HTTP date."""
    response = getattr(exc, "response", None)
    headers = response.headers if response is not None else {}
    try:
        if headers.get("retry-after-ms") is not None:
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(when.tzinfo or UTC)).total_seconds())
    except (ValueError, TypeError, OverflowError):
        return None


def _should_retry(exc: Any) -> bool | None:
    """The API's own word on retrying (``x-should-retry: true|false``), when it gives one."""
    response = getattr(exc, "response", None)
    value = (response.headers.get("x-should-retry") if response is not None else None) or ""
    return {"true": True, "false": False}.get(value.strip().lower())


_STATUS_HINTS = {
    400: "The API rejected the request",
    401: "The API key was rejected (401). " + KEY_HINT,
    403: "Permission denied (403): this key may not use that model or feature",
    404: "Not found (404): check the model name",
    413: "The request is too large (413)",
    429: "Rate limited (429)",
    500: "The API had an internal error (500)",
    529: "The API is overloaded (529)",
}


def describe_error(exc: BaseException) -> ApiFailure:
    """Turn an SDK, transport or stream exception into an ApiFailure."""
    import anthropic

    if isinstance(exc, anthropic.APIStatusError):
        err_type, err_msg = _error_body(exc)
        status = exc.status_code
        request_id = getattr(exc, "request_id", None)
        if status == 200:  # an `event: error` frame inside a started stream
            text = f"The stream failed mid-reply: {err_type or 'error'}: {err_msg or exc.message}"
            return ApiFailure("stream_error", text, status, request_id=request_id)
        head = _STATUS_HINTS.get(status, f"The API answered {status}")
        retry_after = _retry_after(exc)
        detail = f": {err_msg}" if err_msg and status != 401 else ""
        wait = f" — retry after {retry_after:g}s" if retry_after is not None else ""
        return ApiFailure(
            err_type or f"http_{status}",
            f"{head}{detail}{wait}",
            status,
            retry_after,
            request_id,
            _should_retry(exc),
        )
    if isinstance(exc, anthropic.APITimeoutError):
        return ApiFailure("timeout", "The API did not answer in time (request timed out).")
    if isinstance(exc, anthropic.APIConnectionError):
        return ApiFailure("connection", f"Cannot reach the API: {exc.__cause__ or exc}")
    if isinstance(exc, anthropic.AnthropicError) and "api_key" in str(exc):
        return ApiFailure("auth", "No API key. " + KEY_HINT)
    import httpx2

    if isinstance(exc, httpx2.TimeoutException):
        return ApiFailure("stall", "The stream stalled: no data arrived in time. The partial reply is kept.")
    if isinstance(exc, httpx2.TransportError):
        return ApiFailure(
            "dropped", f"The connection dropped mid-reply ({type(exc).__name__}). The partial reply is kept."
        )
    if isinstance(exc, ValueError) and "tool parameter JSON" in str(exc):
        return ApiFailure("bad_stream", "The model sent tool input that is not valid JSON.")
    if isinstance(exc, UnicodeDecodeError):  # the body ended inside a character, or is not UTF-8
        return ApiFailure(
            "bad_stream",
            "The stream ended in the middle of a character (or held bytes that are "
            "not UTF-8). The partial reply is kept.",
        )
    return ApiFailure("unexpected", f"The stream failed: {type(exc).__name__}: {exc}")
