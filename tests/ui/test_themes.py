"""Themes that stick: the one config.toml names is used, one chosen in the palette is remembered for the
next start, and a name that is no theme is said so."""

from __future__ import annotations

import json

from claude_textual.config import Settings
from tests.ui.uihelpers import NotificationLog, ready, run, wait_for


async def test_the_theme_named_in_the_config_is_used(make_app):
    app = make_app(settings=Settings(model="claude-test", max_retries=0, theme="nord"))
    async with run(app) as pilot:
        await ready(pilot)
        assert app.theme == "nord"


async def test_a_theme_chosen_in_the_palette_is_remembered(make_app, db_path):
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        assert app.theme != "gruvbox"
        app.theme = "gruvbox"  # what the palette's "Change theme" does
        state = db_path.parent / "state.json"
        await wait_for(
            pilot, lambda: state.exists() and json.loads(state.read_text()) == {"theme": "gruvbox"}
        )
        assert oct(state.stat().st_mode & 0o777) == "0o600"
    again = make_app()
    async with run(again) as pilot:
        await ready(pilot)
        assert again.theme == "gruvbox"


async def test_a_theme_that_does_not_exist_is_said_so(make_app):
    log = NotificationLog()
    app = make_app(settings=Settings(model="claude-test", max_retries=0, theme="no-such-theme"))
    async with run(app, log) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: any("no theme 'no-such-theme'" in n.message for n in log.of("warning")))


async def test_code_blocks_follow_a_light_theme_and_back(make_app, api, db_path):
    """Code is drawn on its code theme's own background: monokai's on a dark theme, friendly's on a light
    one, in a stored reply and in one that streamed; switching the theme redraws both."""
    from claude_textual.core.model import Message, user_text_message
    from claude_textual.store.history import History
    from claude_textual.ui.widgets.blocks import StoredText, TextView
    from tests.core._streams import stream_reply, text_reply
    from tests.ui.uihelpers import assistants, idle, send

    code = "Here:\n\n```python\ndef f(x):\n    return x\n```\n"
    store = History(db_path)
    conversation = store.create_conversation("code", "claude-test")
    store.add_message(conversation.id, user_text_message("code please"))
    store.add_message(conversation.id, Message(role="assistant", content=[{"type": "text", "text": code}]))
    store.close()
    api.then(stream_reply(text_reply(["Here:\n\n```python\nde", "f g(y):\n    return y\n```\n"], pause=0.3)))
    app = make_app(resume="last")

    def backgrounds(kind: type) -> set[str]:
        found = set()
        for view in app.screen.query(kind):
            for strip in view.render_lines(view.region.reset_offset):
                found |= {
                    s.style.bgcolor.name for s in strip if "def" in s.text and s.style and s.style.bgcolor
                }
        return found

    async with run(app) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: backgrounds(StoredText), what="the stored reply")
        await send(pilot, "again")
        await wait_for(pilot, lambda: len(assistants(app)) == 2 and idle(app), what="the streamed reply")
        assert backgrounds(StoredText) == backgrounds(TextView) == {"#272822"}  # monokai
        app.theme = "textual-light"
        await wait_for(
            pilot,
            lambda: backgrounds(StoredText) == backgrounds(TextView) == {"#f0f0f0"},
            what="friendly's background",
        )
        app.theme = "textual-dark"
        await wait_for(pilot, lambda: backgrounds(StoredText) == {"#272822"}, what="monokai again")
