"""The conversation settings screen (Ctrl+O) against the loopback API, the status bar, the context meter."""

from __future__ import annotations

from textual.widgets import Input, Select, Static, Switch, TextArea
from textual.widgets._select import SelectOverlay

from claude_textual.core.loopback import Reply, model_info
from claude_textual.ui.screens.options import OptionsScreen
from claude_textual.ui.widgets.prompt import PromptBox
from claude_textual.ui.widgets.status_bar import StatusBar
from tests.conftest import fixture_reply
from tests.ui.uihelpers import assistants, idle, ready, run, send_and_wait, toasts, wait_for

LISTED = [
    model_info("claude-listed-1", "Listed One", 500_000),
    model_info("claude-listed-2", "Listed Two", 300_000),
]


def status_text(app) -> str:
    return str(app.screen.query_one(StatusBar).render())


async def open_options(pilot) -> OptionsScreen:
    await pilot.press("ctrl+o")
    screen = await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, OptionsScreen) and pilot.app.screen,
        what="the settings screen",
    )
    await wait_for(pilot, lambda: screen.catalogue is not None, what="the model list")
    return screen


async def choose(pilot, screen: OptionsScreen) -> None:
    """Set every option through the widgets, the model by picking it from the open Select."""
    model = screen.query_one("#model", Select)
    model.focus()
    await pilot.press("enter")  # open the list, then move down to the listed model and pick it
    overlay = await wait_for(
        pilot, lambda: model.expanded and model.query_one(SelectOverlay), what="the list"
    )
    target = [value for _, value in model._options].index("claude-listed-2")
    while overlay.highlighted != target:
        await pilot.press("down" if (overlay.highlighted or 0) < target else "up")
    await pilot.press("enter")
    await wait_for(pilot, lambda: model.value == "claude-listed-2", what="the model picked")
    screen.query_one("#system", TextArea).text = "Answer in French."
    screen.query_one("#max_tokens", Input).value = "3000"
    screen.query_one("#thinking", Select).value = "enabled"
    screen.query_one("#thinking_budget", Input).value = "2048"
    screen.query_one("#effort", Select).value = "high"
    screen.query_one("#thinking_display", Select).value = "omitted"
    screen.query_one("#web_search", Switch).value = True
    screen.query_one("#code_execution", Switch).value = True
    await pilot.pause()


EXPECTED = {
    "model": "claude-listed-2",
    "max_tokens": 3000,
    "system": "Answer in French.",
    "thinking": {"type": "enabled", "budget_tokens": 2048, "display": "omitted"},
    "output_config": {"effort": "high"},
    "tools": [
        {"type": "web_search_20250305", "name": "web_search"},
        {"type": "code_execution_20250825", "name": "code_execution"},
    ],
}


def sent(request) -> dict:
    return {k: v for k, v in request.body.items() if k in EXPECTED}


async def test_pick_model_and_options_then_the_next_request_carries_them(api, make_app):
    api.models = LISTED
    api.then(*[fixture_reply("docs_basic_text.sse")] * 3)
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "first")
        screen = await open_options(pilot)
        assert [api.requests[-1].path] == ["/v1/models?limit=100"]
        note = str(screen.query_one("#models-note", Static).render())
        assert "2 models from the API" in note
        labels = [str(prompt) for prompt, _ in screen.query_one("#model", Select)._options]
        assert any("Listed Two" in label for label in labels)
        await choose(pilot, screen)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, OptionsScreen), what="the screen to close")
        line = status_text(app)
        assert "claude-listed-2" in line and "think 2k (omitted)" in line and "effort high" in line
        assert "tools search+code" in line
        # the listed model's context window (the 120-column bar shortens its meter to the share)
        assert "/300k" in app.screen.query_one(StatusBar).context
        await send_and_wait(pilot, "second")
        assert sent(api.requests[-1]) == EXPECTED
        assert [m["role"] for m in api.requests[-1].body["messages"]] == ["user", "assistant", "user"]
        assert "output_config" not in api.requests[0].body and "tools" not in api.requests[0].body  # before
        conversation_id = app.screen.session.conversation_id

    # later, in a new app: reopening the conversation keeps them
    app = make_app(resume=conversation_id)
    async with run(app) as pilot:
        await ready(pilot)
        await wait_for(
            pilot, lambda: "claude-listed-2" in status_text(app), what="the conversation's settings"
        )
        assert app.screen.session.conversation_id == conversation_id
        await send_and_wait(pilot, "third")
        assert sent(api.requests[-1]) == EXPECTED


async def test_a_new_conversation_keeps_the_settings_until_it_is_created(api, make_app, history):
    api.models = LISTED
    api.then(fixture_reply("docs_basic_text.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        screen = await open_options(pilot)
        screen.query_one("#effort", Select).value = "low"
        screen.query_one("#web_fetch", Switch).value = True
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, OptionsScreen), what="the screen to close")
        await send_and_wait(pilot, "hello")
        body = api.requests[-1].body
        assert body["output_config"] == {"effort": "low"}
        assert body["tools"] == [{"type": "web_fetch_20250910", "name": "web_fetch"}]
    [conversation] = history.list_conversations()
    assert conversation.options["effort"] == "low" and conversation.options["web_fetch"] is True


async def test_esc_cancels_and_bad_numbers_are_refused(api, make_app):
    api.then(fixture_reply("docs_basic_text.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        screen = await open_options(pilot)
        screen.query_one("#max_tokens", Input).value = "0"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "max_tokens must be positive" in str(screen.query_one("#problem", Static).render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, OptionsScreen), what="the screen to close")
        await send_and_wait(pilot, "hello")
        assert api.requests[-1].body["max_tokens"] == 16000


async def test_offline_falls_back_to_the_builtin_list_with_a_note(api, make_app):
    api.stop()
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        screen = await open_options(pilot)
        note = str(screen.query_one("#models-note", Static).render())
        assert note.startswith("offline list") and "Cannot reach the API" in note
        values = [value for _, value in screen.query_one("#model", Select)._options]
        assert "claude-sonnet-4-6" in values and "claude-opus-4-6" in values


async def test_models_list_error_falls_back_too(api, make_app):
    api.models_reply = Reply.error(403, "permission_error", "no listing for you")
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        screen = await open_options(pilot)
        assert "offline list" in str(screen.query_one("#models-note", Static).render())


# context meter ------------------------------------------------------------------------------------


async def test_meter_after_a_reply_with_known_usage(api, make_app):
    api.then(fixture_reply("real_web_search_citations.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "weather?")
        # usage of that reply: input 22397 + output 637 (no cache), window 200k (built-in table)
        assert "ctx 23k/200k 12%" in status_text(app)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert "ctx 0/200k 0%" in status_text(app)


async def test_huge_prompt_that_does_not_fit_is_not_sent(api, make_app):
    api.counter = lambda body: Reply.json({"input_tokens": 195_000})
    app = make_app()
    huge = ("word " * 30_000).strip()  # 150 KB
    async with run(app) as pilot:
        await ready(pilot)
        box = app.screen.query_one(PromptBox)
        box.text = huge
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: toasts(app), what="the refusal")
        [refusal] = toasts(app)
        assert "Not sent" in refusal and "195,000" in refusal and "still in the box" in refusal
        assert box.text == huge
        # the model list first (for the model's own window: none listed, so the built-in 200k)
        assert [r.path for r in api.requests] == ["/v1/models?limit=100", "/v1/messages/count_tokens"]
        assert api.requests[1].body["messages"][-1]["content"][0]["text"] == huge
        assert not assistants(app)
        assert app.screen.session.conversation_id is None  # nothing saved


async def test_huge_prompt_that_fits_is_sent_and_failed_count_sends_with_a_note(api, make_app):
    api.counter = lambda body: Reply.error(500, "api_error", "counter broke")
    api.then(fixture_reply("docs_basic_text.sse"))
    app = make_app()
    huge = ("word " * 30_000).strip()
    async with run(app) as pilot:
        await ready(pilot)
        box = app.screen.query_one(PromptBox)
        box.text = huge
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: assistants(app) and idle(app), what="the reply")
        assert any("sent anyway" in t for t in toasts(app, "warning"))
        assert [r.path for r in api.requests] == [
            "/v1/models?limit=100",
            "/v1/messages/count_tokens",
            "/v1/messages",
        ]
        assert box.text == ""


async def test_huge_prompt_counted_against_the_listed_models_own_window(api, make_app, settings):
    """195k tokens do not fit the built-in 200k with max_tokens, but fit the 1M window the API lists."""
    from dataclasses import replace

    from claude_textual.core.loopback import model_info

    api.models = [model_info("claude-big", "Big", 1_000_000)]
    api.counter = lambda body: Reply.json({"input_tokens": 195_000})
    api.then(fixture_reply("docs_basic_text.sse"))
    app = make_app(settings=replace(settings, model="claude-big"))
    huge = ("word " * 30_000).strip()
    async with run(app) as pilot:
        await ready(pilot)
        app.screen.query_one(PromptBox).text = huge
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: assistants(app) and idle(app), what="the reply")
        assert [r.path for r in api.requests] == [
            "/v1/models?limit=100",
            "/v1/messages/count_tokens",
            "/v1/messages",
        ]
        assert "/1M" in status_text(app) or "/1000k" in status_text(app), status_text(app)
