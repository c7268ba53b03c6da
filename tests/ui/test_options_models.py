"""The settings screen offers what the chosen model takes and says what it lacks; deprecated and retired
models are marked in the picker."""

from __future__ import annotations

import pytest
from textual.widgets import Select, Static

from claude_textual.config import Settings
from claude_textual.core.catalogue import BUILTIN
from claude_textual.core.loopback import model_info
from tests.ui.test_options_screen import open_options
from tests.ui.uihelpers import plain, ready, run, wait_for


def offered(screen, key: str) -> list[str]:
    return [value for _, value in screen.query_one(f"#{key}", Select)._options if value != Select.BLANK]


@pytest.mark.parametrize(
    ("model", "thinking", "efforts", "says"),
    [
        (
            "claude-sonnet-5-5",
            ["off", "adaptive"],
            ["", "low", "medium", "high", "xhigh", "max"],
            "no thinking budget",
        ),
        ("claude-opus-5-5", ["adaptive"], ["", "low", "medium", "high", "xhigh", "max"], "always thinks"),
        ("claude-haiku-4-5", ["off", "enabled"], [""], "no effort setting"),
    ],
)
async def test_the_choices_follow_the_model(api, make_app, model, thinking, efforts, says):
    api.models = [model_info(c.id, c.name, c.context_window, caps=c.caps) for c in BUILTIN]
    app = make_app(
        settings=Settings(model=model, thinking="enabled", effort="max", max_retries=0, title_model="")
    )
    async with run(app) as pilot:
        await ready(pilot)
        screen = await open_options(pilot)
        assert offered(screen, "thinking") == thinking and offered(screen, "effort") == efforts
        assert says in plain(screen.query_one("#model-caps", Static))
        # a stored wish the model does not take is shown as the nearest it does
        assert screen.query_one("#thinking", Select).value in thinking
        assert screen.query_one("#effort", Select).value == efforts[-1]


async def test_deprecated_and_retired_models_are_marked(api, make_app):
    api.models = [
        model_info("claude-sonnet-5-5", "Claude Sonnet 5.5", 1_000_000),
        model_info("claude-old", "Claude Old", 200_000, lifecycle="deprecated", retires_at="2027-01-05"),
        model_info("claude-gone", "Claude Gone", 200_000, lifecycle="retired"),
    ]
    app = make_app(settings=Settings(model="claude-gone", max_retries=0, title_model=""))
    async with run(app) as pilot:
        await ready(pilot)
        screen = await open_options(pilot)
        labels = {value: str(label) for label, value in screen.query_one("#model", Select)._options}
        assert labels["claude-old"].endswith("· deprecated, retires 2027-01-05")
        assert labels["claude-gone"].endswith("· retired")
        assert "is retired" in plain(screen.query_one("#model-caps", Static))


async def test_switching_model_mid_conversation_keeps_it_alive(api, make_app):
    """A reply with thinking by Opus 5.5, then Ctrl+O -> Sonnet 5.5: the next request leaves Opus's
    thinking out (the validating server refuses another model's thinking) and the user is told."""
    from tests.conftest import fixture_reply
    from tests.ui.test_options_screen import OptionsScreen
    from tests.ui.uihelpers import NotificationLog, send_and_wait, streamed, wait_for

    api.models = [model_info(c.id, c.name, c.context_window, caps=c.caps) for c in BUILTIN]
    api.then(
        streamed([("thinking", ["Four, plainly."]), ("text", ["4."])], pause=0, model="claude-opus-5-5"),
        fixture_reply("docs_basic_text.sse"),
    )
    log = NotificationLog()
    app = make_app(settings=Settings(model="claude-opus-5-5", max_retries=0, title_model=""))
    async with run(app, log) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "2+2?")
        screen = await open_options(pilot)
        screen.query_one("#model", Select).value = "claude-sonnet-5-5"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, OptionsScreen), what="the screen to close")
        await send_and_wait(pilot, "and 3+3?")
        assert "error" not in [n.severity for n in log.items]
        assert any("is not sent to claude-sonnet-5-5" in n.message for n in log.items)
    body = [r for r in api.requests if r.path.endswith("/v1/messages")][-1].body
    assert body["model"] == "claude-sonnet-5-5"
    assert [b["type"] for b in body["messages"][1]["content"]] == ["text"]


async def test_sending_on_a_retired_model_offers_a_switch_in_one_key(api, make_app):
    """The conversation's model is retired: the prompt is not sent (it stays in the box), a dialog offers
    the newest active model of its family; Enter switches, and the prompt then goes to that model."""
    from claude_textual.ui.screens.dialogs import ConfirmScreen
    from claude_textual.ui.widgets.prompt import PromptBox
    from tests.conftest import fixture_reply
    from tests.ui.uihelpers import send, send_and_wait, wait_for

    api.models = [
        model_info("claude-sonnet-5-5", "Claude Sonnet 5.5", 1_000_000),
        model_info("claude-opus-5-5", "Claude Opus 5.5", 1_000_000),
        model_info(
            "claude-sonnet-3-9", "Claude Sonnet 3.9", 200_000, lifecycle="retired", retires_at="2026-10-01"
        ),
    ]
    api.then(fixture_reply("docs_basic_text.sse"))
    app = make_app(
        settings=Settings(model="claude-sonnet-3-9", max_retries=0, thinking="off", title_model="")
    )
    async with run(app) as pilot:
        await ready(pilot)
        await open_options(pilot)  # the model list is fetched (and cached) once Ctrl+O is opened
        await pilot.press("escape")
        await send(pilot, "still there?")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen)
        assert "Claude Sonnet 3.9 was retired on 2026-10-01" in dialog.question
        assert "Switch this conversation to Claude Sonnet 5.5?" in dialog.question
        assert [r for r in api.requests if r.path.endswith("/v1/messages")] == []
        assert app.chat.query_one(PromptBox).text == "still there?", "the prompt stays in the box"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        await wait_for(pilot, lambda: app.chat.session.effective().model == "claude-sonnet-5-5")
        await send_and_wait(pilot, "")
    sent = [r.body for r in api.requests if r.path.endswith("/v1/messages")]
    assert [b["model"] for b in sent] == ["claude-sonnet-5-5"]


async def test_a_prompt_too_large_for_the_window_offers_context_editing_in_one_key(api, make_app, db_path):
    """A long tool-using conversation on a model with a small window: the prompt is refused by the count,
    a dialog offers context editing; Enter turns it on, and Ctrl+S sends the prompt, which the API
    (the validating server, applying the edits) takes, clearing the oldest tool results."""
    from claude_textual.store.history import History
    from claude_textual.ui.screens.dialogs import ConfirmScreen
    from claude_textual.ui.widgets.prompt import PromptBox
    from tests.conftest import fixture_reply
    from tests.session.test_context_editing import BIG, tool_history
    from tests.ui.uihelpers import NotificationLog, send, send_and_wait, wait_for

    model = "claude-sonnet-5-5"
    caps = next(c.caps for c in BUILTIN if c.id == model)
    api.models = [model_info(model, "Claude Sonnet 5.5", 10_000, caps=caps)]
    store = History(db_path)
    conversation_id = tool_history(store, model)
    store.close()
    api.then(fixture_reply("docs_basic_text.sse"))
    log = NotificationLog()
    settings = Settings(model=model, max_retries=0, thinking="off", max_tokens=1000, title_model="")
    app = make_app(settings=settings, resume=conversation_id)
    prompt = "what was on page one? " * 550  # over a quarter of the window: counted before it is sent
    async with run(app, log) as pilot:
        await ready(pilot)
        await open_options(pilot)  # the model list (with the small window) is fetched once
        await pilot.press("escape")
        await send(pilot, prompt)
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen)
        assert "Turn on context editing for this conversation?" in dialog.question
        assert [
            r for r in api.requests if r.path.startswith("/v1/messages?") or r.path == "/v1/messages"
        ] == []
        assert app.chat.query_one(PromptBox).text == prompt, "the prompt stays in the box"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.chat.session.effective().context_editing)
        await wait_for(pilot, lambda: any("Context editing is on" in n.message for n in log.items))
        await send_and_wait(pilot, "")
        await wait_for(
            pilot, lambda: any(n.message.startswith("Context editing: the API cleared") for n in log.items)
        )
    [sent] = [r for r in api.requests if r.path.split("?")[0] == "/v1/messages"]
    assert "context_management" in sent.body
    assert sum(BIG in str(b.get("content")) for t in sent.body["messages"] for b in t["content"]) == 6


async def test_context_editing_is_offered_only_where_the_model_has_it(api, make_app):
    from dataclasses import replace

    from textual.widgets import Switch

    sonnet = next(c for c in BUILTIN if c.id == "claude-sonnet-5-5")
    plain_caps = replace(sonnet.caps, context_edits=frozenset())
    api.models = [
        model_info(sonnet.id, sonnet.name, sonnet.context_window, caps=sonnet.caps),
        model_info("claude-plain", "Claude Plain", 200_000, caps=plain_caps),
    ]
    app = make_app(
        settings=Settings(model="claude-plain", context_editing=True, max_retries=0, title_model="")
    )
    async with run(app) as pilot:
        await ready(pilot)
        screen = await open_options(pilot)
        switch = screen.query_one("#context_editing", Switch)
        assert switch.disabled and switch.value is False
        assert "no context editing" in plain(screen.query_one("#model-caps", Static))
        screen.query_one("#model", Select).value = sonnet.id
        await wait_for(pilot, lambda: not switch.disabled, what="the switch to be offered")
        assert "no context editing" not in plain(screen.query_one("#model-caps", Static))
