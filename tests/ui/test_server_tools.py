"""Server tool blocks shown readably: a web search's query and results, numbered sources, web fetch and
code execution (the recorded stream from the API for search; documented block shapes for the others)."""

from __future__ import annotations

from claude_textual.core.describe import result_text, result_title, tool_body, tool_title
from claude_textual.ui.widgets.blocks import ResultView, ToolView, citation_text
from tests.conftest import fixture_reply
from tests.ui.uihelpers import assistants, panel_body, plain, ready, run, send_and_wait


async def test_recorded_web_search_shows_query_results_and_numbered_sources(api, make_app):
    api.then(fixture_reply("real_web_search_citations.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "What is the weather in San Francisco today?")
        [reply] = assistants(app)
        searches = [str(t.title) for t in reply.query(ToolView)]
        assert searches[0] == "Web search: San Francisco weather today"
        results = panel_body(reply.query(ResultView).first())
        assert "• San Francisco, CA Weather Forecast | AccuWeather — www.accuweather.com" in results
        sources = "\n".join(plain(s) for s in reply.query(".citations"))
        assert "[1] " in sources and "https://" in sources


def test_citations_are_numbered_links_and_inert():
    block = {
        "type": "text",
        "text": "x",
        "citations": [
            {"type": "web_search_result_location", "url": "https://a.example/p", "title": "A\x1b[31m page"},
            {"type": "web_search_result_location", "url": "https://a.example/p", "title": "A\x1b[31m page"},
            {"type": "web_search_result_location", "url": "https://b.example/", "title": "B"},
        ],
    }
    text = citation_text(block)
    assert "\x1b" not in text.plain
    lines = text.plain.splitlines()
    assert len(lines) == 2 and lines[0].startswith("[1] A") and lines[1] == "[2] B https://b.example/"
    assert any(span.style.link == "https://b.example/" for span in text.spans if hasattr(span.style, "link"))


def test_web_fetch_blocks():
    call = {
        "type": "server_tool_use",
        "id": "srvtoolu_1",
        "name": "web_fetch",
        "input": {"url": "https://x.example/doc"},
    }
    result = {
        "type": "web_fetch_tool_result",
        "tool_use_id": "srvtoolu_1",
        "content": {
            "type": "web_fetch_result",
            "url": "https://x.example/doc",
            "retrieved_at": "2025-01-01T00:00:00Z",
            "content": {
                "type": "document",
                "title": "The Doc",
                "source": {"type": "text", "media_type": "text/plain", "data": "..."},
            },
        },
    }
    assert tool_title(call) == "Web fetch: https://x.example/doc"
    assert result_text(result) == "The Doc\nhttps://x.example/doc"
    failed = {
        "type": "web_fetch_tool_result",
        "tool_use_id": "srvtoolu_1",
        "content": {"type": "web_fetch_tool_error", "error_code": "url_not_accessible"},
    }
    assert (
        result_title(failed) == "Web fetch tool result (error)"
        and result_text(failed) == "error: url_not_accessible"
    )


def test_code_execution_blocks():
    bash = {
        "type": "server_tool_use",
        "id": "srvtoolu_2",
        "name": "bash_code_execution",
        "input": {"command": "python -c 'print(6*7)'"},
    }
    assert tool_title(bash) == "Code execution (bash_code_execution)"
    assert tool_body(bash) == "$ python -c 'print(6*7)'"
    code = {
        "type": "server_tool_use",
        "id": "srvtoolu_3",
        "name": "code_execution",
        "input": {"code": "print(1/0)"},
    }
    assert (tool_title(code), tool_body(code)) == ("Code execution", "print(1/0)")
    result = {
        "type": "bash_code_execution_tool_result",
        "tool_use_id": "srvtoolu_2",
        "content": {
            "type": "bash_code_execution_result",
            "stdout": "42\n",
            "stderr": "warning: x\n",
            "return_code": 0,
            "content": [],
        },
    }
    assert result_text(result) == "return code 0\nstdout:\n42\nstderr:\nwarning: x"
