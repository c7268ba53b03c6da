"""Text a model writes between tool calls comes back as thinking blocks (Sonnet 5.5, Opus 5.5): it is
shown open in the flow of the reply, not folded away with the thinking, even with thinking panels hidden."""

from __future__ import annotations

from claude_textual.core.model import Message, user_text_message
from claude_textual.store.history import History
from claude_textual.ui.widgets.blocks import ThinkingView
from tests.ui.uihelpers import assistants, panel_body, ready, run, wait_for

REPLY = [
    {"type": "thinking", "thinking": "The user wants both files checked.", "signature": "s1"},
    {"type": "tool_use", "id": "toolu_1", "name": "read", "input": {"path": "a.txt"}},
    {"type": "thinking", "thinking": "First file read; now the second one.", "signature": "s2"},
    {"type": "tool_use", "id": "toolu_2", "name": "read", "input": {"path": "b.txt"}},
]


async def test_progress_between_tool_calls_is_shown_open(make_app, db_path):
    history = History(db_path)
    conversation = history.create_conversation("files", "claude-sonnet-5-5")
    history.add_message(conversation.id, user_text_message("check both files"))
    history.add_message(conversation.id, Message(role="assistant", content=REPLY, model="claude-sonnet-5-5"))
    history.set_options(conversation.id, {"show_thinking": False})
    history.close()
    app = make_app(resume=conversation.id)
    async with run(app) as pilot:
        await ready(pilot)
        [reply] = await wait_for(pilot, lambda: assistants(app), what="the reply")
        thinking, progress = await wait_for(pilot, lambda: list(reply.query(ThinkingView)), what="the views")
        await wait_for(pilot, lambda: progress.region.height > 0, what="the progress laid out")
        assert not thinking.between and thinking.collapsed and thinking.display is False  # panels hidden
        assert progress.between and not progress.collapsed and progress.title == "Progress"
        assert progress.display is True and progress.region.height > 0
        assert panel_body(progress) == "First file read; now the second one."
