"""Slash commands in the prompt box: they run and are never sent to the model; an unknown one gets a
hint and stays in the box; // sends a prompt that starts with /."""

from __future__ import annotations

import pytest

from claude_textual.ui.screens.help import HelpScreen
from claude_textual.ui.screens.usage import UsageScreen
from claude_textual.ui.slash import parse
from claude_textual.ui.widgets.prompt import PromptBox
from tests.core._streams import stream_reply, text_reply
from tests.ui.uihelpers import NotificationLog, ready, run, send, send_and_wait, wait_for


def sent(api) -> list[dict]:
    return [r.body for r in api.requests if r.path.endswith("/v1/messages")]


@pytest.mark.parametrize(
    ("prompt", "text", "command"),
    [
        ("/help", None, "help"),
        ("/MODEL claude-opus-5", None, "model"),
        ("//etc is a folder", "/etc is a folder", None),
        ("/usr/lib holds libraries", "/usr/lib holds libraries", None),
        ("/ 2 is a division", "/ 2 is a division", None),
        ("hello /help", "hello /help", None),
    ],
)
def test_what_reads_as_a_command(prompt, text, command):
    parsed = parse(prompt)
    assert parsed.text == text and (parsed.command.name if parsed.command else None) == command


async def test_commands_run_and_nothing_reaches_the_model(api, make_app):
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        box = app.chat.query_one(PromptBox)
        await send(pilot, "/help")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        assert box.text == ""
        await send(pilot, "/model claude-opus-5")
        await wait_for(pilot, lambda: app.chat.session.effective().model == "claude-opus-5", what="the model")
        await send(pilot, "/effort high")
        await wait_for(pilot, lambda: app.chat.session.effective().effort == "high", what="the effort")
        await send(pilot, "/usage")
        await wait_for(pilot, lambda: isinstance(app.screen, UsageScreen), what="usage")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, UsageScreen))
        await send(pilot, "/effort extreme")
        await wait_for(pilot, lambda: any("/effort takes" in n.message for n in log.items), what="the hint")
        assert box.text == "/effort extreme", "a command that cannot run stays in the box"
        box.clear()
        await send(pilot, "/halp me")
        await wait_for(pilot, lambda: any("/halp is not a command" in n.message for n in log.items))
        assert box.text == "/halp me" and "/help" in log.items[-1].message and "//" in log.items[-1].message
    assert sent(api) == [], "no command went to the model"


async def test_double_slash_sends_a_prompt_that_starts_with_a_slash(api, make_app):
    api.then(stream_reply(text_reply(["It is a folder."])))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "//etc is a folder?")
    (body,) = sent(api)
    assert body["messages"][-1]["content"][0]["text"] == "/etc is a folder?"


async def test_commands_complete_as_they_are_typed(api, make_app):
    """/mo offers /model (Tab takes it), then the model ids; /thinking its values; a prompt is not
    completed, nor a path."""
    from claude_textual.ui.widgets.composer import Completions

    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        box = app.chat.query_one(PromptBox)
        menu = app.chat.query_one(Completions)

        def offered() -> list[str]:
            if not menu.has_class("-shown"):
                return []
            return [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)]

        box.focus()
        await pilot.press("slash", "m", "o")
        await wait_for(pilot, lambda: offered(), what="the commands")
        assert offered() == ["/model NAME — this conversation's model"]
        await pilot.press("tab")
        assert box.text == "/model "
        await pilot.press(*"claude-opus-5")
        await wait_for(pilot, lambda: "claude-opus-5-5" in offered(), what="the model ids")
        await pilot.press("tab")
        assert box.text == "claude-opus-5-5".join(["/model ", ""])
        box.clear()
        await pilot.press(*"/thinking ")
        await wait_for(pilot, lambda: offered() == ["off", "adaptive", "enabled"], what="the values")
        await pilot.press("escape")
        assert not offered()
        box.clear()
        await pilot.press(*"/usr/lib is")
        await pilot.pause()
        assert not offered()


async def test_title_attach_and_delete(api, make_app, db_path, tmp_path):
    from claude_textual.store.history import History
    from claude_textual.ui.screens.dialogs import ConfirmScreen
    from claude_textual.ui.widgets.composer import Composer

    api.then(stream_reply(text_reply(["Hi."])))
    note = tmp_path / "note.txt"
    note.write_text("a note")
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")
        conversation_id = app.chat.session.conversation_id
        await send(pilot, "/title Trip plans")
        await wait_for(pilot, lambda: app.chat.sub_title == "Trip plans", what="renamed")
        await send(pilot, f"/attach {note}")
        composer = app.chat.query_one(Composer)
        await wait_for(pilot, lambda: [a.name for a in composer.attachments] == ["note.txt"], what="attached")
        await send(pilot, "/delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.chat.session.conversation_id is None, what="a new conversation")
    history = History(db_path)
    try:
        conversation = history.get_conversation(conversation_id)
        assert conversation.title == "Trip plans" and conversation.deleted_at is not None
    finally:
        history.close()
    assert len(sent(api)) == 1, "no command reached the model"
