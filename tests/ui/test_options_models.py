"""The settings screen offers what the chosen model takes and says what it lacks; deprecated and retired
models are marked in the picker."""

from __future__ import annotations

import pytest
from textual.widgets import Select, Static

from claude_textual.config import Settings
from claude_textual.core.catalogue import BUILTIN
from claude_textual.core.loopback import model_info
from tests.ui.test_options_screen import open_options
from tests.ui.uihelpers import plain, ready, run


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
    app = make_app(settings=Settings(model=model, thinking="enabled", effort="max", max_retries=0))
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
    app = make_app(settings=Settings(model="claude-gone", max_retries=0))
    async with run(app) as pilot:
        await ready(pilot)
        screen = await open_options(pilot)
        labels = {value: str(label) for label, value in screen.query_one("#model", Select)._options}
        assert labels["claude-old"].endswith("· deprecated, retires 2027-01-05")
        assert labels["claude-gone"].endswith("· retired")
        assert "is retired" in plain(screen.query_one("#model-caps", Static))
