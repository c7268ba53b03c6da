"""Stored history -> the next request: what is mended, what is passed through, how settings map."""

from __future__ import annotations

import pytest

from claude_textual.config import Settings
from claude_textual.core.model import Message, Status, user_text_message
from claude_textual.core.requests import NOT_RUN, build_messages, build_params, request_block
from tests.core._api_rules import assert_api_accepts


def assistant(*blocks, status=Status.COMPLETE, stop_reason="end_turn"):
    return Message(role="assistant", content=list(blocks), status=status, stop_reason=stop_reason)


def text(t):
    return {"type": "text", "text": t}


TOOL = {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "x"}}
THINKING = {"type": "thinking", "thinking": "hmm", "signature": "sig=="}


def test_plain_exchange_goes_through_unchanged():
    history = [user_text_message("hi"), assistant(text("hello")), user_text_message("again")]
    assert build_messages(history) == [
        {"role": "user", "content": [text("hi")]},
        {"role": "assistant", "content": [text("hello")]},
        {"role": "user", "content": [text("again")]},
    ]


def test_empty_text_blocks_dropped():
    history = [
        Message(role="user", content=[text(""), text("question")]),
        assistant(text(""), text("answer"), text("")),
        user_text_message("next"),
    ]
    assert build_messages(history) == [
        {"role": "user", "content": [text("question")]},
        {"role": "assistant", "content": [text("answer")]},
        {"role": "user", "content": [text("next")]},
    ]


def test_assistant_turn_with_only_empty_text_is_dropped_and_users_merge():
    history = [user_text_message("a"), assistant(text(""), status=Status.ERROR), user_text_message("b")]
    assert build_messages(history) == [{"role": "user", "content": [text("a"), text("b")]}]


@pytest.mark.parametrize("signature", ["", None])
def test_thinking_without_signature_dropped(signature):
    cut = {"type": "thinking", "thinking": "half a thou", "signature": signature}
    history = [
        user_text_message("q"),
        assistant(cut, text("partial"), status=Status.INTERRUPTED, stop_reason=None),
        user_text_message("go on"),
    ]
    assert build_messages(history)[1] == {"role": "assistant", "content": [text("partial")]}


def test_signed_thinking_and_redacted_thinking_kept():
    redacted = {"type": "redacted_thinking", "data": "opaque"}
    history = [user_text_message("q"), assistant(THINKING, redacted, text("a")), user_text_message("r")]
    assert build_messages(history)[1]["content"] == [THINKING, redacted, text("a")]


def test_response_only_fields_and_none_values_removed():
    block = {**TOOL, "caller": {"type": "direct"}}
    cited = {"type": "text", "text": "t", "citations": None}
    assert request_block(block) == TOOL
    assert request_block(cited) == {"type": "text", "text": "t"}


def test_interrupted_tool_use_gets_error_result_at_start_of_next_user_turn():
    history = [
        user_text_message("look it up"),
        assistant(text("Let me look."), TOOL, status=Status.INTERRUPTED, stop_reason=None),
        user_text_message("never mind, just answer"),
    ]
    messages = build_messages(history)
    assert messages == [
        {"role": "user", "content": [text("look it up")]},
        {"role": "assistant", "content": [text("Let me look."), TOOL]},
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "content": NOT_RUN.format(name="lookup"),
                    "is_error": True,
                },
                text("never mind, just answer"),
            ],
        },
    ]


def test_answered_tool_use_gets_no_extra_result():
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "42"}
    history = [
        user_text_message("q"),
        assistant(TOOL, stop_reason="tool_use"),
        Message(role="user", content=[result]),
    ]
    assert build_messages(history)[2] == {"role": "user", "content": [result]}


def test_only_unanswered_tool_uses_get_injected_results():
    other = {"type": "tool_use", "id": "toolu_2", "name": "other", "input": {}}
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "42"}
    history = [
        user_text_message("q"),
        assistant(TOOL, other, stop_reason="tool_use"),
        Message(role="user", content=[result, text("and?")]),
    ]
    assert build_messages(history)[2]["content"] == [
        {
            "type": "tool_result",
            "tool_use_id": "toolu_2",
            "content": NOT_RUN.format(name="other"),
            "is_error": True,
        },
        result,
        text("and?"),
    ]


def test_consecutive_user_messages_merged():
    history = [
        user_text_message("one"),
        user_text_message("two"),
        assistant(text("ok")),
        user_text_message("3"),
    ]
    assert build_messages(history) == [
        {"role": "user", "content": [text("one"), text("two")]},
        {"role": "assistant", "content": [text("ok")]},
        {"role": "user", "content": [text("3")]},
    ]


def test_consecutive_assistant_messages_merged():
    history = [user_text_message("q"), assistant(text("a")), assistant(text("b"))]
    assert build_messages(history) == [
        {"role": "user", "content": [text("q")]},
        {"role": "assistant", "content": [text("a"), text("b")]},
    ]


def test_trailing_assistant_with_unanswered_tool_use_dropped():
    history = [user_text_message("q"), assistant(text("calling"), TOOL, stop_reason="tool_use")]
    assert build_messages(history) == [{"role": "user", "content": [text("q")]}]


def test_trailing_assistant_without_tool_use_kept():
    history = [user_text_message("q"), assistant(text("partial"), status=Status.INTERRUPTED)]
    assert build_messages(history)[-1] == {"role": "assistant", "content": [text("partial")]}


def test_unknown_block_types_pass_through_unchanged():
    odd = {"type": "future_block", "payload": {"nested": [1, 2, {"x": None}]}, "flag": False}
    server = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}}
    history = [
        Message(role="user", content=[text("q"), odd]),
        assistant(server, odd, text("a")),
        user_text_message("r"),
    ]
    messages = build_messages(history)
    assert messages[0]["content"] == [text("q"), odd]
    assert messages[1]["content"] == [server, odd, text("a")]


def test_build_messages_does_not_mutate_history():
    block = {**TOOL, "caller": {"type": "direct"}}
    history = [user_text_message("q"), assistant(block, stop_reason="tool_use"), user_text_message("r")]
    build_messages(history)
    assert history[1].content == [{**TOOL, "caller": {"type": "direct"}}]


# params ------------------------------------------------------------------------------------------

HISTORY = [user_text_message("hi")]


def test_params_basic():
    params = build_params(HISTORY, Settings(model="m1", max_tokens=500, thinking="off"))
    assert params == {
        "model": "m1",
        "max_tokens": 500,
        "messages": [{"role": "user", "content": [text("hi")]}],
    }


def test_params_model_override():
    assert build_params(HISTORY, Settings(model="m1", thinking="off"), model="m2")["model"] == "m2"


def test_params_system_from_settings_and_override():
    settings = Settings(system="Be brief.", thinking="off")
    assert build_params(HISTORY, settings)["system"] == "Be brief."
    assert build_params(HISTORY, settings, system="Be long.")["system"] == "Be long."
    assert "system" not in build_params(HISTORY, settings, system="")
    assert "system" not in build_params(HISTORY, Settings(thinking="off"))


def test_thinking_off():
    assert "thinking" not in build_params(HISTORY, Settings(thinking="off"))


def test_thinking_adaptive():
    params = build_params(HISTORY, Settings(thinking="adaptive", max_tokens=2000))
    assert params["thinking"] == {"type": "adaptive"}
    assert params["max_tokens"] == 2000


def test_thinking_enabled():
    params = build_params(HISTORY, Settings(thinking="enabled", thinking_budget=1024, max_tokens=16000))
    assert params["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert params["max_tokens"] == 16000


def test_thinking_enabled_raises_max_tokens_above_budget():
    params = build_params(HISTORY, Settings(thinking="enabled", thinking_budget=4000, max_tokens=4000))
    assert params["max_tokens"] == 5024 > params["thinking"]["budget_tokens"]


def all_text(messages):
    return [b["text"] for t in messages for b in t["content"] if b["type"] == "text"]


def test_tool_use_of_an_earlier_assistant_message_merged_with_a_retry_still_gets_a_result():
    """An interrupted tool call, then a retried reply (``Turn.run(None)``), then a new prompt.

    The two assistant messages merge into one turn, so that turn's tool_use must still be answered at the
    start of the next user turn, or the API rejects the request (tool_use without tool_result).
    """
    history = [
        user_text_message("look it up"),
        assistant(text("Let me look."), TOOL, status=Status.ERROR, stop_reason=None),
        assistant(text("Sorry, here is the answer."), status=Status.COMPLETE, stop_reason="end_turn"),
        user_text_message("thanks, and?"),
    ]
    messages = build_messages(history)
    assert_api_accepts(messages)
    assert all_text(messages)[-2:] == ["Sorry, here is the answer.", "thanks, and?"]


def test_trailing_merged_assistant_turn_with_unanswered_tool_use_is_not_sent():
    """Retrying twice after an interrupted tool call: the request must not end on an unanswered tool_use."""
    history = [
        user_text_message("q"),
        assistant(TOOL, status=Status.ERROR, stop_reason=None),
        assistant(text("retried")),
    ]
    messages = build_messages(history)
    assert_api_accepts(messages)
    assert messages[0] == {"role": "user", "content": [text("q")]}


@pytest.mark.parametrize(
    "case", ["plain", "interrupted_tool", "answered_tool", "users_in_a_row", "trailing_tool"]
)
def test_mended_histories_are_accepted(case):
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}
    answered = Message(role="user", content=[result])
    histories = {
        "plain": [user_text_message("a"), assistant(text("b")), user_text_message("c")],
        "interrupted_tool": [
            user_text_message("a"),
            assistant(TOOL, status=Status.INTERRUPTED, stop_reason=None),
            user_text_message("c"),
        ],
        "answered_tool": [
            user_text_message("a"),
            assistant(THINKING, TOOL, stop_reason="tool_use"),
            answered,
            assistant(text("done")),
        ],
        "users_in_a_row": [user_text_message("a"), user_text_message("b"), assistant(text(""))],
        "trailing_tool": [user_text_message("a"), assistant(TOOL, stop_reason="tool_use")],
    }
    assert_api_accepts(build_messages(histories[case]))


# retries are branches now (tests/core/test_branch_turns.py) --------------------------------------------


def test_a_reply_a_retry_replaced_is_sent_when_its_branch_is_shown():
    """Before branches, a retried reply stayed in line, flagged ``superseded``, and was skipped; now it
    is its retry's sibling, so it is only in a request when the user switched to its branch."""
    partial = assistant(text("partial"), status=Status.INTERRUPTED, stop_reason=None)
    partial.extra = {"superseded": True}
    messages = build_messages([user_text_message("q"), partial, user_text_message("go on")])
    assert_api_accepts(messages)
    assert all_text(messages) == ["q", "partial", "go on"]
