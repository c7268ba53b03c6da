"""Markdown export: every block readable, fences that hold, citations as numbered sources, terminal-safe."""

from __future__ import annotations

import json
import re

from markdown_it import MarkdownIt

from claude_textual.transcripts.markdown import code_span, fence, to_markdown
from tests.transcripts._convos import (
    FENCED,
    FUTURE,
    SCRIPT,
    TOOL_INPUT,
    hand_built,
    load,
    web_search_conversation,
)

RAW_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def fences(markdown: str) -> list[tuple[str, str]]:
    """(info, content) of every fenced code block, as a CommonMark parser sees them."""
    return [(t.info, t.content) for t in MarkdownIt("commonmark").parse(markdown) if t.type == "fence"]


async def test_web_search_reply(api, history):
    conversation, messages = load(history, await web_search_conversation(api, history))
    md = to_markdown(conversation, messages)
    assert md.startswith("# Weather in SF\n\n")
    assert f"`{conversation.id}` · model `claude-test` · created " in md
    assert "\n## You\n\nWeather in SF today?\n" in md
    assert "\n## Claude (claude-sonnet-4-20250514)\n" in md
    # thinking, collapsed
    assert "<details>\n<summary>Thinking</summary>\n\n> The user is asking about the weather" in md
    # server tool calls as fenced JSON, results as titled links
    assert ("json", json.dumps({"query": "San Francisco weather today"}, indent=2) + "\n") in fences(md)
    assert "**Server tool call:** `web_search`" in md
    assert "**Web search results** (10):" in md
    assert "1. [San Francisco, CA Weather Forecast | AccuWeather](https://www.accuweather.com/" in md
    # cited text kept whole, sentence fragments joined, numbered markers and a source list
    assert "today (September 16) shows a high of 76°F and low of 59°F[1] for San Francisco." in md
    assert "around 70 degrees[2], so today's forecast" in md
    sources = md.split("**Sources**", 1)[1]
    first = (
        "1. [San Francisco, CA Monthly Weather | AccuWeather](https://www.accuweather.com/en/us/"
        "san-francisco/94103/september-weather/347629)"
    )
    assert sources.index(first) < sources.index("2. [Here’s when S.F.")
    assert "   > Average mid-September highs in San Francisco are around 70 degrees." in sources
    assert "encrypted" not in md.lower() and "Er8ECkYIBxgCKk" not in md  # no opaque data
    # usage per reply and totals
    assert re.search(
        r"\n_in 22,397 · out 637 · cache read 0 · cache write 0 · 2 web searches · "
        r"(\d+ ms|\d+\.\d s) \(first token ",
        md,
    )
    totals = md.split("\n## Totals\n", 1)[1]
    assert "- Input tokens: 22,397" in totals and "- Output tokens: 637" in totals
    assert "- Web searches: 2" in totals and "- Messages: 2" in totals


def test_every_block_type(history):
    conversation, messages = load(history, hand_built(history))
    md = to_markdown(conversation, messages)
    assert "**System prompt**" in md
    assert "## You" in md and "## Tool results" in md and md.count("## Claude (claude-hand)") == 4
    # text verbatim, including its own fences
    assert "Here is code:\n\n```python\nprint('hi')\n```\n\nand a longer ```` run" in md
    assert ("python", "print('hi')\n") in fences(md)
    # thinking: collapsed, cannot close the <details> early; redacted thinking noted
    assert "<summary>Thinking</summary>\n\n> Let me think <script>alert(1)</script><\\/details> done" in md
    assert "_Thinking redacted by the API (90 characters of encrypted data)._" in md
    # tool call: a fence longer than the ``` inside the input
    assert "**Tool call:** `get_weather` · `toolu_1`\n\n````json\n" in md
    assert ("json", json.dumps(TOOL_INPUT, indent=2) + "\n") in fences(md)
    # tool results labelled by the tool's name, errors marked
    assert "**Result of `get_weather`** · `toolu_1`\n\n```text\nSunny <script>alert(1)</script>\n```" in md
    assert "**Result of `get_weather`** · `toolu_1` — **error**" in md and "_[image: image/png]_" in md
    # server tool results, search errors and unknown blocks
    assert "**Server tool call:** `web_fetch` · `srvtoolu_f`" in md
    assert "**Result of `web_fetch`** (`web_fetch_tool_result`)" in md
    assert "**Web search failed:** max\\_uses\\_exceeded" in md
    assert "**Block `future_block`**" in md
    assert ("json", json.dumps(FUTURE, indent=2) + "\n") in fences(md)
    # citations: a javascript: url is shown, never linked
    assert "It is sunny[1][2]" in md
    assert "1. Evil \\<script\\>alert(1)\\</script\\> (`javascript:alert(1)`)" in md
    assert '2. [Fine \\<b\\>page\\</b\\>](https://ok.example/a?b=1&c="x")' in md
    assert "](javascript:" not in md.split("**Sources**")[1]
    # statuses other than complete
    assert "> **Interrupted:** Stopped by you." in md
    assert "> **Error:** overloaded_error: <script>alert(1)</script>" in md
    # usage lines and totals over every reply
    assert "_in 100 · out 50 · cache read 1,000 · cache write 20 · 1.5 s (first token 200 ms) · " in md
    assert "_in 200 · out 60 · cache read 0 · cache write 0 · 1 web search · 2.5 s" in md
    totals = md.split("\n## Totals\n", 1)[1]
    for line in (
        "- Messages: 6",
        "- Replies with usage: 3",
        "- Input tokens: 310",
        "- Output tokens: 110",
        "- Cache read tokens: 1,000",
        "- Cache write tokens: 20",
        "- Web searches: 1",
        "- Time waiting for replies: 4.3 s",
    ):
        assert line in totals


def test_markdown_is_terminal_safe(history):
    conversation, messages = load(history, hand_built(history))
    md = to_markdown(conversation, messages)
    assert RAW_UNSAFE.search(md.replace("\n", "").replace("\t", "")) is None
    assert "␛]52;c;cm0gLXJmIH4vKg==␇" in md and "\\u202egnp.exe\\x9b2J" in md  # visible, not live
    assert SCRIPT in md and FENCED in md  # nothing else changed


def test_fence_outlasts_backticks_inside():
    assert fence("plain") == "```\nplain\n```"
    assert fence("a ``` b", "json").startswith("````json\n")
    assert fence("`````").startswith("``````\n")
    assert code_span("a`b") == "``a`b``" and code_span("`x") == "`` `x ``"


def test_citation_marker_never_becomes_a_link(history):
    from claude_textual.core.model import Message

    conversation = history.create_conversation("t", "m")
    history.add_message(
        conversation.id,
        Message(
            role="assistant",
            content=[
                {
                    "type": "text",
                    "text": "See this",
                    "citations": [{"url": "https://a.example/", "title": "A", "cited_text": "q"}],
                },
                {"type": "text", "text": "(https://b.example/) now.\n"},
            ],
        ),
    )
    md = to_markdown(*load(history, conversation))
    assert "See this\\[1](https://b.example/) now." in md
    inline = MarkdownIt("commonmark").parseInline("See this\\[1](https://b.example/)")[0]
    assert [t.type for t in inline.children] == ["text"]


def test_a_reply_s_own_headings_sit_under_its_role_heading(history):
    """A reply's ``#`` and ``##`` come out two levels down (a CommonMark parser reads them so), below
    the ``## Claude`` heading they belong to; a ``#`` inside fenced code stays as it is."""
    from claude_textual.core.model import Message

    conversation = history.create_conversation("t", "m")
    text = "# Plan\n\nintro\n\n## Step one\n\n```sh\n# a comment\n```\n\n###### Deep\n\n#not a heading"
    history.add_message(conversation.id, Message(role="assistant", content=[{"type": "text", "text": text}]))
    md = to_markdown(*load(history, conversation))
    tokens = MarkdownIt("commonmark").parse(md)
    headings = [(t.tag, tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == [
        ("h1", "t"),
        ("h2", "Claude (m)"),
        ("h3", "Plan"),
        ("h4", "Step one"),
        ("h6", "Deep"),
        ("h2", "Totals"),
    ]
    assert ("sh", "# a comment\n") in fences(md)
    assert "\n#not a heading" in md
