"""The search dialog: debounced search in a worker, keyboard and mouse choice, inert highlighted snippets."""

from __future__ import annotations

import html

import pytest

from claude_textual.core.model import Message
from claude_textual.store.history import History
from claude_textual.ui.screens.search import MATCH_STYLE, SearchScreen, marked_text
from tests.ui.modalhost import run_host
from tests.ui.uihelpers import wait_for


def text_message(role: str, text: str) -> Message:
    return Message(role=role, content=[{"type": "text", "text": text}])


@pytest.fixture
def store(tmp_path):
    history = History(tmp_path / "h.db")
    ids = {}
    weather = history.create_conversation("Weather in Paris", "claude-test")
    ids["weather_q"] = history.add_message(
        weather.id, text_message("user", "What is the weather like in Paris?")
    ).id
    ids["weather_a"] = history.add_message(
        weather.id, text_message("assistant", "The weather in Paris is mild and sunny today.")
    ).id
    other = history.create_conversation("Unicode — 東京 café", "claude-test")
    ids["tokyo"] = history.add_message(
        other.id, text_message("user", "東京タワーの近くのカフェ café crème")
    ).id
    evil = history.create_conversation("Evil [bold]title[/bold] \x1b[2J", "claude-test")
    ids["evil"] = history.add_message(
        evil.id, text_message("assistant", "marker zebra \x1b]52;c;ZXZpbA==\x07 [red]not markup[/red]")
    ).id
    ids["weather"], ids["other"], ids["evil_conv"] = weather.id, other.id, evil.id
    yield history, ids
    history.close()


def status(screen: SearchScreen) -> str:
    return str(screen.query_one("#search-status").render())


def results(screen: SearchScreen):
    return screen.query_one("#search-results")


async def settle(pilot, screen: SearchScreen, query: str) -> None:
    """Wait until the list shows the answer to ``query``."""
    await wait_for(
        pilot, lambda: screen.shown_query == query and screen._timer is None, what=f"results for {query!r}"
    )


async def test_typing_searches_and_enter_returns_the_hit(store):
    history, ids = store
    screen = SearchScreen(history)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press(*"weather")
        await settle(pilot, screen, "weather")
        assert [h.message_id for h in screen.hits] == [ids["weather_a"], ids["weather_q"]]  # newest first
        assert results(screen).option_count == 2
        assert status(screen) == "2 matches"
        first = str(results(screen).get_option_at_index(0).prompt)
        assert "Weather in Paris" in first and "assistant" in first and "«" not in first
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.results, what="dismissed")
    [hit] = app.results
    assert hit.message_id == ids["weather_a"] and hit.conversation_id == ids["weather"]
    assert hit.title == "Weather in Paris" and hit.role == "assistant"


async def test_typing_is_debounced(store):
    history, _ = store
    calls: list[str] = []

    class Counting:
        def search(self, query, limit=20):
            calls.append(query)
            return history.search(query, limit)

    screen = SearchScreen(Counting())  # type: ignore[arg-type]
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press(*"weather paris")
        await settle(pilot, screen, "weather paris")
        assert len(screen.hits) == 2
    assert calls[-1] == "weather paris"
    assert len(calls) < len("weather paris") / 2, calls


async def test_down_moves_into_the_results_and_up_returns(store):
    history, ids = store
    screen = SearchScreen(history)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press(*"paris")
        await settle(pilot, screen, "paris")
        await pilot.press("down")
        assert app.focused is results(screen) and results(screen).highlighted == 0
        await pilot.press("down")
        assert results(screen).highlighted == 1
        await pilot.press("up", "up")
        assert app.focused is screen.query_one("#search-input")
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: app.results, what="dismissed")
    assert app.results[0].message_id == ids["weather_q"]


@pytest.mark.parametrize(("query", "key"), [("café", "tokyo"), ("東京タワー", "tokyo"), ("東京", "tokyo")])
async def test_unicode_queries(store, query, key):
    history, ids = store
    screen = SearchScreen(history)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press(*query)
        await settle(pilot, screen, query)
        assert ids[key] in [h.message_id for h in screen.hits]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.results, what="dismissed")
    assert app.results[0].message_id == ids[key]


async def test_quoted_phrase_and_no_matches(store):
    history, _ = store
    screen = SearchScreen(history)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press(*'"mild and sunny"')
        await settle(pilot, screen, '"mild and sunny"')
        assert len(screen.hits) == 1 and status(screen) == "1 match"
        snippet = results(screen).get_option_at_index(0).prompt
        assert any(
            str(snippet)[s.start : s.end] == "mild and sunny" and s.style == MATCH_STYLE
            for s in snippet.spans
        )

        input_ = screen.query_one("#search-input")
        input_.value = "zzzqqq nothing"
        await settle(pilot, screen, "zzzqqq nothing")
        assert results(screen).option_count == 0 and status(screen) == "No matches"
        await pilot.press("enter")  # nothing to open: stays
        await pilot.pause()
        assert app.screen is screen and not app.results

        input_.value = ""
        await wait_for(pilot, lambda: screen.shown_query is None and screen._timer is None)
        assert results(screen).option_count == 0 and "Type to search" in status(screen)


async def test_escape_dismisses_with_none(store):
    history, _ = store
    screen = SearchScreen(history)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press(*"weather")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results, what="dismissed")
        await pilot.pause(0.3)  # the pending search must not blow up after the screen is gone
        assert app.screen is not screen
    assert app.results == [None]


async def test_click_on_a_result_returns_it(store):
    history, ids = store
    screen = SearchScreen(history)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press(*"weather")
        await settle(pilot, screen, "weather")
        # each option is two lines; the second option starts on the list's third line
        await pilot.click("#search-results", offset=(4, 2))
        await wait_for(pilot, lambda: app.results, what="dismissed")
    assert app.results[0].message_id == ids["weather_q"]


async def test_untrusted_titles_and_snippets_are_inert_and_not_markup(store):
    history, ids = store
    screen = SearchScreen(history)
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press(*"zebra")
        await settle(pilot, screen, "zebra")
        [hit] = screen.hits
        assert hit.message_id == ids["evil"]
        prompt = str(results(screen).get_option_at_index(0).prompt)
        assert "\x1b" not in prompt and "\x07" not in prompt
        assert "Evil [bold]title[/bold] ␛[2J" in prompt
        assert "[red]not markup[/red]" in prompt and "␛]52;c;ZXZpbA==␇" in prompt
        shown = html.unescape(app.export_screenshot()).replace("\u00a0", " ")
        assert "\x1b]52" not in shown and "[red]not markup[/red]" in shown


def test_marked_text_highlights_marks_and_short_terms():
    text = marked_text("before «match» middle «two» after \x1b[2J ok", ["ok"])
    assert str(text) == "before match middle two after ␛[2J ok"
    styled = sorted((str(text)[s.start : s.end], str(s.style)) for s in text.spans)
    assert styled == [("match", MATCH_STYLE), ("ok", MATCH_STYLE), ("two", MATCH_STYLE)]
    assert str(marked_text("unbalanced « only")) == "unbalanced « only"
