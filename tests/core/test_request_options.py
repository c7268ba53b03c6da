"""Per-conversation options: validated like config.toml, laid over the app settings, sent as the API takes them."""

from __future__ import annotations

import itertools

import pytest
from pydantic import TypeAdapter

from claude_textual.config import OPTION_KEYS, Settings, parse_settings
from claude_textual.core.model import user_text_message
from claude_textual.core.requests import build_params

HISTORY = [user_text_message("hi")]


def sdk_accepts(params: dict) -> None:
    """The installed SDK's own request types take these params (thinking, output_config, tools)."""
    from anthropic.types import OutputConfigParam, ThinkingConfigParam, ToolUnionParam

    for key, kind in (("thinking", ThinkingConfigParam), ("output_config", OutputConfigParam)):
        if key in params:
            assert TypeAdapter(kind).validate_python(params[key]) == params[key]
    for tool in params.get("tools", []):
        assert TypeAdapter(ToolUnionParam).validate_python(tool) == tool


def test_adaptive_with_display_omitted():
    params = build_params(HISTORY, Settings(thinking="adaptive", thinking_display="omitted"))
    assert params["thinking"] == {"type": "adaptive", "display": "omitted"}
    assert "output_config" not in params and "tools" not in params
    sdk_accepts(params)


def test_enabled_with_budget_and_display_summarized():
    settings = Settings(
        thinking="enabled", thinking_budget=2048, thinking_display="summarized", max_tokens=8000
    )
    params = build_params(HISTORY, settings)
    assert params["thinking"] == {"type": "enabled", "budget_tokens": 2048, "display": "summarized"}
    assert params["max_tokens"] == 8000
    sdk_accepts(params)


def test_off_sends_no_thinking_even_with_a_display():
    assert "thinking" not in build_params(HISTORY, Settings(thinking="off", thinking_display="omitted"))


@pytest.mark.parametrize("effort", ["low", "medium", "high", "xhigh", "max"])
def test_effort_goes_in_output_config(effort):
    params = build_params(HISTORY, Settings(thinking="off", effort=effort))
    assert params["output_config"] == {"effort": effort}
    sdk_accepts(params)


@pytest.mark.parametrize("search,fetch,code", list(itertools.product([False, True], repeat=3)))
def test_server_tool_definitions(search, fetch, code):
    params = build_params(
        HISTORY, Settings(thinking="off", web_search=search, web_fetch=fetch, code_execution=code)
    )
    expected = (
        [{"type": "web_search_20250305", "name": "web_search"}] * search
        + [{"type": "web_fetch_20250910", "name": "web_fetch"}] * fetch
        + [{"type": "code_execution_20250825", "name": "code_execution"}] * code
    )
    assert params.get("tools", []) == expected
    sdk_accepts(params)


def test_everything_at_once():
    settings = Settings(
        model="claude-opus-4-6",
        max_tokens=3000,
        system="Terse.",
        thinking="enabled",
        thinking_budget=1024,
        effort="high",
        thinking_display="omitted",
        web_search=True,
    )
    params = build_params(HISTORY, settings)
    assert params == {
        "model": "claude-opus-4-6",
        "max_tokens": 3000,
        "system": "Terse.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "thinking": {"type": "enabled", "budget_tokens": 1024, "display": "omitted"},
        "output_config": {"effort": "high"},
        "tools": [{"type": "web_search_20250305", "name": "web_search"}],
    }
    sdk_accepts(params)


# options laid over the settings ---------------------------------------------------------------


def test_options_overlay_and_round_trip():
    base = Settings(model="m", timeout=5.0)
    mine = base.with_options(
        {"model": "claude-haiku-4-5", "effort": "low", "web_fetch": True, "max_tokens": 900}
    )
    assert (mine.model, mine.effort, mine.web_fetch, mine.max_tokens, mine.timeout) == (
        "claude-haiku-4-5",
        "low",
        True,
        900,
        5.0,
    )
    assert base.with_options(mine.options()) == mine
    assert set(mine.options()) == set(OPTION_KEYS)


@pytest.mark.parametrize(
    "stored",
    [
        {"surprise": 1},  # a key from a later version
        {"timeout": 1.0},  # not a per-conversation setting
        {"thinking": "sometimes"},
        {"effort": "extreme"},
        {"thinking_display": "hidden"},
        {"max_tokens": 0},
        {"max_tokens": "many"},
        {"thinking_budget": 100},
        {"web_search": "yes"},
        {"web_search": 1},
        {"max_tokens": True},
        {"model": ""},
    ],
)
def test_unknown_or_invalid_stored_options_are_ignored(stored):
    base = Settings()
    assert base.with_options(stored) == base


def test_new_config_keys_validated():
    text = (
        'effort = "max"\nthinking_display = "omitted"\nshow_thinking = false\nweb_search = true\n'
        "web_fetch = true\ncode_execution = true\n"
    )
    settings = parse_settings(text)
    assert settings.warnings == ()
    assert (settings.effort, settings.thinking_display, settings.show_thinking) == ("max", "omitted", False)
    assert settings.web_search and settings.web_fetch and settings.code_execution


def test_bad_new_config_keys_warn_with_line():
    settings = parse_settings(
        'model = "m"\neffort = "huge"\nweb_search = "on"\nthinking_budget = 10\n', "c.toml"
    )
    assert settings == Settings(model="m")
    effort, search, budget = settings.warnings
    assert effort.startswith("c.toml:2: 'effort' must be one of") and "xhigh" in effort
    assert search.startswith("c.toml:3: 'web_search' should be bool")
    assert budget.startswith("c.toml:4: 'thinking_budget' must be at least 1024")
