"""One turn of a conversation: the prompt saved, the reply streamed and saved, the tool loop run.

Everything is written through the :class:`~claude_textual.core.recorder.Recorder` as it happens, each
write in a worker thread (never on the event loop): the user message before the request, the reply as
a ``streaming`` row checkpointed while it arrives, then its final state and usage. A failure or a
cancel never loses what arrived; a write the history refuses is reported (:class:`SaveFailed`,
``ReplyClosed.not_saved``), never raised.

A request that fails before anything of the reply arrived is retried as :mod:`~claude_textual.core.retries`
says; the turn reports each wait second by second (:class:`Waiting`) so it can be shown and cancelled.
All attempts share one reply row; each failed attempt is listed in its ``extra["attempts"]``.

With a :class:`~claude_textual.core.tools.ToolManager`, its tools are offered and each tool call is
approved (unless pre-approved), run and answered, for at most ``settings.max_tool_rounds`` replies;
without one, every call is answered "unavailable". Results that came in before a cancel are kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from claude_textual.config import Settings
from claude_textual.core.attachments import hydrate
from claude_textual.core.binding import dropped_note, with_binding
from claude_textual.core.caching import prompt_times, with_caching
from claude_textual.core.capabilities import Capabilities
from claude_textual.core.catalogue import DEFAULT_CONTEXT_WINDOW
from claude_textual.core.client import ApiFailure
from claude_textual.core.context import edits_note, with_context_editing
from claude_textual.core.model import Block, Message, Status, Usage, tool_uses
from claude_textual.core.recorder import NotSaved, Recorder, RecordError
from claude_textual.core.requests import (
    build_messages,
    build_params,
    foreign_reasoning,
    prefix_digest,
    stale_reasoning,
    tool_result,
    unavailable_results,
)
from claude_textual.core.retries import next_wait, retry_reason
from claude_textual.core.stream import ReplyOutcome, ReplyStream, StreamEvent
from claude_textual.core.tools import Approver, Decision, ToolManager

DENIED = "The user denied running the tool {name!r}."
UNKNOWN = "There is no tool named {name!r} here."
LIMIT = "Not run: this prompt reached its limit of {rounds} rounds of tool calls (max_tool_rounds)."
HEARTBEAT_SECONDS = 5.0
"""How often a streaming reply's row is rewritten when nothing else writes it (see ``STALE_SECONDS``)."""


@dataclass(frozen=True)
class PromptSaved:
    """The prompt was stored: from here on it is in the history (the prompt box may let go of it)."""

    message: Message


@dataclass(frozen=True)
class MessageSaved:
    """Tool results we send back were stored."""

    message: Message


@dataclass(frozen=True)
class SaveFailed:
    """The history refused a write and the turn stopped there; ``prompt`` is set when it was the
    prompt's (then nothing of the turn is stored, and the prompt must stay with the user)."""

    not_saved: NotSaved
    prompt: Message | None = None


@dataclass(frozen=True)
class ReplyOpened:
    """An assistant reply row was created and its request is on its way."""

    message: Message


@dataclass(frozen=True)
class ReplyEvent:
    message: Message
    event: StreamEvent


@dataclass(frozen=True)
class Waiting:
    """A request failed before any reply arrived; retry number ``attempt`` of ``retries`` starts in
    ``seconds`` (whole seconds, counting down once a second; 0 when it is being sent now)."""

    message: Message
    seconds: int
    attempt: int
    retries: int
    reason: str


@dataclass(frozen=True)
class ReplyClosed:
    """The reply ended: ``message.status`` says how, ``failure`` why when it did not complete;
    ``not_saved`` when the history could not take its final state (it is shown all the same)."""

    message: Message
    failure: ApiFailure | None
    not_saved: NotSaved | None = None


@dataclass(frozen=True)
class ToolStarted:
    """An approved tool call of reply ``message`` is running on ``server``."""

    message: Message
    tool_use: Block
    server: str


@dataclass(frozen=True)
class ToolFinished:
    """A tool call of reply ``message`` was answered: ``result`` goes back; ``ran`` is False when it
    was not run (denied, or no such tool)."""

    message: Message
    tool_use: Block
    result: Block
    ran: bool


@dataclass(frozen=True)
class ToolNotice:
    """Something about the tools on offer worth telling (a server that failed, a renamed tool)."""

    text: str


@dataclass(frozen=True)
class Notice:
    """Something about the request worth telling once (reasoning of another model left out)."""

    text: str


TurnEvent = (
    PromptSaved
    | MessageSaved
    | SaveFailed
    | ReplyOpened
    | ReplyEvent
    | Waiting
    | ReplyClosed
    | ToolStarted
    | ToolFinished
    | ToolNotice
    | Notice
)


@dataclass
class _Attempts:
    """How a reply's requests went: its outcome and failure so far, each failed attempt (as kept in
    ``extra["attempts"]``), and whether a retry's countdown is running."""

    outcome: ReplyOutcome = field(default_factory=ReplyOutcome)
    failure: ApiFailure | None = None
    tried: list[dict[str, Any]] = field(default_factory=list)
    waiting: bool = False


class Turn:
    """Send ``prompt`` in conversation ``conversation_id`` and run until Claude stops asking for tools."""

    def __init__(
        self,
        recorder: Recorder,
        conversation_id: str,
        settings: Settings,
        client: Any,
        *,
        connect: Callable[[], Awaitable[Any]] | None = None,
        tools: ToolManager | None = None,
        approve: Approver | None = None,
        caps: Capabilities | None = None,
        window: int = DEFAULT_CONTEXT_WINDOW,
    ) -> None:
        """``client`` is the SDK client; or None with ``connect``, which makes it when the first
        request is due (after the prompt is saved and shown). ``approve`` is asked before a tool
        that is not pre-approved runs (without it, only pre-approved tools run). ``caps`` are the model's
        capabilities: requests are made in the form it accepts (unknown: as the settings ask); ``window``
        its context window, which context editing clears against."""
        self.recorder = recorder
        self.conversation_id = conversation_id
        self.settings = settings
        self.client = client
        self.connect = connect
        self.reply: Message | None = None
        self.not_saved: NotSaved | None = None
        """Set when a reply could not be saved (its ReplyClosed carries it)."""
        self.checkpoint_interval = 1.0
        self.tools = tools
        self.approve = approve
        self.caps = caps
        self.window = window
        self.jitter: Callable[[], float] = random.random
        """0 to 1: how much of a quarter of the backoff to take off (tests fix it)."""
        self._dropped: list[str] = []  # the models whose reasoning the last request left out
        self._edits_before: Any = None  # what context editing cleared from the last request
        self._checkpointing: asyncio.Future[None] | None = None
        self._saved: dict[int, Any] = {}  # what of the reply is stored (``Recorder.save_reply``)
        self.saving: asyncio.Future[Any] | None = None
        """The reply's final save, once under way (the app waits for it before it closes the history)."""

    async def _add(self, message: Message) -> Message:
        return await asyncio.to_thread(self.recorder.add_message, self.conversation_id, message)

    async def run(self, prompt: Message | None) -> AsyncIterator[TurnEvent]:
        """Store ``prompt`` (None: answer the history as it stands) and stream replies."""
        if prompt is not None:
            try:
                yield PromptSaved(await self._add(prompt))
            except RecordError as exc:
                yield SaveFailed(NotSaved(f"The prompt was not sent: {exc}"), prompt)
                return
        rounds = self.settings.max_tool_rounds
        for round_ in range(rounds):
            async with aclosing(self._reply()) as events:  # closing this turn closes the reply too
                async for event in events:
                    yield event
            reply = self.reply
            if not self._wants_tools(reply):
                return
            assert reply is not None
            results: list[Block] = []
            async with aclosing(self._results(reply, results, last=round_ == rounds - 1)) as events:
                async for event in events:
                    yield event
            try:
                yield MessageSaved(await self._add(Message(role="user", content=results)))
            except RecordError as exc:
                yield SaveFailed(NotSaved(f"The tool results could not be saved, so the turn stopped: {exc}"))
                return

    def _wants_tools(self, reply: Message | None) -> bool:
        """The reply completed asking for tools, and the history can take their results."""
        return (
            reply is not None
            and reply.status is Status.COMPLETE
            and reply.stop_reason == "tool_use"
            and self.not_saved is None
        )

    async def _results(self, reply: Message, results: list[Block], *, last: bool) -> AsyncIterator[TurnEvent]:
        """Answer ``reply``'s tool calls into ``results``: in the ``last`` round allowed none is run;
        without a tool manager none can be. Stopped, what ran is kept and the rest goes back as
        interrupted."""
        if last:
            rounds = self.settings.max_tool_rounds
            results += [
                tool_result(use, LIMIT.format(rounds=rounds), is_error=True) for use in tool_uses(reply)
            ]
            yield ToolNotice(
                f"Claude still asked for tools after {rounds} rounds; they were not run (max_tool_rounds)."
            )
        elif self.tools is None:
            results += unavailable_results(reply)
        else:
            try:
                async with aclosing(self._answer(reply, results)) as answers:
                    async for event in answers:
                        yield event
            except BaseException:
                if results:
                    await asyncio.shield(self._add(Message(role="user", content=results)))
                raise

    async def _answer(self, reply: Message, results: list[Block]) -> AsyncIterator[TurnEvent]:
        """Approve and run each tool call of ``reply`` in turn, appending its result to ``results``."""
        assert self.tools is not None
        for use in tool_uses(reply):
            tool, ran = self.tools.tools.get(use.get("name", "")), False
            if tool is None:
                result = tool_result(use, UNKNOWN.format(name=use.get("name")), is_error=True)
            else:
                decision = Decision.ONCE
                if not self.tools.approved(self.conversation_id, tool):
                    decision = await self.approve(use, tool.server) if self.approve else Decision.DENY
                if decision is Decision.CONVERSATION:
                    self.tools.grant(self.conversation_id, tool)
                if decision is Decision.DENY:
                    result = tool_result(use, DENIED.format(name=tool.name), is_error=True)
                else:
                    yield ToolStarted(reply, use, tool.server)
                    result, ran = await self.tools.call(tool, use), True
            results.append(result)
            yield ToolFinished(reply, use, result, ran)

    def _history(self) -> list[Message]:
        """In a thread: the branch as the request sends it, attached files read back into their blocks."""
        history = self.recorder.load_messages(self.conversation_id)
        return hydrate(history, self.recorder.files, citations=self.settings.citations)

    async def _open_reply(self) -> tuple[dict[str, Any], Message, list[str], bool] | NotSaved:
        """The request for the history as it stands, the reply's new ``streaming`` row (which keeps the
        digest of the system prompt and tools its thinking is bound to), the other models whose
        reasoning the request leaves out, and whether reasoning bound to another prefix is left out."""
        try:
            history = await asyncio.to_thread(self._history)
            foreign = foreign_reasoning(history, self.settings.model)
            params = build_params(history, self.settings, caps=self.caps)
            if self.tools is not None and self.tools.tools:
                params["tools"] = [*params.get("tools", []), *self.tools.definitions()]  # after server tools
            prefix = prefix_digest(params)
            stale = stale_reasoning(history, prefix)
            last = next((m for m in reversed(history) if m.role == "assistant"), None)
            if self._edits_before is None and last is not None:
                self._edits_before = last.extra.get("context_management")
            if stale:
                params["messages"] = build_messages(history, self.settings.model, prefix)
                # said once: on the first request since the change (the last reply had the old prefix)
                stale = last is not None and last.extra.get("prefix") != prefix
            params = with_caching(params, self.settings.cache, prompt_times(history))
            if self.settings.context_editing and self.caps is not None:
                params = with_context_editing(params, self.caps.context_edits, self.window)
            params = with_binding(params)
            reply = await self._add(
                Message(
                    role="assistant",
                    content=[],
                    model=self.settings.model,
                    status=Status.STREAMING,
                    extra={"prefix": prefix},
                )
            )
        except RecordError as exc:
            return NotSaved(f"The reply could not be started: {exc}")
        return params, reply, foreign, stale

    async def _reply(self) -> AsyncIterator[TurnEvent]:
        notices = await self.tools.prepare() if self.tools is not None else []
        for notice in notices:
            yield ToolNotice(notice)
        opened = await self._open_reply()
        if isinstance(opened, NotSaved):
            self.reply, self.not_saved = None, opened
            yield SaveFailed(opened)
            return
        params, reply, foreign, stale = opened
        self.reply = reply
        yield ReplyOpened(reply)
        for note in self._opening_notes(foreign, stale):
            yield Notice(note)
        self._saved = {}
        attempts = _Attempts()
        heartbeat = asyncio.ensure_future(self._heartbeat(reply))
        try:
            async with aclosing(self._requests(reply, params, attempts)) as events:
                async for event in events:
                    yield event
        finally:
            heartbeat.cancel()
            not_saved = await self._final_save(reply, attempts)
        for note in self._reported(attempts.outcome.message):
            yield Notice(note)
        yield ReplyClosed(reply, attempts.failure, not_saved)

    def _opening_notes(self, foreign: list[str], stale: bool) -> list[str]:
        """What the request leaves out of the history, said once: reasoning bound to another system
        prompt or other tools, and another model's reasoning."""
        notes = []
        if stale:
            notes.append(
                "The system prompt or the tools changed since earlier replies, so their reasoning (thinking "
                "blocks, bound to what came before them) is left out of this request: the API would refuse it."
            )
        if foreign and foreign != self._dropped:
            self._dropped = foreign
            notes.append(
                f"The reasoning of {', '.join(foreign)} earlier in this conversation is not sent to "
                f"{self.settings.model}: a model takes only its own thinking blocks."
            )
        return notes

    def _checkpoint(self, reply: Message, snapshot: dict[str, Any]) -> None:
        """Save the partial reply in a thread; while one save runs, later ones are skipped (each
        holds the whole reply so far, so the next one catches up)."""
        if self._checkpointing is None or self._checkpointing.done():
            self._checkpointing = asyncio.ensure_future(asyncio.to_thread(self._write, reply, snapshot))

    def _write(self, reply: Message, snapshot: dict[str, Any] | None) -> None:
        self._saved = self.recorder.save_reply(reply, snapshot, status=Status.STREAMING, saved=self._saved)

    async def _requests(
        self, reply: Message, params: dict[str, Any], attempts: _Attempts
    ) -> AsyncIterator[TurnEvent]:
        """Stream the reply, retrying a request that failed before it began (after a countdown);
        ``attempts`` holds how it went, whatever stops it."""
        settings = self.settings
        if self.client is None and self.connect is not None:
            try:
                self.client = await self.connect()
            except Exception as exc:  # e.g. a broken SDK install: the reply row is still closed
                attempts.outcome = ReplyOutcome(status=Status.ERROR)
                attempts.failure = ApiFailure(
                    "client", f"Could not start the API client: {type(exc).__name__}: {exc}"
                )
                return
        for attempt in range(settings.max_retries + 1):
            stream = ReplyStream(
                self.client, params, partial(self._checkpoint, reply), self.checkpoint_interval
            )
            try:
                async with aclosing(stream.events()) as events:
                    async for event in events:
                        yield ReplyEvent(reply, event)
            finally:
                attempts.outcome, attempts.failure = stream.outcome, stream.outcome.failure
            if attempts.failure is None:
                return
            wait, attempts.failure = next_wait(settings, stream.outcome, attempt, attempts.tried, self.jitter)
            if wait is None:
                return
            reply.extra["attempts"] = list(attempts.tried)
            await self._settle_checkpoint()
            with contextlib.suppress(RecordError):  # the next checkpoint or the final save writes it
                await asyncio.to_thread(self._write, reply, None)
            attempts.waiting = True
            async with aclosing(
                self._countdown(reply, wait, attempt + 1, retry_reason(attempts.failure))
            ) as waits:
                async for waiting in waits:
                    yield waiting
            attempts.waiting = False

    async def _final_save(self, reply: Message, attempts: _Attempts) -> NotSaved | None:
        """Save the reply as it ended, once the checkpoint in flight is written: one task, started
        before anything is awaited and shielded, so a second cancel (quitting while a checkpoint is
        written) stops only the waiting, never the save."""
        if attempts.waiting:  # stopped during a retry's countdown
            attempts.outcome = ReplyOutcome(status=Status.INTERRUPTED)
            attempts.failure = ApiFailure("cancelled", "Stopped by you while waiting to retry.")
        if len(attempts.tried) > 1 or "attempts" in reply.extra:
            reply.extra["attempts"] = attempts.tried

        async def save() -> NotSaved | None:
            await self._settle_checkpoint()
            return await asyncio.to_thread(
                self._close, reply, attempts.outcome, attempts.failure, self._saved
            )

        self.saving = asyncio.ensure_future(save())
        return await asyncio.shield(self.saving)

    def _reported(self, message: dict[str, Any] | None) -> list[str]:
        """What the API says it did to the request's input: thinking it dropped, and what context
        editing cleared (said when that differs from what the reply before had cleared)."""
        if message is None:
            return []
        notes = [dropped_note(message.get("input_transformations") or [])]
        edits = message.get("context_management")
        if edits != self._edits_before:
            notes.append(edits_note(edits))
        self._edits_before = edits
        return [n for n in notes if n]

    async def _settle_checkpoint(self) -> None:
        """Wait for a checkpoint still being written; one that failed is only a missed checkpoint."""
        if self._checkpointing is not None:
            with contextlib.suppress(Exception):
                await self._checkpointing

    async def _countdown(
        self, reply: Message, seconds: float, attempt: int, reason: str
    ) -> AsyncIterator[Waiting]:
        """Wait ``seconds``, reporting the whole seconds left once a second, then 0."""
        retries = self.settings.max_retries
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            shown = math.ceil(left)
            yield Waiting(reply, shown, attempt, retries, reason)
            await asyncio.sleep(left - (shown - 1))
        yield Waiting(reply, 0, attempt, retries, reason)

    async def _heartbeat(self, reply: Message) -> None:
        """Keep the streaming row fresh while nothing else writes it (waiting for the first byte,
        a retry's countdown, a long pause), so no other process takes it for a dead one."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            with contextlib.suppress(Exception):  # a missed heartbeat costs nothing
                await asyncio.to_thread(self.recorder.touch, reply)

    def _close(
        self, reply: Message, outcome: ReplyOutcome, failure: ApiFailure | None, saved: dict[int, Any]
    ) -> NotSaved | None:
        """Save the reply's final state and its usage record, whatever ended it (in a thread).

        When the history cannot take it (a full disk, a lock held too long) the reply keeps its content
        in memory, to be shown, and the returned :class:`NotSaved` says it was not saved.
        """
        status = outcome.status if outcome.status is not Status.STREAMING else Status.INTERRUPTED
        try:
            self.recorder.save_reply(
                reply, outcome.message, status=status, error=str(failure) if failure else None, saved=saved
            )
            if outcome.message is not None:
                self.recorder.add_usage(
                    reply,
                    Usage(
                        raw=outcome.message.get("usage") or {},
                        request_id=outcome.request_id,
                        model=outcome.message.get("model"),
                        ttft_ms=outcome.ttft_ms,
                        duration_ms=outcome.duration_ms,
                    ),
                )
        except Exception as exc:  # RecordError for what the environment causes; anything else too
            before = f"{failure.message} " if failure else ""
            self.not_saved = NotSaved(
                f"{before}This reply could not be saved, so it is shown here but is not in the history: {exc}"
            )
            reply.error = self.not_saved.message
            return self.not_saved
        return None


async def drain(turn: Turn, prompt: Message | None) -> list[TurnEvent]:
    """Run a turn to the end and return its events (the command line and tests use this)."""
    return [event async for event in turn.run(prompt)]
