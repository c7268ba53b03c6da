"""API failures in the UI: in the reply's footer and as an error toast; nothing is lost; the app goes on."""

from __future__ import annotations

import pytest

from claude_textual.core.loopback import Reply
from claude_textual.core.model import Status
from claude_textual.store.history import History
from claude_textual.ui.widgets.blocks import TextView
from tests.conftest import fixture_reply
from tests.ui.uihelpers import (
    NotificationLog,
    assistants,
    footer,
    idle,
    plain,
    ready,
    run,
    send_and_wait,
    toasts,
    users,
)

# case -> (the reply, words the user must see, the partial text kept)
CASES = {
    "401": (
        lambda: Reply.error(401, "authentication_error", "invalid x-api-key"),
        ["ANTHROPIC_API_KEY", "401"],
        "",
    ),
    "429": (
        lambda: Reply.error(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your limit",
            **{"retry-after": "7"},
        ),
        ["429", "retry after 7s"],
        "",
    ),
    "529": (lambda: Reply.error(529, "overloaded_error", "Overloaded"), ["529", "overloaded"], ""),
    "midstream": (lambda: fixture_reply("midstream_overloaded_error.sse"), ["overloaded_error"], "Hello"),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_api_error_is_shown_and_the_app_carries_on(api, make_app, db_path, case):
    reply_factory, words, partial = CASES[case]
    api.then(reply_factory(), fixture_reply("docs_basic_text.sse"))
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")

        [reply] = assistants(app)
        assert reply.message.status is Status.ERROR
        assert reply.has_class("-error")
        shown = footer(reply)
        assert "error" in shown
        for word in words:
            assert word.lower() in shown.lower(), f"{word!r} not in the footer: {shown!r}"
        errors = log.of("error")
        assert len(errors) == 1, [n.message for n in log.items]
        assert all(word.lower() in errors[0].message.lower() for word in words), errors[0].message
        await pilot.pause()
        assert any(words[0].lower() in t.lower() for t in toasts(app, "error")), toasts(app, "error")
        if partial:
            assert reply.query_one(TextView).source == partial
        assert app.is_running
        assert plain(users(app)[0]) == "hello"

        # sending again works, in the same conversation
        await send_and_wait(pilot, "again")
        retry = assistants(app)[-1]
        assert retry.message.status is Status.COMPLETE and "error" not in footer(retry)
        assert idle(app) and app.is_running

    history = History(db_path)
    try:
        [conversation] = history.list_conversations()
        messages = history.load_messages(conversation.id)
    finally:
        history.close()
    assert [(m.role, m.status) for m in messages] == [
        ("user", Status.COMPLETE),
        ("assistant", Status.ERROR),
        ("user", Status.COMPLETE),
        ("assistant", Status.COMPLETE),
    ]
    assert messages[0].text() == "hello"
    assert messages[1].error and all(word.lower() in messages[1].error.lower() for word in words)
    assert messages[1].text() == partial
