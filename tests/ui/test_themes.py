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
