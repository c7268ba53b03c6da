"""Requests built from a model's capabilities: every model of the built-in table, with every setting the
settings screen offers, makes a request the API accepts (the rules in tests/model_rules.py, written from
the documentation); a wish a model cannot meet is said once, plainly."""

from __future__ import annotations

import itertools

import pytest

from claude_textual.config import EFFORTS, THINKING_DISPLAYS, THINKING_MODES, Settings
from claude_textual.core.binding import with_binding
from claude_textual.core.capabilities import Capabilities, fit
from claude_textual.core.catalogue import BUILTIN, Catalogue
from claude_textual.core.context import with_context_editing
from claude_textual.core.model import user_text_message
from claude_textual.core.requests import build_params, fit_settings
from tests.model_rules import RULES, api_refusal

TOOLS = [{}, {"web_search": True, "web_fetch": True, "code_execution": True}]


def test_the_built_in_table_holds_todays_models_and_the_rules_cover_each():
    ids = {choice.id for choice in BUILTIN}
    assert {
        "claude-sonnet-5-5",
        "claude-opus-5-5",
        "claude-haiku-5-5",
        "claude-fable-5-2",
        "claude-haiku-4-5",
    } <= ids
    assert ids == set(RULES)
    assert all(choice.caps is not None and choice.context_window for choice in BUILTIN)
    assert Settings().model == "claude-sonnet-5-5"


@pytest.mark.parametrize("model", sorted(RULES))
def test_every_setting_the_ui_offers_makes_a_request_the_model_accepts(model):
    caps = Catalogue().capabilities(model)
    combos = itertools.product(
        THINKING_MODES, EFFORTS, THINKING_DISPLAYS, (16_000, 300_000), (1024, 20_000), TOOLS
    )
    for thinking, effort, display, max_tokens, budget, tools in combos:
        settings = Settings(
            model=model,
            thinking=thinking,
            effort=effort,
            thinking_display=display,
            max_tokens=max_tokens,
            thinking_budget=budget,
            **tools,
        )
        params = build_params([user_text_message("hi")], settings, caps=caps)
        for editing in (False, True):  # and as the turn sends it: context editing on or off, binding
            sent = with_context_editing(params, caps.context_edits, 1_000_000) if editing else params
            sent = with_binding(sent)
            body = {k: v for k, v in sent.items() if k != "betas"}  # the betas go in the header
            problem = api_refusal("messages", body, frozenset(sent.get("betas", ())))
            assert problem is None, (
                f"{model} {thinking=} {effort=} {display=} {max_tokens=} {budget=} {editing=}: {problem}"
            )


def test_an_unknown_model_gets_the_wishes_as_they_are():
    settings = Settings(model="someone-elses-model", thinking="enabled", effort="max", max_tokens=999_999)
    params = build_params([user_text_message("hi")], settings, caps=Catalogue().capabilities(settings.model))
    assert params["thinking"] == {"type": "enabled", "budget_tokens": 4000}
    assert params["output_config"] == {"effort": "max"} and params["max_tokens"] == 999_999
    assert fit_settings(settings, None).notes == ()


def caps_of(model: str) -> Capabilities:
    caps = Catalogue().capabilities(model)
    assert caps is not None
    return caps


def fitted(model: str, **wishes):
    base = {
        "thinking": "adaptive",
        "budget": 4000,
        "display": "",
        "effort": "",
        "max_tokens": 16_000,
        "tools": (),
    }
    return fit(model=model, caps=caps_of(model), **{**base, **wishes})


def test_thinking_off_is_said_the_way_each_model_takes_it():
    assert fitted("claude-sonnet-5-5", thinking="off").thinking == {"type": "between_tools"}
    assert fitted("claude-haiku-5-5", thinking="off").thinking == {"type": "disabled"}
    always = fitted("claude-opus-5-5", thinking="off")
    assert (
        always.thinking == {"type": "adaptive", "display": "summarized"}
        and "always thinks" in always.notes[0]
    )


def test_budgets_and_adaptive_thinking_are_swapped_where_only_the_other_exists():
    modern = fitted("claude-opus-4-7", thinking="enabled")
    assert (
        modern.thinking == {"type": "adaptive", "display": "summarized"}
        and "no thinking budget" in modern.notes[0]
    )
    legacy = fitted("claude-haiku-4-5", thinking="adaptive", display="summarized")
    assert legacy.thinking == {"type": "enabled", "budget_tokens": 4000, "display": "summarized"}
    assert "no adaptive thinking" in legacy.notes[0]
    assert fitted("claude-opus-4-6", thinking="enabled").notes == ()  # both are accepted there


def test_effort_steps_down_to_what_the_model_has_and_is_dropped_where_it_has_none():
    assert fitted("claude-sonnet-4-6", effort="xhigh").effort == "high"
    assert fitted("claude-opus-4-5", effort="max").effort == "high"
    assert fitted("claude-sonnet-5-5", effort="max").effort == "max"
    off = fitted("claude-sonnet-5-5", thinking="off", effort="max")
    assert off.effort == "high" and "with thinking off" in off.notes[0]
    none = fitted("claude-haiku-4-5", effort="low")
    assert none.effort == "" and "no effort setting" in none.notes[-1]


def test_thinking_is_asked_for_as_text_where_the_model_would_return_it_empty():
    """Today's models default to display "omitted" (empty panels, nothing between tool calls): unless
    the user chose a display, adaptive thinking asks for "summarized"."""
    assert fitted("claude-sonnet-5-5").thinking == {"type": "adaptive", "display": "summarized"}
    assert fitted("claude-sonnet-5-5", display="omitted").thinking == {
        "type": "adaptive",
        "display": "omitted",
    }


def test_max_tokens_is_held_to_the_models_limit_and_a_budget_below_it():
    clipped = fitted("claude-opus-4-1", max_tokens=100_000, thinking="enabled", budget=50_000)
    assert clipped.max_tokens == 32_000 and clipped.thinking["budget_tokens"] == 31_999
    assert "32,000" in clipped.notes[0]


def test_capabilities_listed_by_the_models_api_are_read_through_the_real_sdk_and_cached(api, tmp_path):
    """GET /v1/models with ``capabilities`` (as the API lists them) -> the SDK's ModelInfo -> choices
    equal to the built-in table's; the cache gives the same back; lifecycle and retirement are kept."""
    import asyncio

    from claude_textual.core.catalogue import fetch_catalogue, read_cache
    from claude_textual.core.loopback import model_info
    from tests.core.test_models_context import client_for

    api.models = [model_info(c.id, c.name, c.context_window, caps=c.caps) for c in BUILTIN]
    api.models.append(
        model_info("claude-old", "Old", 200_000, lifecycle="deprecated", retires_at="2027-01-05")
    )
    cache = tmp_path / "models.json"
    catalogue = asyncio.run(fetch_catalogue(client_for(api), cache, api.url))
    assert not catalogue.offline
    for choice in BUILTIN:
        assert catalogue.capabilities(choice.id) == choice.caps, choice.id
    old = catalogue.choice("claude-old")
    assert old.lifecycle == "deprecated" and old.retires_at == "2027-01-05"
    cached = read_cache(cache, api.url, __import__("time").time())
    assert cached == catalogue.models


def test_a_listed_model_without_capabilities_falls_back_to_the_table_by_its_alias():
    listed = Catalogue((models_choice("claude-sonnet-5-5-20261001"),), offline=False)
    assert listed.capabilities("claude-sonnet-5-5-20261001") == caps_of("claude-sonnet-5-5")
    assert listed.capabilities("nobody-knows") is None


def models_choice(model_id: str):
    from claude_textual.core.catalogue import ModelChoice

    return ModelChoice(model_id, model_id, 1_000_000)
