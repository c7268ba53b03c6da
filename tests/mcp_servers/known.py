"""Tools with known answers: a fixed string, an echo, a sum, and an image (for the placeholder)."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.utilities.types import Image

from tests.mcp_servers._pid import record

KNOWN = "claude-textual-tool-42"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(92)  # 100 bytes; the client only reports type and size

server = MCPServer("known")


@server.tool(description="The fixed version string.")
def version() -> str:
    return KNOWN


@server.tool(description="Echo the text back.")
def echo(text: str) -> str:
    return f"echo: {text}"


@server.tool(description="Add two integers.")
def add(a: int, b: int) -> str:
    return str(a + b)


@server.tool(description="A small picture.")
def picture() -> Image:
    return Image(data=PNG, format="png")


if __name__ == "__main__":
    record("known")
    server.run()
