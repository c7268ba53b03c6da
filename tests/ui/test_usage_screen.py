"""The usage screen (Ctrl+T, or "Usage and cost" in the palette): its charts and tables show what
``claude-textual usage --json`` says of the same history, for 7 days, 30 days and all time."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from textual.widgets import DataTable, Sparkline, Static

from claude_textual.cli import main
from claude_textual.core.describe import money
from claude_textual.core.model import Message, Usage, user_text_message
from claude_textual.ui.screens.usage import UsageScreen
from tests.ui.uihelpers import SIZE, ready, run, run_from_palette, wait_for

RAW = {
    "input_tokens": 300,
    "output_tokens": 1200,
    "cache_creation_input_tokens": 1500,
    "cache_read_input_tokens": 20_000,
}


def spend(history, days_ago: list[tuple[int, str]], today: date) -> None:
    conversation = history.create_conversation("Spent", "claude-sonnet-5-5").id
    for ago, model in days_ago:
        history.add_message(conversation, user_text_message("hi"))
        reply = history.add_message(conversation, Message("assistant", [{"type": "text", "text": "ok"}]))
        when = datetime(today.year, today.month, today.day, 12, tzinfo=UTC) - timedelta(days=ago)
        history.add_usage(reply, Usage(raw=dict(RAW), model=model, created_at=when))


def cli_usage(db_path, capsys, since: date | None) -> dict:
    capsys.readouterr()
    args = ["usage", "--json", "--db", str(db_path)] + (["--since", since.isoformat()] if since else [])
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def table(screen, selector: str) -> list[list[str]]:
    grid = screen.query_one(selector, DataTable)
    return [[str(cell) for cell in grid.get_row_at(n)] for n in range(grid.row_count)]


@pytest.mark.parametrize(("key", "days"), [("1", 7), ("2", 30), ("3", None)])
async def test_the_usage_screen_agrees_with_the_command_line(make_app, history, db_path, capsys, key, days):
    today = datetime.now(UTC).date()
    spend(
        history,
        [
            (0, "claude-sonnet-5-5"),
            (2, "claude-opus-5"),
            (2, "my-private"),
            (20, "claude-opus-5"),
            (90, "claude-sonnet-5-5"),
        ],
        today,
    )
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+t")
        screen = await wait_for(
            pilot, lambda: isinstance(app.screen, UsageScreen) and app.screen, what="usage"
        )
        if key != "1":
            await wait_for(pilot, lambda: screen.report is not None, what="the first figures")
            await pilot.press(key)
        period = {"1": "7d", "2": "30d", "3": "all"}[key]
        figures = await wait_for(
            pilot, lambda: screen.report if screen.report and screen.report.period == period else None
        )
        await pilot.pause()
        total = str(screen.query_one("#usage-total", Static).render())
        spark = screen.query_one("#cost-by-day", Sparkline).data
        rows = {r[0]: r for r in table(screen, "#by-day")}
        models = {r[0]: r[-1] for r in table(screen, "#by-model")}
        bars = str(screen.query_one("#model-bars", Static).render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, UsageScreen), what="back to the chat")

    cli = cli_usage(db_path, capsys, figures.since)  # after the app: it holds stdout while it runs
    # the totals line
    assert money(cli["total"]["cost_usd"]) in total and f"{cli['total']['records']:,} calls" in total
    assert ("1 without a price" in total) == (cli["total"]["unpriced_records"] == 1)
    # cost by day: one bar per day of the period, days without calls at 0, the CLI's figures
    per_day = {d["day"]: d["cost_usd"] or 0.0 for d in cli["by_day"]}
    if days is not None:
        assert len(spark) == days
    assert sum(spark) == pytest.approx(sum(per_day.values()))
    assert [v for v in spark if v] == pytest.approx([per_day[k] for k in sorted(per_day) if per_day[k]])
    # the tables: by day (every day of the period) and by model, with the CLI's figures
    for day in cli["by_day"]:
        assert rows[day["day"]][1] == f"{day['records']:,}" and rows[day["day"]][-1] == money(day["cost_usd"])
    assert models == {m["model"]: money(m["cost_usd"]) for m in cli["by_model"]}
    assert all(m["model"] in bars for m in cli["by_model"])


async def test_the_palette_opens_the_usage_screen(make_app):
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await run_from_palette(pilot, "usage and cost", "Usage and cost")
        await wait_for(pilot, lambda: isinstance(app.screen, UsageScreen), what="the usage screen")


def test_usage_screen_snapshot(make_app, history, snap_compare):
    today = date(2026, 11, 20)
    spend(
        history,
        [(0, "claude-sonnet-5-5"), (1, "claude-opus-5"), (3, "claude-sonnet-5-5"), (3, "my-private")],
        today,
    )

    async def open_it(pilot) -> None:
        await ready(pilot)
        await pilot.app.workers.wait_for_complete()  # the list, its prices and the draft: all settled
        screen = UsageScreen(pilot.app.screen.session.store, today=today)
        await pilot.app.push_screen(screen)
        await wait_for(pilot, lambda: screen.report is not None, what="the figures")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_it)


async def test_the_status_bar_shows_each_replys_cost_and_the_conversations(
    caching_api, settings, db_path, history
):
    """Two turns against the caching server: the second reads the first from the cache; the status bar
    shows that reply's cost, the conversation's (the sum of the stored records) and the cache share."""
    from claude_textual.ui.app import ClaudeApp
    from claude_textual.ui.widgets.status_bar import StatusBar
    from tests.core._streams import block_stop, finish, message_start, stream_reply, text_block
    from tests.ui.uihelpers import send_and_wait

    def priced_reply(n: int):
        start = message_start(msg_id=f"msg_{n}", model="claude-sonnet-5-5")
        return stream_reply([start, *text_block(0, ["The sea ", "is deep."]), block_stop(0), *finish()])

    caching_api.then(priced_reply(1), priced_reply(2))
    app = ClaudeApp(settings, db_path, api_key="sk-test", base_url=caching_api.url)
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Tell me about the sea. " * 250)  # past the 1,024-token minimum
        await send_and_wait(pilot, "And the ocean?")
        status = app.screen.query_one(StatusBar)
        text = str(status.render())
    (conversation,) = history.list_conversations()
    usages = [m.usage for m in history.load_messages(conversation.id) if m.usage is not None]
    assert len(usages) == 2 and usages[1].count("cache_read_input_tokens") > 0
    inputs = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    assert f"reply in {sum(usages[1].count(k) for k in inputs):,}" in text
    assert money(usages[1].cost_usd) in text.split("│")[-2], "this reply's cost"
    assert money(sum(u.cost_usd for u in usages)) in text.split("│")[-1], "the conversation's cost"
    totals = history.usage_totals(conversation.id)
    assert f"cache {totals.cache_share:.0%}" in text
