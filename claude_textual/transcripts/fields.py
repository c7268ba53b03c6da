"""Checking the values of an imported file: each wrong one is an :class:`Invalid` saying where and what."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from claude_textual.core.model import Block


class Invalid(ValueError):
    """The input is not what it should be; the message says what, for the report."""


def text_field(
    data: dict[str, Any], key: str, where: str, *, default: str | None = None, required: bool = False
) -> str | None:
    value = data.get(key, default)
    if value is None:
        if required:
            raise Invalid(f"{where}: {key!r} is missing")
        return None
    if not isinstance(value, str):
        raise Invalid(f"{where}: {key!r} should be text, not {type(value).__name__}")
    if required and not value:
        raise Invalid(f"{where}: {key!r} is empty")
    return value


def whole_number(data: dict[str, Any], key: str, where: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{where}: {key!r} should be a whole number")
    return value


def parse_time(value: Any, where: str, default: datetime | None = None) -> datetime:
    """An ISO 8601 timestamp (a trailing ``Z`` too) as an aware UTC datetime; naive means UTC."""
    if value is None or value == "":
        if default is None:
            raise Invalid(f"{where} is missing")
        return default
    if not isinstance(value, str):
        raise Invalid(f"{where} should be an ISO 8601 timestamp, not {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{where} is not an ISO 8601 timestamp: {value[:40]!r}") from None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (OverflowError, ValueError):  # year 9999 behind UTC, or year 1 ahead of it
        raise Invalid(f"{where} is out of range once in UTC: {value[:40]!r}") from None


_TEXT_FIELDS = {
    "text": ("text",),
    "thinking": ("thinking", "signature"),
    "redacted_thinking": ("data",),
    "tool_use": ("id", "name"),
    "server_tool_use": ("id", "name"),
    "tool_result": ("tool_use_id",),
}
"""Fields that must be text in the block types the app reads (a missing one is left to the block's
own checks, which mend or skip it)."""


def _check_block(block: dict[str, Any], where: str) -> None:
    for key in _TEXT_FIELDS.get(block["type"], ()):
        if key in block and not isinstance(block[key], str):
            raise Invalid(f"{where}: {key!r} should be text, not {type(block[key]).__name__}")
    if block["type"] in ("tool_use", "server_tool_use") and not isinstance(block.get("input", {}), dict):
        raise Invalid(f"{where}: 'input' should be an object")


def blocks(value: Any, where: str) -> list[Block]:
    """A message's ``content``: a string (one text block) or a list of blocks, each checked."""
    if isinstance(value, str):
        return [{"type": "text", "text": value}] if value else []
    if not isinstance(value, list):
        raise Invalid(f"{where}: 'content' should be a list of blocks")
    for n, block in enumerate(value):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise Invalid(f"{where}: block {n} is not a content block (an object with a 'type')")
        _check_block(block, f"{where}: block {n}")
    return value
