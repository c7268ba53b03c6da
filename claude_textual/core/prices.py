"""What a usage record costs, in US dollars.

Prices come from ``genai-prices`` (a maintained table, imported on first use: it takes about half a
second), read through its usage extraction for the ``anthropic`` provider, which knows that Anthropic's
``input_tokens`` leaves out cache reads and writes and prices 5-minute and 1-hour writes apart. Its generic
path does not, and would under-price a cached reply. ``[prices."model-id"]`` in ``config.toml`` overrides
the table for one model (a gateway's or a private model's prices). A model nobody prices costs ``None``,
never 0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from claude_textual.config import PriceOverride

MTOK = Decimal(1_000_000)


@lru_cache(maxsize=1)
def table_name() -> str:
    """The price table the figures come from, with its version (its prices carry their own dates)."""
    try:
        return f"genai-prices {version('genai-prices')}"
    except PackageNotFoundError:  # pragma: no cover - a broken install
        return "genai-prices (missing)"


@dataclass(frozen=True)
class Tokens:
    """The priced quantities of one API call, or of several added up."""

    input: int = 0
    output: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    web_searches: int = 0

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> Tokens:
        """From a usage object as the API sends it. Cache writes the API did not split by TTL are
        5-minute writes (the default TTL, and the only one before the split was reported)."""

        def number(value: Any) -> int:
            return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0

        split = raw.get("cache_creation") if isinstance(raw.get("cache_creation"), Mapping) else {}
        written = number(raw.get("cache_creation_input_tokens"))
        hour = min(number(split.get("ephemeral_1h_input_tokens")), written)
        server = raw.get("server_tool_use") if isinstance(raw.get("server_tool_use"), Mapping) else {}
        return cls(
            input=number(raw.get("input_tokens")),
            output=number(raw.get("output_tokens")),
            cache_write_5m=written - hour,
            cache_write_1h=hour,
            cache_read=number(raw.get("cache_read_input_tokens")),
            web_searches=number(server.get("web_search_requests")),
        )

    @property
    def prompt(self) -> int:
        """Every input token of the call: uncached, written to the cache and read from it."""
        return self.input + self.cache_write_5m + self.cache_write_1h + self.cache_read

    def anthropic_usage(self) -> dict[str, Any]:
        """These quantities as the API reports them (what ``genai-prices`` extracts from)."""
        return {
            "input_tokens": self.input,
            "output_tokens": self.output,
            "cache_creation_input_tokens": self.cache_write_5m + self.cache_write_1h,
            "cache_creation": {
                "ephemeral_5m_input_tokens": self.cache_write_5m,
                "ephemeral_1h_input_tokens": self.cache_write_1h,
            },
            "cache_read_input_tokens": self.cache_read,
            "server_tool_use": {"web_search_requests": self.web_searches},
        }


@dataclass(frozen=True)
class Cost:
    usd: Decimal
    source: str
    """Where the prices came from: the table and its version, or ``config.toml``."""


def _override_cost(price: PriceOverride, tokens: Tokens) -> Decimal:
    per_token = (
        tokens.input * Decimal(str(price.input))
        + tokens.output * Decimal(str(price.output))
        + tokens.cache_write_5m * Decimal(str(price.cache_write_5m))
        + tokens.cache_write_1h * Decimal(str(price.cache_write_1h))
        + tokens.cache_read * Decimal(str(price.cache_read))
    ) / MTOK
    return per_token + tokens.web_searches * Decimal(str(price.web_search)) / 1000


def _calculation(model: str, day: str, tokens: Tokens, speed: str) -> Any:
    """genai-prices' calculation for ``tokens`` (its Anthropic extraction path); None without a price."""
    from genai_prices import extract_usage  # about half a second the first time

    response = {"model": model, "usage": tokens.anthropic_usage()}
    try:
        extracted = extract_usage(response, provider_id="anthropic")
    except (LookupError, ValueError):
        return None
    if extracted.model is None:
        return None
    when = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
    context = {"speed": speed} if speed and speed != "standard" else None
    return extracted.calc_price(genai_request_timestamp=when, price_context=context)


UNITS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read", "web_searches")


@lru_cache(maxsize=4096)
def _rates(model: str, day: str, speed: str) -> tuple[tuple[Decimal, ...], int | None] | None:
    """What one unit of each class costs for ``model`` on ``day``, asked of the table one unit at a time,
    and the prompt size from which a long-context tier applies (None: no tier). Below the tier a call's
    cost is these rates times its counts, so a long history is priced without asking the table per row."""
    from genai_prices.types import TieredPrices

    rates, tier = [], None
    for unit in UNITS:
        calculation = _calculation(model, day, Tokens(**{unit: 1}), speed)
        if calculation is None:
            return None
        rates.append(calculation.total_price)
        for price in vars(calculation.model_price).values():
            if isinstance(price, TieredPrices) and price.tiers:
                tier = min(tier or price.tiers[0].start, price.tiers[0].start)
    return tuple(rates), tier


def _table_cost(model: str, day: str, tokens: Tokens, speed: str) -> Decimal | None:
    found = _rates(model, day, speed)
    if found is None:
        return None
    rates, tier = found
    if tier is not None and tokens.prompt > tier:  # the whole call at the long-context price: the table says
        calculation = _calculation(model, day, tokens, speed)
        return None if calculation is None else calculation.total_price
    return sum((rate * getattr(tokens, unit) for rate, unit in zip(rates, UNITS, strict=True)), Decimal(0))


class PriceBook:
    """Prices usage records: by the ``config.toml`` override for their model, else by the table."""

    def __init__(self, overrides: Iterable[PriceOverride] = ()) -> None:
        self.overrides = {o.model: o for o in overrides}

    def source(self, model: str | None) -> str:
        """What prices ``model`` now: records priced by something else are due to be priced again."""
        if model and model in self.overrides:
            digest = hashlib.sha256(repr(self.overrides[model]).encode()).hexdigest()[:8]
            return f"config.toml {digest}"
        return table_name()

    def cost(self, model: str | None, raw: Mapping[str, Any], when: datetime) -> Cost | None:
        """What the call whose usage is ``raw`` cost, at the prices of the day it was made; None when no
        price is known for ``model``."""
        tokens = Tokens.from_raw(raw)
        if model and model in self.overrides:
            return Cost(_override_cost(self.overrides[model], tokens), "config.toml")
        if not model:
            return None
        speed = raw.get("speed") if isinstance(raw.get("speed"), str) else ""
        day = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC).date().isoformat()
        usd = _table_cost(model, day, tokens, speed)
        return None if usd is None else Cost(usd, table_name())


def preload() -> None:
    """Import the price table now (in a thread at start-up), so the first reply is priced at once."""
    _table_cost("claude-sonnet-5-5", "2026-01-01", Tokens(input=1), "")
