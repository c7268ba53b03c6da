"""A tool that never answers."""

from __future__ import annotations

import anyio
from mcp.server.mcpserver import MCPServer

from tests.mcp_servers._pid import record

server = MCPServer("hanging")


@server.tool(description="Sleeps for ever.")
async def wait_forever() -> str:
    await anyio.sleep_forever()
    return "never"


if __name__ == "__main__":
    record("hanging")
    server.run()
