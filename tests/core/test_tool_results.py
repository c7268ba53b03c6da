"""MCP tool results as the text of a ``tool_result``: text joined, everything else as a short placeholder."""

from __future__ import annotations

import base64

from mcp_types import (
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
)

from claude_textual.core.tools import api_name, result_text


def b64(size: int) -> str:
    return base64.b64encode(bytes(size)).decode()


def test_every_kind_of_content():
    result = CallToolResult(
        content=[
            TextContent(text="first"),
            ImageContent(data=b64(1234), mime_type="image/png"),
            AudioContent(data=b64(10), mime_type="audio/wav"),
            ResourceLink(uri="file:///a.txt", name="a"),
            EmbeddedResource(resource=TextResourceContents(uri="file:///b.txt", text="inline text")),
            EmbeddedResource(resource=BlobResourceContents(uri="file:///c.bin", blob=b64(3))),
            TextContent(text="last"),
        ]
    )
    assert result_text(result).splitlines() == [
        "first",
        "[image: image/png, 1234 bytes]",
        "[audio: audio/wav, 10 bytes]",
        "[resource link: file:///a.txt]",
        "inline text",
        "[resource: file:///c.bin]",
        "last",
    ]


def test_structured_only_and_empty():
    assert result_text(CallToolResult(content=[], structured_content={"n": 1})) == '{"n": 1}'
    assert result_text(CallToolResult(content=[])) == "(the tool returned nothing)"


def test_api_names():
    assert api_name("get.weather v2") == "get_weather_v2"
    assert len(api_name("x" * 100)) == 64
