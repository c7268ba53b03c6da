"""Client tools from MCP servers: each server started on first need, its tools listed once and
offered to Claude, each call answered with a ``tool_result`` within a timeout.

A server's process and session live in one task of their own (anyio contexts must be entered and
left by the same task); calls are sent on that session from the turn's task. That task is told to stop
(an event), not cancelled: the SDK's shutdown, which stops the process and closes its transport, runs
shielded from its own cancel scopes but not from a native ``task.cancel()``. ``mcp`` is imported,
in a thread (it takes about a second), only when a configured server is first started. A server
that cannot start, or stops, is not started again this session: its tools are no longer offered.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import re
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from claude_textual.config import McpServer, Settings
from claude_textual.core.model import Block
from claude_textual.core.requests import tool_result

_INVALID = re.compile(r"[^a-zA-Z0-9_-]")
CLOSE_SECONDS = 8.0
"""Bound on closing one server (the SDK waits 2 s for it to exit, then terminates and kills it)."""


class Decision(Enum):
    """The user's answer to "run this tool?"."""

    ONCE = "once"
    CONVERSATION = "conversation"
    DENY = "deny"


Approver = Callable[[Block, str], Awaitable[Decision]]
"""Asked ``(tool_use, server name)`` before a tool that is not pre-approved runs."""


@dataclass(frozen=True)
class Tool:
    name: str
    """As offered to the API: ``^[a-zA-Z0-9_-]{1,64}$``, prefixed ``SERVER__`` when two servers share it."""
    original: str
    server: str
    description: str
    input_schema: dict[str, Any]

    def definition(self) -> dict[str, Any]:
        """The Messages API tool definition."""
        definition: dict[str, Any] = {"name": self.name, "input_schema": self.input_schema}
        if self.description:
            definition["description"] = self.description
        return definition


class ServerFailed(Exception):
    """A server could not start, or stopped; the message names it."""


def api_name(name: str) -> str:
    return _INVALID.sub("_", name)[:64] or "_"


def _import_mcp() -> None:
    import mcp.client.stdio  # noqa: F401


class ToolServer:
    """One configured stdio server, started by :meth:`start` and stopped by :meth:`close`."""

    def __init__(self, config: McpServer) -> None:
        self.config = config
        self.error: str | None = None
        self.tools: list[Any] = []
        self._session: Any = None
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._stop = asyncio.Event()
        self._errlog: Any = None

    @property
    def name(self) -> str:
        return self.config.name

    async def start(self) -> None:
        """Start the server and list its tools (once); ServerFailed when it cannot."""
        if self.error is not None:
            raise ServerFailed(self.error)
        if self._ready is None:
            try:
                await asyncio.to_thread(_import_mcp)
            except ImportError as exc:
                self._fail(f"could not start: the mcp package cannot be imported ({exc})")
                raise ServerFailed(self.error) from exc
        if self._stop.is_set():
            raise ServerFailed(f"The tool server {self.name!r} was closed before it started")
        if self._ready is None:
            # the server's stderr, kept for error messages; open while it runs, closed by close()
            self._errlog = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
            self._ready = asyncio.get_running_loop().create_future()
            self._task = asyncio.create_task(self._run(self._ready), name=f"mcp-server-{self.name}")
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), self.config.start_timeout)
        except TimeoutError:
            self._fail(f"did not start within {self.config.start_timeout:g} s")
            self._stop.set()  # its task leaves the SDK's contexts, which stop the process
        if self.error is not None:
            raise ServerFailed(self.error)

    async def _run(self, ready: asyncio.Future[None]) -> None:
        from mcp import ClientSession, StdioServerParameters
        from mcp.client.stdio import stdio_client

        config = self.config
        try:
            params = StdioServerParameters(
                command=config.command, args=list(config.args), env=dict(config.env) or None
            )
            async with (
                stdio_client(params, errlog=self._errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                if not await self._unless_stopped(self._open(session)):
                    self._fail("could not start: it was closed while starting")
                    return
                self._session = session
                ready.set_result(None)
                await self._stop.wait()
        except Exception as exc:
            self._fail(f"{'stopped' if ready.done() else 'could not start'}: {_reason(exc)}")
        finally:
            self._session = None
            if not ready.done():
                self._fail("could not start: it exited")
                ready.set_result(None)

    async def _open(self, session: Any) -> None:
        await session.initialize()
        self.tools = await _list_tools(session)

    async def _unless_stopped(self, work: Awaitable[None]) -> bool:
        """Await ``work`` (raising what it raises) unless the server is told to stop first (False)."""
        task = asyncio.ensure_future(work)
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not task.done():
                task.cancel()
                await asyncio.wait({task})
        if task.cancelled():
            return False
        task.result()
        return True

    def _fail(self, why: str) -> None:
        if self.error is None:
            detail = self._stderr_tail()
            self.error = f"The tool server {self.name!r} {why}" + (
                f" (its last output: {detail})" if detail else ""
            )

    def _stderr_tail(self) -> str:
        if self._errlog is None:
            return ""
        try:
            self._errlog.seek(0)
            lines = [line.strip() for line in self._errlog.read().splitlines() if line.strip()]
        except (OSError, ValueError):
            return ""
        return " / ".join(lines[-3:])[-300:]

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        """The ``CallToolResult``; TimeoutError after the server's timeout, ServerFailed if it stopped."""
        from mcp import MCPError
        from mcp_types import CONNECTION_CLOSED

        session = self._session
        if session is None:
            raise ServerFailed(self.error or f"The tool server {self.name!r} is not running")
        try:
            return await asyncio.wait_for(session.call_tool(name, arguments), self.config.timeout)
        except MCPError as exc:
            if exc.code != CONNECTION_CLOSED:
                raise
            self._fail(f"stopped while running {name!r}")
            self._stop.set()
            raise ServerFailed(self.error) from exc

    async def close(self) -> None:
        """Stop the process (stdin closed, then terminated, then killed) and wait for it, bounded."""
        self._stop.set()  # starting or running, its task leaves the SDK's contexts
        task = self._task
        if task is not None and not task.done():
            _, pending = await asyncio.wait({task}, timeout=CLOSE_SECONDS)
            if pending:  # the SDK's every wait is bounded: only a stuck shutdown gets here
                task.cancel()
        if self._errlog is not None:
            self._errlog.close()


async def _list_tools(session: Any) -> list[Any]:
    from mcp_types import PaginatedRequestParams

    tools, cursor = [], None
    while True:
        page = await session.list_tools(params=PaginatedRequestParams(cursor=cursor) if cursor else None)
        tools += page.tools
        cursor = page.next_cursor
        if not cursor:
            return tools


def _reason(exc: BaseException) -> str:
    """The innermost cause of a failure, as one line (task groups wrap it in exception groups)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(getattr(exc, "message", "") or exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def result_text(result: Any) -> str:
    """A ``CallToolResult``'s content as text: images, audio and binary resources as placeholders."""
    parts = []
    for item in result.content:
        kind = getattr(item, "type", "?")
        if kind == "text":
            parts.append(item.text)
        elif kind in ("image", "audio"):
            size = len(base64.b64decode(item.data, validate=False))
            parts.append(f"[{kind}: {item.mime_type}, {size} bytes]")
        elif kind == "resource" and hasattr(item.resource, "text"):
            parts.append(item.resource.text)
        elif kind in ("resource", "resource_link"):
            uri = item.resource.uri if kind == "resource" else item.uri
            parts.append(f"[{kind.replace('_', ' ')}: {uri}]")
        else:
            parts.append(f"[{kind} content]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts) or "(the tool returned nothing)"


class ToolManager:
    """The configured servers, the tools they offer, and who may run them without asking.

    Pre-approved: a tool or server named in ``allow_tools`` (config, or ``--allow-tools``) or a
    server with ``allow = true``. "Allow for this conversation" is remembered for this session only.
    """

    def __init__(self, settings: Settings) -> None:
        self.servers = {config.name: ToolServer(config) for config in settings.mcp_servers}
        self.allowed = set(settings.allow_tools) | {c.name for c in settings.mcp_servers if c.allow}
        self.grants: dict[str, set[str]] = {}
        self.tools: dict[str, Tool] = {}
        self._told: set[str] = set()

    async def prepare(self) -> list[str]:
        """Start servers not started yet and list the tools on offer; returns notices not given before
        (a server that failed, names shared by two servers)."""
        servers = list(self.servers.values())
        outcomes = await asyncio.gather(*(s.start() for s in servers), return_exceptions=True)
        notices = [f"{o}. Its tools are not offered." for o in outcomes if isinstance(o, ServerFailed)]
        self.tools, renamed = _offered([s for s in servers if s.error is None])
        notices += renamed
        fresh = [n for n in notices if n not in self._told]
        self._told.update(fresh)
        return fresh

    def definitions(self) -> list[dict[str, Any]]:
        return [tool.definition() for tool in self.tools.values()]

    def approved(self, conversation_id: str, tool: Tool) -> bool:
        return bool({tool.name, tool.original, tool.server} & self.allowed) or tool.name in self.grants.get(
            conversation_id, ()
        )

    def grant(self, conversation_id: str, tool: Tool) -> None:
        self.grants.setdefault(conversation_id, set()).add(tool.name)

    async def call(self, tool: Tool, tool_use: Block) -> Block:
        """Run ``tool`` for ``tool_use``: its ``tool_result``, an error one when it failed (never raises
        but for cancellation)."""
        server = self.servers[tool.server]
        arguments = tool_use.get("input")
        try:
            result = await server.call(tool.original, arguments if isinstance(arguments, dict) else {})
        except TimeoutError:
            text = (
                f"The tool {tool.name!r} (server {tool.server!r}) did not answer within "
                f"{server.config.timeout:g} s; the call was abandoned."
            )
            return tool_result(tool_use, text, is_error=True)
        except ServerFailed as exc:
            return tool_result(tool_use, str(exc), is_error=True)
        except Exception as exc:  # a protocol error: unknown tool, invalid arguments…
            text = f"The tool {tool.name!r} (server {tool.server!r}) failed: {_reason(exc)}"
            return tool_result(tool_use, text, is_error=True)
        return tool_result(tool_use, result_text(result), is_error=bool(result.is_error))

    async def aclose(self) -> None:
        """Stop every server started (no process is left behind)."""
        await asyncio.gather(*(s.close() for s in self.servers.values()))
        # the processes' asyncio transports go now, while the loop runs: collected after it closed,
        # each would warn "Event loop is closed" from its __del__
        gc.collect()


def _offered(servers: list[ToolServer]) -> tuple[dict[str, Tool], list[str]]:
    """Each server's tools by API name; a name two servers share gets each server's name as prefix."""
    counts = Counter(api_name(t.name) for s in servers for t in s.tools)
    offered: dict[str, Tool] = {}
    notices = []
    for server in servers:
        for item in server.tools:
            name = api_name(item.name)
            if counts[name] > 1:
                name = api_name(f"{server.name}__{name}")
                notices.append(
                    f"More than one tool server offers a tool named {item.name!r}: "
                    f"server {server.name!r}'s is offered as {name!r}."
                )
            while name in offered:  # a prefixed name may still clash: number it
                name = api_name(f"{name[:60]}_{len(offered)}")
            offered[name] = Tool(name, item.name, server.name, item.description or "", item.input_schema)
    return offered, notices
