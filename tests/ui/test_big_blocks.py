"""Big text: a long code block is drawn a line at a time when shown; long text arrives in steps."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from claude_textual.ui.widgets.blocks import LONG_TEXT, STEP, LongText, TextView, block_view
from claude_textual.ui.widgets.fence import BIG_FENCE_LINES, Fence

LINES = BIG_FENCE_LINES * 5
CODE = "\n".join(f"value_{n} = {n}  # line {n}" for n in range(LINES))
DOC = f"Here it is:\n\n```python\n{CODE}\n```\n\nAfter the code.\n"


class Holder(App):
    def compose(self) -> ComposeResult:
        yield VerticalScroll()


def shown(view) -> list[str]:
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


async def stream(pilot, view, text: str, step: int = 997) -> None:
    for at in range(0, len(text), step):
        view.feed("text_delta", text[at : at + step])
        if at % (step * 20) == 0:
            await pilot.pause(0.07)
    await view.settle({"type": "text", "text": text})
    await pilot.pause()


async def test_a_streamed_long_code_block_becomes_a_fence_drawn_line_by_line():
    app = Holder()
    async with app.run_test(size=(60, 20)) as pilot:
        view = TextView({"type": "text", "text": ""})
        await app.query_one(VerticalScroll).mount(view)
        await stream(pilot, view, DOC)
        assert view.source == DOC
        fences = [chunk for chunk in view._chunks if isinstance(chunk, Fence)]
        assert len(fences) == 1 and fences[0].lines == CODE.split("\n")
        assert len(fences[0]._cache) <= 20  # only what the screen showed has been drawn
        lines = shown(view)
        assert lines[0] == "Here it is:"
        assert lines[1] == "" and lines[2] == ""  # the gap, then the block's top padding
        assert lines[3] == " value_0 = 0  # line 0"
        assert lines[3 + LINES - 1] == f" value_{LINES - 1} = {LINES - 1}  # line {LINES - 1}"
        assert lines[-1] == "After the code."
        assert len(lines) == 3 + LINES + 1 + 2  # text, gap, top, code, bottom, gap, text


async def test_a_long_stored_text_is_drawn_in_steps_and_ends_like_a_streamed_one():
    text = "\n\n".join(f"Paragraph {n}: " + "words " * 30 for n in range(500)) + "\n"
    assert len(text) > max(STEP * 10, LONG_TEXT)
    app = Holder()
    async with app.run_test(size=(60, 20)) as pilot:
        view = block_view({"type": "text", "text": text})
        assert isinstance(view, LongText)
        seen: list[int] = []  # what a timer saw of it meanwhile: the screen ran between the steps
        app.set_interval(0.01, lambda: seen.append(len(view.source)))
        await app.query_one(VerticalScroll).mount(view)  # returns when it has all been drawn
        for _ in range(400):
            if view.finished and not view._pending:
                break
            await pilot.pause(0.05)
        assert len({n for n in seen if 0 < n < len(text)}) >= 5
        assert view.source == text
        streamed = TextView({"type": "text", "text": text})
        await app.query_one(VerticalScroll).mount(streamed)
        await streamed.settle({"type": "text", "text": text})
        await pilot.pause()
        assert shown(view) == shown(streamed)


async def test_a_short_fence_stays_a_rich_code_block():
    app = Holder()
    async with app.run_test(size=(60, 20)) as pilot:
        view = TextView({"type": "text", "text": ""})
        await app.query_one(VerticalScroll).mount(view)
        await stream(pilot, view, "```python\nx = 1\n```\n\nend\n", step=3)
        assert not any(isinstance(chunk, Fence) for chunk in view._chunks) and view._fence is None


async def test_a_big_paste_stands_in_the_box_as_one_line_and_is_sent_whole(api, make_app, db_path):
    from textual import events

    from claude_textual.store.history import History
    from claude_textual.ui.widgets.message import UserMessage
    from claude_textual.ui.widgets.prompt import PromptBox
    from tests.core._streams import stream_reply, text_reply
    from tests.ui.uihelpers import assistants, idle, plain, ready, run, wait_for

    pasted = "\n".join(f"log line {n}: something happened" for n in range(3000))
    api.then(stream_reply(text_reply(["Seen it."])))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await pilot.press(*"look: ")
        app.post_message(events.Paste(pasted))  # as the terminal driver delivers a bracketed paste
        prompt = app.screen.query_one(PromptBox)
        await wait_for(pilot, lambda: "pasted" in prompt.text, what="the stand-in")
        assert prompt.text == "look: [pasted text #1: 3,000 lines, 101 KB]"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: assistants(app) and idle(app), what="the reply")
        assert api.requests[-1].body["messages"][0]["content"][0]["text"] == "look: " + pasted
        assert prompt.text == ""
        [user] = app.screen.query(UserMessage)
        shown = plain(user)
        assert shown.startswith("look: log line 0") and "log line 2999" in shown
        assert "more lines" in shown and len(shown.splitlines()) < 80
    history = History(db_path)
    try:
        [conversation] = history.list_conversations()
        assert history.load_messages(conversation.id)[0].text() == "look: " + pasted
    finally:
        history.close()
