"""The recorded streams the other UI tests do not use, sent one after another in a single session.

docs_basic_text, real_thinking_text, docs_tool_use and midstream_overloaded_error are covered in
test_chat_flow.py and test_errors.py.
"""

from __future__ import annotations

import json
import re

from claude_textual.core.model import Status
from claude_textual.store.history import History
from claude_textual.ui.widgets.blocks import ResultView, StoredText, TextView, ThinkingView, ToolView
from claude_textual.ui.widgets.message import AssistantMessage
from tests.conftest import SSE, fixture_reply
from tests.ui.uihelpers import (
    NotificationLog,
    assistants,
    fixture_blocks,
    footer,
    panel_body,
    plain,
    ready,
    run,
    send_and_wait,
)


def texts(reply: AssistantMessage) -> list[str]:
    return [v.source for v in reply.query(TextView)]


def same_text(name: str):
    def check(reply: AssistantMessage) -> None:
        assert texts(reply) == [b["text"] for b in fixture_blocks(name) if b["type"] == "text"]

    return check


def omitted_thinking(reply: AssistantMessage) -> None:
    assert "thinking omitted by the API" in panel_body(reply.query_one(ThinkingView))


def recorded_citations(name: str) -> list[dict]:
    """Every citation a recorded stream sends (``citations_delta``), in order."""
    frames = (SSE / name).read_text().replace("\r\n", "\n").split("\n\n")
    events = [
        json.loads("".join(ln[5:].strip() for ln in f.splitlines() if ln.startswith("data:")) or "{}")
        for f in frames
    ]
    return [e["delta"]["citation"] for e in events if e.get("delta", {}).get("type") == "citations_delta"]


def web_search(reply: AssistantMessage) -> None:
    """The text a citation split is one text again, each cited piece marked with its source's number,
    one number per distinct source (as the recorded blocks cite them), listed once under the reply."""
    assert [str(t.title).split(":")[0] for t in reply.query(ToolView)] == ["Web search"] * 2
    assert [str(r.title) for r in reply.query(ResultView)] == ["Web search: 10 results"] * 2
    urls = list(dict.fromkeys(c["url"] for c in recorded_citations("real_web_search_citations.sse")))
    first, answer = (view.source for view in reply.query(StoredText))
    assert "[" not in first and len(urls) > 1
    assert sorted(set(re.findall(r"\[(\d+)\]", answer)), key=int) == [str(n) for n in range(1, len(urls) + 1)]
    [listed] = reply.query(".citations")
    lines = plain(listed).splitlines()
    assert [line.split(" ")[0] for line in lines] == [f"[{n}]" for n in range(1, len(urls) + 1)]
    assert [line.rsplit(" ", 1)[1] for line in lines] == urls


def cut_tool_call(reply: AssistantMessage) -> None:
    assert reply.query(ToolView), "the tool call cut off by max_tokens is still shown"


# fixture -> (follow-up for a tool call, status, words in the footer, more checks)
STREAMS = {
    "docs_basic_crlf.sse": (None, Status.COMPLETE, ["in 25 · out 15"], same_text("docs_basic_text.sse")),
    "sdk_basic_response.sse": (None, Status.COMPLETE, ["in 11 · out 6"], same_text("sdk_basic_response.sse")),
    "sdk_fable_stream_b_fallback.sse": (
        None,
        Status.COMPLETE,
        ["in 31 · out 547"],
        same_text("sdk_fable_stream_b_fallback.sse"),
    ),
    "thinking_display_omitted.sse": (None, Status.COMPLETE, ["in 25 · out 120"], omitted_thinking),
    "real_thinking_tool_use_turn1.sse": (
        "real_thinking_tool_use_turn2.sse",
        Status.COMPLETE,
        ["in 598 · out 92"],
        None,
    ),
    "real_web_search_citations.sse": (None, Status.COMPLETE, ["in 22,397 · out 637"], web_search),
    "sdk_incomplete_partial_json_response.sse": (
        None,
        Status.COMPLETE,
        ["stopped: max_tokens"],
        cut_tool_call,
    ),
    "sdk_refusal_response.sse": (None, Status.COMPLETE, ["stopped: refusal", "refused due to policy"], None),
    "docs_error_event.sse": (None, Status.ERROR, ["error", "without sending a reply"], None),
}


async def test_every_recorded_stream_in_one_session(api, make_app, db_path):
    for name, (follow_up, *_) in STREAMS.items():
        api.then(fixture_reply(name), *([fixture_reply(follow_up)] if follow_up else []))
    log = NotificationLog()
    app = make_app()
    shown = {}
    async with run(app, log) as pilot:
        await ready(pilot)
        for name, (follow_up, status, words, check) in STREAMS.items():
            await send_and_wait(pilot, f"play {name}", replies=2 if follow_up else 1)
            reply = assistants(app)[0]
            shown[name] = reply.message
            assert reply.message.status is status, (name, reply.message.status, footer(reply))
            for word in words:
                assert word in footer(reply), (name, footer(reply))
            if check is not None:
                check(reply)
            assert app.is_running
            await pilot.press("ctrl+n")
        errors = [n.message for n in log.of("error")]
        assert len(errors) == 1, errors  # docs_error_event

    history = History(db_path)
    try:
        stored = {}
        for conversation in history.list_conversations():
            messages = history.load_messages(conversation.id)
            stored[messages[0].text().removeprefix("play ")] = messages
    finally:
        history.close()
    assert set(stored) == set(STREAMS)
    for name, message in shown.items():
        saved = stored[name][1]
        assert (saved.status, saved.content) == (message.status, message.content), name
