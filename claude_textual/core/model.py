"""Conversation, message and usage types that the store, the core and the UI all speak."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

Block = dict[str, Any]
"""A content block exactly as the Messages API shapes it (``to_dict(mode="json")``)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class Status(StrEnum):
    COMPLETE = "complete"
    STREAMING = "streaming"
    INTERRUPTED = "interrupted"
    ERROR = "error"


USAGE_COUNTERS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)


@dataclass
class Usage:
    """One API call's usage: the counters we sum, plus everything the API sent in ``raw``."""

    raw: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None
    model: str | None = None
    ttft_ms: int | None = None
    duration_ms: int | None = None
    created_at: datetime = field(default_factory=utcnow)
    cost_usd: float | None = None
    """What the call cost, once priced (``core/prices.py``); None when no price is known."""
    price_source: str | None = None

    def count(self, name: str) -> int:
        return int(self.raw.get(name) or 0)

    @property
    def server_tool_use(self) -> dict[str, Any]:
        return self.raw.get("server_tool_use") or {}

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.raw,
            "request_id": self.request_id,
            "model": self.model,
            "ttft_ms": self.ttft_ms,
            "duration_ms": self.duration_ms,
            "created_at": self.created_at.isoformat(),
            "cost_usd": self.cost_usd,
            "price_source": self.price_source,
        }


@dataclass
class Totals:
    """Usage added up over some records: all of them, or one day's, model's or conversation's."""

    key: str = ""
    records: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    priced_usd: float = 0.0
    unpriced_records: int = 0

    def add(self, usage: Usage) -> Totals:
        """These totals with one more record (as the history sums them, ``store/ledger.py``)."""
        return replace(
            self,
            records=self.records + 1,
            input_tokens=self.input_tokens + usage.count("input_tokens"),
            output_tokens=self.output_tokens + usage.count("output_tokens"),
            cache_creation_input_tokens=self.cache_creation_input_tokens
            + usage.count("cache_creation_input_tokens"),
            cache_read_input_tokens=self.cache_read_input_tokens + usage.count("cache_read_input_tokens"),
            priced_usd=self.priced_usd + (usage.cost_usd or 0.0),
            unpriced_records=self.unpriced_records + (usage.cost_usd is None),
        )

    @property
    def cost_usd(self) -> float | None:
        """The priced records' cost; None when there are records and none of them has a price."""
        return None if self.records and self.unpriced_records == self.records else self.priced_usd

    @property
    def cache_share(self) -> float | None:
        """The share of input tokens read from the cache (None before any input)."""
        prompt = self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens
        return self.cache_read_input_tokens / prompt if prompt else None

    def as_json(self, key_name: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {key_name: self.key} if key_name else {}
        data.update(
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens,
            cost_usd=None if self.cost_usd is None else round(self.cost_usd, 6),
            unpriced_records=self.unpriced_records,
            records=self.records,
        )
        return data


@dataclass
class Message:
    role: str
    content: list[Block]
    id: str | None = None
    conversation_id: str | None = None
    seq: int = 0
    parent_id: str | None = None
    model: str | None = None
    stop_reason: str | None = None
    status: Status = Status.COMPLETE
    error: str | None = None
    api_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    usage: Usage | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)

    def text(self) -> str:
        """The plain text of the message's text blocks."""
        return "".join(b.get("text", "") for b in self.content if b.get("type") == "text")


VIEWS = ("active", "archived", "trash")
"""Which conversations a list shows: the usual ones, the archived ones, or those in the trash."""


@dataclass
class Conversation:
    id: str
    title: str
    model: str
    system: str = ""
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    message_count: int = 0
    archived: bool = False
    deleted_at: datetime | None = None
    leaf_id: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchHit:
    """A message that matches a search, with the matching passage marked «like this»."""

    conversation_id: str
    title: str
    message_id: str
    seq: int
    role: str
    snippet: str
    created_at: datetime


def user_text_message(text: str) -> Message:
    return Message(role="user", content=[{"type": "text", "text": text}])


def tool_uses(message: Message) -> list[Block]:
    return [b for b in message.content if b.get("type") == "tool_use"]
