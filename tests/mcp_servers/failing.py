"""A tool that raises, and one that dies with its server."""

from __future__ import annotations

import os

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from tests.mcp_servers._pid import record

server = MCPServer("failing")


@server.tool(description="Always fails.")
def explode() -> str:
    raise ToolError("the fuse was lit")


@server.tool(description="Ends the server process mid-call.")
def vanish() -> str:
    os._exit(7)


if __name__ == "__main__":
    record("failing")
    server.run()
