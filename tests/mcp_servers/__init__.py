"""Small MCP stdio servers the tests start as real processes (``python -m tests.mcp_servers.NAME``)."""
