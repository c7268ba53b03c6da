"""Costs in the history: records stored before costs were kept are priced from their raw usage, each
new record is priced as it is written, and every total is the sum of its records."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime

import pytest

from claude_textual.config import PriceOverride
from claude_textual.core.model import Message, Usage
from claude_textual.core.prices import PriceBook, table_name
from claude_textual.store.history import History
from tests.store import _old_schema as old

SONNET = "claude-sonnet-5-5"  # $2 in, $10 out, $0.10 cache read per million tokens


def test_records_stored_before_costs_were_kept_are_priced_from_their_raw_usage(tmp_path):
    db = tmp_path / "history.db"
    old.build_at(db, "0004")
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE usage SET model = ?", (SONNET,))
    store = History(db)
    try:
        assert store.usage_totals(old.CONVERSATION_ID).unpriced_records == 1  # not priced yet
        assert store.reprice() == 1
        totals = store.usage_totals(old.CONVERSATION_ID)
        # 321 uncached and 7 read, as the raw usage of 2024 says
        assert totals.cost_usd == pytest.approx((321 * 2 + 123 * 10 + 7 * 0.1) / 1e6)
        assert totals.unpriced_records == 0
        usage = store.load_messages(old.CONVERSATION_ID)[1].usage
        assert usage is not None and usage.price_source == table_name()
        assert store.reprice() == 0, "priced once: opening again prices nothing"
    finally:
        store.close()

    # an override for the model, later: its records are priced again, by it
    store = History(db, PriceBook([PriceOverride(SONNET, input=1, output=1, cache_read=1)]))
    try:
        assert store.reprice() == 1
        assert store.usage_totals(old.CONVERSATION_ID).cost_usd == pytest.approx((321 + 123 + 7) / 1e6)
    finally:
        store.close()


def add_reply(store: History, conversation_id: str, model: str, day: int, inp: int, out: int) -> None:
    reply = store.add_message(conversation_id, Message("assistant", [{"type": "text", "text": "ok"}]))
    usage = Usage(
        raw={"input_tokens": inp, "output_tokens": out, "cache_read_input_tokens": 1000},
        model=model,
        created_at=datetime(2026, 11, day, 9, tzinfo=UTC),
    )
    store.add_usage(reply, usage)


def test_totals_by_day_model_and_conversation_are_the_sums_of_their_records(history):
    a = history.create_conversation("a", SONNET).id
    b = history.create_conversation("b", SONNET).id
    add_reply(history, a, SONNET, 1, 100, 10)
    add_reply(history, a, "claude-opus-5", 2, 200, 20)
    add_reply(history, b, SONNET, 2, 300, 30)
    add_reply(history, b, "claude-private-x", 3, 400, 40)
    records = [m.usage for c in (a, b) for m in history.load_messages(c) if m.usage is not None]
    assert len(records) == 4
    priced = [u.cost_usd for u in records if u.cost_usd is not None]
    assert len(priced) == 3 and all(c > 0 for c in priced)

    (total,) = history.totals()
    assert total.records == 4 and total.unpriced_records == 1
    assert total.cost_usd == pytest.approx(sum(priced))
    assert total.input_tokens == 1000 and total.output_tokens == 100 and total.cache_read_input_tokens == 4000

    by_day = history.totals(by="day")
    assert [d.key for d in by_day] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert by_day[2].cost_usd is None, "a day of only unpriced records has no cost, not 0"
    assert sum(d.cost_usd or 0 for d in by_day) == pytest.approx(total.cost_usd)

    by_model = {t.key: t for t in history.totals(by="model")}
    assert by_model["claude-private-x"].cost_usd is None
    assert by_model[SONNET].records == 2
    assert by_model[SONNET].cost_usd == pytest.approx((400 * 2 + 40 * 10 + 2000 * 0.1) / 1e6)

    by_conversation = {t.key: t for t in history.totals(by="conversation")}
    assert by_conversation[b].unpriced_records == 1
    assert by_conversation[a].cost_usd + by_conversation[b].cost_usd == pytest.approx(total.cost_usd)
    assert history.conversation_totals([a, b])[a] == by_conversation[a]

    (since,) = history.totals(since=date(2026, 11, 2))
    assert since.records == 3
