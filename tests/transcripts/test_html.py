"""HTML export: one self-contained page, collapsible details, everything from the conversation escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from claude_textual.transcripts.html import to_html
from tests.transcripts._convos import SCRIPT, TOOL_INPUT, hand_built, load, web_search_conversation


class Page(HTMLParser):
    """Every element with its attributes, and the text as a browser would show it."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._open: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def assert_safe(page: Page, source: str) -> None:
    assert page.tags("script") == [] and page.tags("iframe") == [] and page.tags("object") == []
    assert page.tags("img") == [] and page.tags("link") == [] and page.tags("base") == []
    assert page.tags("form") == [] and page.tags("input") == []
    for tag, attrs in page.elements:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)  # no event handlers
        assert "src" not in attrs and "srcset" not in attrs, (tag, attrs)  # nothing fetched
        assert "style" not in attrs, (tag, attrs)
    for attrs in page.tags("a"):
        href = attrs.get("href") or ""
        assert re.match(r"(https?://|mailto:|#m\d+-s\d+$)", href), href
        if href.startswith("http"):
            assert attrs.get("rel") == "nofollow noopener noreferrer"
    meta = [a for a in page.tags("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert meta and "default-src 'none'" in meta[0]["content"] and "script-src" not in meta[0]["content"]
    assert "url(" not in source and "@import" not in source  # the stylesheet loads nothing


async def test_web_search_reply_page(api, history):
    conversation, messages = load(history, await web_search_conversation(api, history))
    source = to_html(conversation, messages)
    page = Page(source)
    assert_safe(page, source)
    assert source.startswith("<!DOCTYPE html>") and len(page.tags("style")) == 1
    text = page.all_text
    assert "Weather in SF" in text and "Claude (claude-sonnet-4-20250514)" in text and "You" in text
    summaries = [
        s for s in text.split("\n") if s.startswith(("Thinking", "Server tool call", "Web search results"))
    ]
    assert "Thinking" in summaries and summaries.count("Web search results (10)") == 2
    assert len(page.tags("details")) == 5  # thinking, 2 calls, 2 result lists
    # the cited reply rendered as Markdown (a list), with markers linking to numbered sources
    assert len(page.tags("ul")) == 1 and len(page.tags("li")) >= 3 + 20 + 4
    markers = [a["href"] for a in page.tags("a") if (a.get("href") or "").startswith("#")]
    assert markers == ["#m1-s1", "#m1-s2", "#m1-s3", "#m1-s3", "#m1-s4"]
    ids = {a.get("id") for _, a in page.elements if a.get("id")}
    assert {"m1-s1", "m1-s2", "m1-s3", "m1-s4"} <= ids
    assert "today (September 16) shows a high of 76°F and low of 59°F[1] for San Francisco." in text
    cited = "https://www.accuweather.com/en/us/san-francisco/94103/september-weather/347629"
    assert any(a.get("href") == cited for a in page.tags("a"))
    assert "Er8ECkYIBxgCKk" not in source  # no signature or encrypted content
    assert re.search(
        r"in 22,397 · out 637 · cache read 0 · cache write 0 · 2 web searches · "
        r"(\d+ ms|\d+\.\d s) \(first token ",
        text,
    )
    assert "Input tokens22,397" in text.replace("\n", "") and "Web searches2" in text


def test_every_block_type_page(history):
    conversation, messages = load(history, hand_built(history))
    source = to_html(conversation, messages)
    page = Page(source)
    assert_safe(page, source)
    text = page.all_text
    for summary in (
        "System prompt",
        "Thinking",
        "Tool call: get_weather toolu_1",
        "Result of get_weather toolu_1",
        "Result of get_weather toolu_1 — error",
        "Server tool call: web_fetch srvtoolu_f",
        "Result of web_fetch web_fetch_tool_result",
        "Block future_block",
    ):
        assert summary in text, summary
    assert "Thinking redacted by the API (90 characters of encrypted data)." in text
    assert "Web search failed: max_uses_exceeded" in text
    assert '"city": "Paris <script>alert(1)</script>"' in text  # tool input shown as text
    assert "[image image/png]" in text
    assert "Interrupted: Stopped by you." in text
    assert f"Error: overloaded_error: {SCRIPT}" in text
    assert "in 100 · out 50 · cache read 1,000 · cache write 20 · 1.5 s (first token 200 ms)" in text
    assert "Time waiting for replies4.3 s" in text.replace("\n", "")
    assert "Input tokens310" in text.replace("\n", "")
    # what the user typed is kept as typed; Claude's Markdown is rendered
    assert "Here is code:\n\n```python\nprint('hi')\n```" in text
    assert page.tags("strong") and "bold" in text
    assert len([s for s in page.tags("section")]) == 6


def test_script_stays_text_everywhere(history):
    conversation, messages = load(history, hand_built(history))
    source = to_html(conversation, messages)
    page = Page(source)
    assert_safe(page, source)
    text = page.all_text
    # the title, the user's message, the thinking, the tool input, the tool result, a citation title,
    # a cited quote, an unknown block and an error: every <script> is text on the page
    assert text.count(SCRIPT) >= 9
    assert "<script" not in source.lower().replace("&lt;script", "")
    assert "<title>Everything &lt;script&gt;alert(1)&lt;/script&gt;" in source
    assert "&lt;img src=x onerror=alert(3)&gt;" in source  # raw HTML in Claude's Markdown is text
    assert "TOOL_INPUT" not in text and TOOL_INPUT["note"] in text


def test_only_web_links(history):
    conversation, messages = load(history, hand_built(history))
    page = Page(to_html(conversation, messages))
    hrefs = [a.get("href") for a in page.tags("a")]
    assert not any("javascript" in (h or "").lower() for h in hrefs)
    # the javascript: source is listed by title with its url shown as text, not linked
    assert "Evil <script>alert(1)</script> javascript:alert(1)" in page.all_text
    assert "[see](javascript:alert(2))" in page.all_text  # a Markdown link to it is left as text
    # a real link keeps its query, quotes escaped into the attribute and nothing more
    assert 'https://ok.example/a?b=1&c="x"' in hrefs
    fine = next(a for a in page.tags("a") if a.get("href") == 'https://ok.example/a?b=1&c="x"')
    assert set(fine) == {"href", "rel"}


def test_attribute_breakout_is_escaped(history):
    conversation = history.create_conversation("t", "m")
    from claude_textual.core.model import Message

    evil = 'https://x.example/" onmouseover="alert(1)" x="'
    history.add_message(
        conversation.id,
        Message(
            role="assistant",
            content=[
                {
                    "type": "text",
                    "text": "cited",
                    "citations": [
                        {
                            "type": "web_search_result_location",
                            "url": evil,
                            "title": "t\"'><script>",
                            "cited_text": "q",
                        }
                    ],
                },
                {
                    "type": "web_search_tool_result",
                    "tool_use_id": "s",
                    "content": [
                        {"type": "web_search_result", "url": evil, "title": "<script>x</script>"},
                        {"type": "web_search_result", "url": "  javascript:alert(1)", "title": "js"},
                        {
                            "type": "web_search_result",
                            "url": "data:text/html,<script>alert(1)</script>",
                            "title": "data",
                        },
                    ],
                },
            ],
        ),
    )
    source = to_html(*load(history, conversation))
    page = Page(source)
    assert_safe(page, source)
    assert [a["href"] for a in page.tags("a") if not a["href"].startswith("#")] == [evil, evil]
