"""One typed message per event of a running turn, posted (by :mod:`claude_textual.ui.relay`) to each
widget that owns a state the event changes: the transcript its messages and blocks, the status bar its
counters and state line, the prompt box its text, the screen its notifications. None bubbles."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from claude_textual.core import stream, turn
    from claude_textual.core.model import Block
    from claude_textual.core.model import Message as ChatMessage
    from claude_textual.core.tools import Decision


class TurnMessage(Message, bubble=False):
    """A turn event for one owner: handled there, never bubbling up to the others."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        kwargs.setdefault("bubble", False)  # Textual's default for a subclass is True
        super().__init_subclass__(**kwargs)  # type: ignore[arg-type]


@dataclass
class PromptSaved(TurnMessage):
    """The prompt is in the history: shown in the transcript, let go of by the prompt box."""

    message: ChatMessage


@dataclass
class ResultsSaved(TurnMessage):
    """Tool results we send back are in the history."""

    message: ChatMessage


@dataclass
class SaveFailed(TurnMessage):
    event: turn.SaveFailed


@dataclass
class ReplyOpened(TurnMessage):
    message: ChatMessage


@dataclass
class RetryWaiting(TurnMessage):
    event: turn.Waiting


@dataclass
class ReplyStarted(TurnMessage):
    reply: ChatMessage
    event: stream.ReplyStarted


@dataclass
class BlockStarted(TurnMessage):
    reply: ChatMessage
    event: stream.BlockStarted


@dataclass
class BlockDelta(TurnMessage):
    reply: ChatMessage
    event: stream.BlockDelta


@dataclass
class BlockStopped(TurnMessage):
    reply: ChatMessage
    event: stream.BlockStopped


@dataclass
class UsageUpdated(TurnMessage):
    reply: ChatMessage
    event: stream.UsageUpdated


@dataclass
class ReplyClosed(TurnMessage):
    event: turn.ReplyClosed


@dataclass
class ToolStarted(TurnMessage):
    event: turn.ToolStarted


@dataclass
class ToolFinished(TurnMessage):
    event: turn.ToolFinished


@dataclass
class Notice(TurnMessage):
    """Something the turn tells once (a tool server that failed, reasoning left out)."""

    text: str
    title: str = ""


@dataclass
class TurnStopped(TurnMessage):
    """The turn worker ended without its reply closing (cancelled, or an error): ``reply`` is what
    was streaming, ``error`` the worker's error if it failed."""

    reply: ChatMessage | None
    error: BaseException | None = None


class ApprovalRequest(TurnMessage):
    """The turn asks whether a tool may run; the handler resolves ``future`` with the answer."""

    def __init__(self, tool_use: Block, server: str, future: asyncio.Future[Decision]) -> None:
        super().__init__()
        self.tool_use = tool_use
        self.server = server
        self.future = future
