"""Odd or malformed blocks never break an export, and the HTML stays inert whatever they hold."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_textual.core.model import Conversation, Message, Status, Usage
from claude_textual.transcripts.html import to_html
from claude_textual.transcripts.markdown import to_markdown
from tests.transcripts.test_html import Page, assert_safe

ODD = [
    {"type": "text", "text": None, "citations": "not a list"},
    {"type": "text", "text": "x", "citations": [None, 3, {"cited_text": "only a quote"}, {"url": 5}]},
    {"type": "tool_use"},
    {"type": "server_tool_use", "name": None, "input": None},
    {"type": "web_search_tool_result", "content": None},
    {"type": "web_search_tool_result", "content": [None, {"url": "javascript:x"}, {"title": "no url"}]},
    {"type": "tool_result", "content": 5},
    {"type": "tool_result", "content": [None, {"type": "image"}, {"type": "image", "source": "x"}]},
    {"type": "thinking"},
    {"type": "redacted_thinking", "data": None},
    {"type": None},
    {"no_type": True},
    {"type": "code_execution_tool_result", "content": {"encrypted_stdout": "E" * 100}},
]


def conversation() -> Conversation:
    return Conversation(id="c", title="", model="")


def test_odd_blocks_render():
    messages = [
        Message(
            role="assistant",
            content=ODD,
            status=Status.STREAMING,
            usage=Usage(raw={"server_tool_use": "odd"}),
        ),
        Message(role="", content=[]),
        Message(role="user", content=[]),
    ]
    md = to_markdown(conversation(), messages)
    assert md.startswith("# (untitled)") and "Incomplete" in md and "**Block `None`**" in md
    assert "<100 characters>" in md  # opaque output shortened
    source = to_html(conversation(), messages)
    assert_safe(Page(source), source)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
KINDS = [
    "text",
    "thinking",
    "redacted_thinking",
    "tool_use",
    "server_tool_use",
    "tool_result",
    "web_search_tool_result",
    "web_fetch_tool_result",
    "mystery",
]
FIELDS = [
    "text",
    "citations",
    "thinking",
    "data",
    "id",
    "name",
    "input",
    "tool_use_id",
    "content",
    "is_error",
    "url",
    "title",
    "cited_text",
]
blocks = st.builds(
    lambda kind, fields: {"type": kind, **fields},
    st.sampled_from(KINDS),
    st.dictionaries(
        st.sampled_from(FIELDS),
        json_values | st.just("<script>alert(1)</script>") | st.just("javascript:alert(1)"),
        max_size=5,
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(blocks, max_size=6), st.sampled_from(["user", "assistant"]))
def test_any_block_shape_exports_safely(content, role):
    messages = [Message(role=role, content=content)]
    assert to_markdown(conversation(), messages).endswith("\n")
    source = to_html(conversation(), messages)
    page = Page(source)
    assert_safe(page, source)
