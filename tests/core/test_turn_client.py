"""The SDK client is made when the first request is due; if that fails the reply is closed as an error."""

from __future__ import annotations

from claude_textual.core.client import make_client
from claude_textual.core.model import Status, user_text_message
from claude_textual.core.turn import PromptSaved, ReplyClosed, ReplyOpened, Turn, drain
from tests.conftest import fixture_reply


async def test_client_is_made_after_the_prompt_is_saved(api, history, settings):
    api.then(fixture_reply("docs_basic_text.sse"))
    conversation = history.create_conversation("t", settings.model)
    order = []

    async def connect():
        order.append("connect")
        return make_client(settings, api_key="sk-test", base_url=api.url)

    turn = Turn(history, conversation.id, settings, None, connect=connect)
    async for event in turn.run(user_text_message("hi")):
        order.append(type(event).__name__)
    assert order[:3] == [PromptSaved.__name__, ReplyOpened.__name__, "connect"]
    assert history.load_messages(conversation.id)[1].status is Status.COMPLETE


async def test_a_client_that_cannot_be_made_closes_the_reply_as_an_error(history, settings):
    conversation = history.create_conversation("t", settings.model)

    async def broken():
        raise ImportError("anthropic is missing")

    events = await drain(
        Turn(history, conversation.id, settings, None, connect=broken), user_text_message("hi")
    )
    assert isinstance(events[-1], ReplyClosed) and "anthropic is missing" in str(events[-1].failure)
    user, reply = history.load_messages(conversation.id)
    assert user.text() == "hi" and reply.status is Status.ERROR and "API client" in reply.error
