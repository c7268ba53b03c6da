"""What a usage record costs: each price class by the table (the prices on Anthropic's pricing page),
by a config.toml override, for a model without a price, and at the prices of the record's day."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from claude_textual.config import PriceOverride, parse_settings
from claude_textual.core.describe import money, usage_parts
from claude_textual.core.model import Usage
from claude_textual.core.prices import PriceBook, Tokens, table_name

WHEN = datetime(2026, 11, 20, 12, tzinfo=UTC)
M = 1_000_000

# Claude Sonnet 5.5 on the pricing page: $2 input, $10 output, 5-minute writes 1.25x, 1-hour writes 2x,
# cache reads $0.10 (0.05x, not the usual 0.1x), web search $10 per 1,000.
SONNET_55 = {"input": 2, "output": 10, "write_5m": 2.5, "write_1h": 4, "read": 0.1, "search": 10}


def usd(raw: dict, model: str = "claude-sonnet-5-5", book: PriceBook | None = None) -> Decimal | None:
    cost = (book or PriceBook()).cost(model, raw, WHEN)
    return None if cost is None else cost.usd


@pytest.mark.parametrize(
    ("raw", "dollars"),
    [
        ({"input_tokens": M, "output_tokens": 0}, SONNET_55["input"]),
        ({"input_tokens": 0, "output_tokens": M}, SONNET_55["output"]),
        (  # an old record: writes not split by TTL are 5-minute writes
            {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": M},
            SONNET_55["write_5m"],
        ),
        (
            {
                "input_tokens": 0,
                "output_tokens": 0,
                "cache_creation_input_tokens": M,
                "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": M},
            },
            SONNET_55["write_1h"],
        ),
        ({"input_tokens": 0, "output_tokens": 0, "cache_read_input_tokens": M}, SONNET_55["read"]),
        (
            {"input_tokens": 0, "output_tokens": 0, "server_tool_use": {"web_search_requests": 1000}},
            SONNET_55["search"],
        ),
    ],
    ids=["input", "output", "write-unsplit", "write-1h", "read", "web-search"],
)
def test_each_price_class_costs_what_the_pricing_page_says(raw, dollars):
    assert usd(raw) == pytest.approx(Decimal(str(dollars)))


def test_a_cached_reply_adds_every_class_apart():
    """``input_tokens`` leaves the cache out: 300 uncached, 1,500 written (1,000 for an hour), 20,000
    read, 1,200 out."""
    raw = {
        "input_tokens": 300,
        "output_tokens": 1200,
        "cache_creation_input_tokens": 1500,
        "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 1000},
        "cache_read_input_tokens": 20_000,
    }
    p = SONNET_55
    expected = (300 * p["input"] + 1200 * p["output"] + 500 * p["write_5m"] + 1000 * p["write_1h"]) / M
    expected += 20_000 * p["read"] / M
    assert float(usd(raw)) == pytest.approx(expected)


def test_a_long_prompt_on_a_tiered_model_pays_the_long_context_price_for_all_of_it():
    # Sonnet 4.5: $3 / $15 up to 200k input tokens, $6 / $22.50 for a request beyond
    assert float(usd({"input_tokens": 100_000, "output_tokens": 0}, "claude-sonnet-4-5")) == pytest.approx(
        0.3
    )
    assert float(usd({"input_tokens": 300_000, "output_tokens": 0}, "claude-sonnet-4-5")) == pytest.approx(
        1.8
    )


def test_a_record_is_priced_at_its_own_day():
    # Opus 4.6 charged the long-context premium until 2026-03-13, and flat pricing after
    raw = {"input_tokens": 300_000, "output_tokens": 0}
    before = PriceBook().cost("claude-opus-4-6", raw, datetime(2026, 2, 1, tzinfo=UTC))
    after = PriceBook().cost("claude-opus-4-6", raw, datetime(2026, 4, 1, tzinfo=UTC))
    assert before is not None and after is not None
    assert (float(before.usd), float(after.usd)) == pytest.approx((3.0, 1.5))


def test_a_dated_model_id_is_priced_as_its_alias():
    assert usd({"input_tokens": M, "output_tokens": 0}, "claude-opus-5-5-20261015") == Decimal(4)


def test_a_model_without_a_price_costs_unknown_never_zero():
    assert PriceBook().cost("claude-private-x", {"input_tokens": 10, "output_tokens": 10}, WHEN) is None
    assert PriceBook().cost(None, {"input_tokens": 10, "output_tokens": 10}, WHEN) is None
    usage = Usage(raw={"input_tokens": 10, "output_tokens": 5}, model="claude-private-x")
    usage.price_source = table_name()
    assert usage_parts(usage)[-1] == "cost unknown" == money(None)


def test_a_config_override_prices_its_model_and_names_its_source():
    settings = parse_settings(
        '[prices."gateway-model"]\ninput = 1.5\noutput = 6\ncache_read = 0.3\n'
        '[prices."claude-sonnet-5-5"]\ninput = 1\noutput = 1\n'
    )
    assert settings.warnings == ()
    book = PriceBook(settings.prices)
    raw = {
        "input_tokens": M,
        "output_tokens": M,
        "cache_creation_input_tokens": 2 * M,
        "cache_creation": {"ephemeral_5m_input_tokens": M, "ephemeral_1h_input_tokens": M},
        "cache_read_input_tokens": M,
        "server_tool_use": {"web_search_requests": 1000},
    }
    cost = book.cost("gateway-model", raw, WHEN)
    # unstated writes follow the API's multipliers of the input price: 1.25x for 5 minutes, 2x for an hour
    assert cost is not None and cost.source == "config.toml"
    assert float(cost.usd) == pytest.approx(1.5 + 6 + 1.5 * 1.25 + 1.5 * 2 + 0.3 + 10)
    assert usd({"input_tokens": M, "output_tokens": 0}, book=book) == Decimal(1)  # over the table's $2
    assert book.source("gateway-model").startswith("config.toml ")
    assert book.source("claude-opus-5") == table_name() and table_name().startswith("genai-prices ")
    assert PriceBook([PriceOverride("gateway-model", 1, 1)]).source("gateway-model") != book.source(
        "gateway-model"
    ), "a changed override is a new source: its records are priced again"


@pytest.mark.parametrize(
    "table",
    [
        '[prices."m"]\ninput = -1\noutput = 1\n',
        '[prices."m"]\ninput = nan\noutput = 1\n',
        '[prices."m"]\ninput = 1\n',
        '[prices."m"]\ninput = 1\noutput = 1\ncache_reed = 1\n',
        '[prices."m"]\ninput = true\noutput = 1\n',
        "prices = 3\n",
    ],
    ids=["negative", "nan", "no-output", "typo", "bool", "not-a-table"],
)
def test_a_broken_price_override_is_warned_about_and_ignored(table):
    settings = parse_settings(table)
    assert settings.prices == () and len(settings.warnings) == 1 and "prices" in settings.warnings[0]


def test_odd_usage_values_count_as_nothing():
    assert (
        Tokens.from_raw({"input_tokens": -5, "output_tokens": "9", "cache_read_input_tokens": True})
        == Tokens()
    )
    # a 1-hour part larger than the whole cannot be: the whole is what was written
    raw = {"cache_creation_input_tokens": 10, "cache_creation": {"ephemeral_1h_input_tokens": 99}}
    assert Tokens.from_raw(raw) == Tokens(cache_write_1h=10)


@pytest.mark.parametrize(
    "model",
    [
        "claude-sonnet-5-5",
        "claude-opus-5-5",
        "claude-haiku-5-5",
        "claude-fable-5-1",
        "claude-sonnet-4-5",
        "claude-opus-4-6",
    ],
)
def test_the_fast_path_prices_as_the_table_does_for_the_whole_call(model):
    """Below a long-context tier a call is priced from per-unit rates asked of the table once; that must
    equal genai-prices' own price for the whole call (its Anthropic extraction), on either side of a tier."""
    import random

    from genai_prices import extract_usage

    pick = random.Random(model)
    for _ in range(25):
        write_5m, write_1h = pick.randrange(0, 40_000), pick.randrange(0, 40_000)
        raw = {
            "input_tokens": pick.randrange(0, 150_000),
            "output_tokens": pick.randrange(0, 64_000),
            "cache_creation_input_tokens": write_5m + write_1h,
            "cache_creation": {"ephemeral_5m_input_tokens": write_5m, "ephemeral_1h_input_tokens": write_1h},
            "cache_read_input_tokens": pick.randrange(0, 150_000),
            "server_tool_use": {"web_search_requests": pick.randrange(0, 5)},
        }
        whole = extract_usage({"model": model, "usage": raw}, provider_id="anthropic").calc_price(
            genai_request_timestamp=WHEN
        )
        assert usd(raw, model) == whole.total_price, raw
