"""The rest of the API's HTTP errors, and a server that never answers: a clear message, nothing lost."""

from __future__ import annotations

import time

import pytest

from claude_textual.core.loopback import Reply
from claude_textual.core.model import Status
from tests.conftest import ScriptedAPI
from tests.core.test_stream_errors import run


@pytest.mark.parametrize(
    "status, err_type, api_message, expect",
    [
        (
            400,
            "invalid_request_error",
            "messages: text content blocks must be non-empty",
            "rejected the request",
        ),
        (403, "permission_error", "Your API key does not have permission", "Permission denied (403)"),
        (404, "not_found_error", "model: claude-nope", "check the model name"),
        (413, "request_too_large", "Request exceeds the maximum allowed number of bytes", "too large (413)"),
    ],
)
async def test_http_error_is_explained_and_the_prompt_kept(
    api, history, status, err_type, api_message, expect
):
    failure, reply = await run(api, history, Reply.error(status, err_type, api_message))
    assert failure.status == status and failure.kind == err_type
    assert expect in failure.message and api_message in failure.message
    assert reply.status is Status.ERROR and reply.content == []


async def test_stall_before_headers_times_out_with_a_clear_message(history):
    def never_answers(body):
        time.sleep(3)
        return Reply.error(500, "api_error", "too late")

    with ScriptedAPI() as api:
        api.responder = never_answers
        failure, reply = await run(api, history, Reply(), timeout=0.75)
    assert failure.kind == "timeout" and "did not answer in time" in failure.message
    assert reply.status is Status.ERROR
