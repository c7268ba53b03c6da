"""The chat use-cases: open a conversation and its window, plan a send, run a turn, retry, edit, switch
branch, and the conversation's own settings. No Textual here; store calls run in a thread.

A screen asks, and applies the typed result: a :class:`Window` to show, a :class:`Refused` to say, or
a :class:`Ready` turn to run with :meth:`ChatSession.run`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_textual.config import Settings
from claude_textual.core.attachments import (
    AttachError,
    Attachment,
    check_request,
    check_unchanged,
    hydrate,
    prompt_message,
    stored_sources,
    token_estimate,
    unsupported,
)
from claude_textual.core.branches import start_edit, start_retry
from claude_textual.core.capabilities import Capabilities
from claude_textual.core.catalogue import Catalogue, fetch_catalogue, read_cache
from claude_textual.core.context import (
    COUNT_NEAR_FULL,
    Fit,
    check_fit,
    used_tokens,
    with_context_editing,
    worth_counting,
)
from claude_textual.core.describe import title_from
from claude_textual.core.model import Conversation, Message, Status, Totals, Usage
from claude_textual.core.recorder import RecordError
from claude_textual.core.requests import build_params, fit_settings
from claude_textual.core.titles import clean_title, title_params
from claude_textual.core.turn import Notice, ReplyClosed, Turn, TurnEvent
from claude_textual.session.library import Library

if TYPE_CHECKING:
    from claude_textual.core.tools import Approver, ToolManager
    from claude_textual.store.history import History

WINDOW = 20
"""How many messages a window holds when a conversation opens, and how many more each load adds."""

TITLE_WAIT = 30.0
"""Seconds the small model has to name a conversation."""
QUIT_WAIT = 10.0
"""Seconds the app waits, when it quits, for a reply's last save (a locked database may hold it)."""

STREAMING = "A reply is still streaming: wait, or press Esc to stop it."
SWITCHING = "A reply is on its way: wait for it, or stop it (Esc), before switching."


@dataclass(frozen=True)
class Window:
    """What the transcript shows of a conversation: ``messages`` of its current branch, with
    ``earlier``/``later`` counting those left out, their places among siblings (``‹ 2/3 ›``), and the
    conversation's token totals; ``focus_seq`` is the message to select."""

    conversation: Conversation
    messages: list[Message]
    earlier: int = 0
    later: int = 0
    places: dict[str, tuple[int, int]] = field(default_factory=dict)
    totals: Totals = field(default_factory=Totals)
    focus_seq: int | None = None


@dataclass(frozen=True)
class Earlier:
    """Messages before the window, to add above it."""

    messages: list[Message]
    earlier: int
    places: dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Refused:
    """Not done; ``reason`` says why (and the prompt, if any, stays with the user)."""

    reason: str
    title: str = ""
    severity: str = "warning"
    offer: dict[str, Any] | None = None
    """Settings to offer for the conversation instead (another model for a retired one, context editing
    for one too large for its window); ``accept`` labels the yes, ``done`` is said once they are set."""
    accept: str = ""
    done: str = ""


@dataclass(frozen=True)
class NeedsCount:
    """The prompt may not fit the context window: count it (:meth:`ChatSession.count`) and plan again."""


@dataclass(frozen=True)
class Ready:
    """A turn to run (:meth:`ChatSession.run`); ``window`` to show first (a new branch or the latest
    messages), ``note`` to tell the user."""

    turn: Turn
    prompt: Message | None
    window: Window | None = None
    note: str = ""


Plan = Refused | NeedsCount | Ready


def _database_error(action: str, exc: Exception) -> Refused:
    return Refused(f"{action} {exc}", title="Database", severity="error")


class ChatSession:
    """One window's chat: the store, the open conversation and its settings, the running turn."""

    def __init__(
        self,
        settings: Settings,
        *,
        connect: Callable[[], Awaitable[Any]],
        tools: Callable[[], ToolManager | None],
        cache: Path,
        catalogue_key: str,
    ) -> None:
        """``settings`` are the app's (``--model`` applied); ``connect`` makes the SDK client off the
        event loop; ``tools`` the MCP tool manager (None: no servers); ``cache`` the model list's file,
        kept under ``catalogue_key`` (the API it came from)."""
        self.settings = settings
        self.connect = connect
        self.tools = tools
        self.cache = cache
        self.catalogue_key = catalogue_key
        self.store: History | None = None
        self.library: Library | None = None
        self.error: str | None = None
        """Why the history could not be opened."""
        self.conversation_id: str | None = None
        self.options: dict[str, Any] = {}
        """The open (or the next new) conversation's own settings."""
        self.used = 0
        """Context tokens of the open conversation's last reply."""
        self.catalogue: Catalogue | None = None
        """The model list, once it was fetched."""
        self.turn: Turn | None = None
        self.running = False
        """A send or a retry is under way: planned, or its turn running."""
        self.approve: Approver | None = None
        """Asked before a tool that is not pre-approved runs (the UI sets it)."""
        self.titled: Callable[[str, str], None] | None = None
        """Told (conversation id, title) when the small model named a conversation (``title_model``)."""
        self._untitled: dict[str, str] = {}  # created here, still with the first prompt's title
        self._naming: set[asyncio.Task[None]] = set()
        self._said: set[tuple[str | None, str]] = set()
        self._store_tried = asyncio.Event()  # set once the history is open, or failed to open

    # ---- the store ---------------------------------------------------------------------------------
    async def open_store(self, path: Path) -> int:
        """Open the history (migrating it) and recover replies a crash cut off; returns how many.
        Raises ``StoreError`` (also kept in ``error``) when it cannot be used."""

        def open_() -> tuple[History, int]:
            from claude_textual.core.prices import PriceBook
            from claude_textual.store.history import History

            store = History(path, PriceBook(self.settings.prices))
            return store, store.mark_stale_streaming()

        try:
            store, recovered = await asyncio.to_thread(open_)
        except RecordError as exc:
            self.error = str(exc)
            raise
        except Exception as exc:  # never leave the app waiting for a history that will not come
            self.error = f"Cannot open the history database {path}: {type(exc).__name__}: {exc}"
            raise RecordError(self.error) from exc
        finally:
            self._store_tried.set()
        self.store, self.library = store, Library(store)
        return recovered

    async def opened(self) -> None:
        """Wait until the history is open, or could not be: a prompt sent while the app starts goes as
        soon as it can, rather than being refused."""
        await self._store_tried.wait()

    def _name_soon(self, prompt: Message, reply: Message) -> None:
        """The first reply of a conversation created here is in: have the small model name it, beside
        the rest (nothing waits for it)."""
        auto = self._untitled.pop(reply.conversation_id or "", None)
        if auto is None or reply.status is not Status.COMPLETE or not self.settings.title_model:
            return
        task = asyncio.create_task(self._name(prompt.text(), reply, auto))
        self._naming.add(task)
        task.add_done_callback(self._naming.discard)

    async def _name(self, prompt: str, reply: Message, auto: str) -> None:
        """Ask ``title_model`` for a title and keep it, with what the call cost, unless the conversation
        was renamed meanwhile; any failure leaves the first prompt's title."""
        settings = self.effective()
        caps = (self.catalogue or Catalogue()).capabilities(settings.title_model)
        try:
            client = await self.connect()
            response = await asyncio.wait_for(
                client.messages.create(**title_params(prompt, reply.text(), settings, caps)), TITLE_WAIT
            )
            text = "".join(getattr(block, "text", "") for block in response.content)
            raw = {**response.usage.to_dict(mode="json"), "purpose": "title"}
            usage = Usage(raw=raw, request_id=getattr(response, "_request_id", None), model=response.model)
        except Exception:  # noqa: BLE001 - no title from the small model: the first prompt's stays
            return
        title, store = clean_title(text, settings.title_length), self.store
        if title is None or store is None or reply.conversation_id is None:
            return
        try:
            named = await asyncio.to_thread(store.add_title, reply, usage, title, auto)
        except RecordError:
            return
        if named and self.titled is not None:
            self.titled(reply.conversation_id, title)

    async def close(self) -> None:
        """Close the history (at quit), once the last reply's final save is done: the last connection
        checkpoints the WAL into the database and removes the ``-wal`` file, so no second copy of the
        last writes is left beside it."""
        for task in list(self._naming):
            task.cancel()
        saving = self.turn.saving if self.turn is not None else None
        if saving is not None and not saving.done():
            await asyncio.wait([saving], timeout=QUIT_WAIT)
        store, self.store = self.store, None
        if store is not None:
            with contextlib.suppress(Exception):  # quitting: a failure here loses nothing written
                await asyncio.to_thread(store.close)

    def unavailable(self) -> Refused | None:
        """Why nothing can be stored now, if so."""
        if self.store is not None:
            return None
        if self.error is not None:
            return Refused(
                "The history is unavailable, so the prompt was not sent (nothing could be saved). "
                f"{self.error}",
                title="Database",
                severity="error",
            )
        return Refused("The history database is not open yet.")

    def busy(self) -> Refused | None:
        """Why a prompt cannot be sent now at all (no history, or a turn on its way), if so."""
        return self.unavailable() or (Refused(STREAMING) if self.running else None)

    # ---- settings ----------------------------------------------------------------------------------
    def effective(self) -> Settings:
        """The open conversation's settings: the app's under the conversation's own."""
        return self.settings.with_options(self.options)

    def context_window(self) -> int:
        return (self.catalogue or Catalogue()).context_window(self.effective().model)

    def capabilities(self) -> Capabilities | None:
        """What the open conversation's model accepts (the fetched list, else the built-in table)."""
        return (self.catalogue or Catalogue()).capabilities(self.effective().model)

    async def retired(self) -> Refused | None:
        """The conversation's model is retired (the API refuses every request to it): say so, and offer
        the newest active model of its family. The model list as fetched or cached (never fetched here)."""
        catalogue = self.catalogue
        if catalogue is None:
            cached = await asyncio.to_thread(read_cache, self.cache, self.catalogue_key, time.time())
            catalogue = Catalogue(cached, offline=False) if cached else Catalogue()
        model = self.effective().model
        choice = catalogue.choice(model)
        if choice is None or choice.lifecycle != "retired":
            return None
        successor = catalogue.successor(choice.id)
        when = f" on {choice.retires_at}" if choice.retires_at else ""
        return Refused(
            f"{choice.name} was retired{when}: the API refuses requests to it, so the prompt was not sent "
            "(it stays in the box)."
            + (f" Switch this conversation to {successor.name}?" if successor else ""),
            title="Model retired",
            offer={"model": successor.id} if successor else None,
            accept="Switch",
            done=f"This conversation now uses {successor.id}: press Ctrl+S to send the prompt."
            if successor
            else "",
        )

    def fit_notes(self) -> str:
        """What the model cannot do as the settings ask, each said once per conversation and model."""
        notes = fit_settings(self.effective(), self.capabilities()).notes
        fresh = [n for n in notes if (self.conversation_id, n) not in self._said]
        self._said.update((self.conversation_id, n) for n in fresh)
        return " ".join(fresh)

    async def save_options(self, options: dict[str, Any]) -> Refused | None:
        """Make ``options`` the open conversation's settings (a new one gets them when it is created)."""
        if self.store is not None and self.conversation_id is not None:
            try:
                await asyncio.to_thread(self.store.set_options, self.conversation_id, options)
            except RecordError as exc:
                return _database_error("The settings were not saved.", exc)
        self.options = options
        return None

    async def models(self) -> Catalogue:
        """The model list (cached, fetched, or the built-in one); kept once it came from the API."""
        catalogue = self.catalogue or await fetch_catalogue(self.connect, self.cache, self.catalogue_key)
        if not catalogue.offline:
            self.catalogue = catalogue
        return catalogue

    # ---- conversations and windows -----------------------------------------------------------------
    def new(self) -> None:
        """Start a new conversation (created when its first prompt is sent)."""
        self.conversation_id, self.options, self.used = None, {}, 0

    def _window(self, conversation_id: str, at_seq: int | None) -> Window | None:
        store = self.store
        assert store is not None
        conversation = store.get_conversation(conversation_id)
        if conversation is None:
            return None
        messages, earlier, later = store.load_window(conversation_id, WINDOW, around=at_seq)
        places = store.sibling_places([m.id for m in messages if m.id])
        return Window(
            conversation, messages, earlier, later, places, store.usage_totals(conversation_id), at_seq
        )

    async def open(self, conversation_id: str, *, at_seq: int | None = None) -> Window | Refused | None:
        """The conversation's last messages, or the window around message ``at_seq``; it becomes the
        open one. None when there is no such conversation."""
        if self.store is None:
            return None
        if self.running:
            return Refused(SWITCHING)
        window = await asyncio.to_thread(self._window, conversation_id, at_seq)
        if window is not None:
            self._opened(window)
        return window

    async def resume(self, ref: str) -> Window | Refused | None:
        """Open the conversation ``ref`` names: ``last``, an id or a unique prefix of one."""
        if self.store is None:
            return None
        try:
            return await self.open(await asyncio.to_thread(self.store.resolve, ref))
        except RecordError as exc:
            return Refused(str(exc), title="--resume", severity="error")

    def _opened(self, window: Window) -> None:
        self.conversation_id = window.conversation.id
        self.options = window.conversation.options
        self.used = next(
            (used_tokens(m.usage.raw) for m in reversed(window.messages) if m.usage is not None), 0
        )

    async def earlier(self, before_seq: int) -> Earlier | None:
        store, conversation_id = self.store, self.conversation_id
        if store is None or conversation_id is None:
            return None

        def read() -> Earlier:
            messages, earlier, _ = store.load_window(conversation_id, WINDOW, before=before_seq)
            return Earlier(messages, earlier, store.sibling_places([m.id for m in messages if m.id]))

        return await asyncio.to_thread(read)

    async def places(self, ids: list[str]) -> dict[str, tuple[int, int]]:
        if self.store is None:
            return {}
        return await asyncio.to_thread(self.store.sibling_places, ids)

    async def open_at(
        self, conversation_id: str, message_id: str, *, follow: bool = False
    ) -> Window | Refused | None:
        """Show message ``message_id``; first switch to the latest branch through it when ``follow``
        is set or when it is not on the branch shown (the conversation remembers the switch)."""
        store = self.store
        if store is None:
            return None
        if self.running:
            return Refused(SWITCHING)

        def read() -> Window | None:
            target = next(iter(store.load_by_id([message_id])), None)
            if target is None:
                return None
            if follow or message_id not in dict(store.branch(conversation_id)):
                store.follow(conversation_id, message_id)
            return self._window(conversation_id, target.seq)

        window = await asyncio.to_thread(read)
        if window is not None:
            self._opened(window)
        return window

    async def switch_branch(self, message: Message, step: int) -> Window | Refused | None:
        """Show the sibling ``step`` places from ``message`` (-1 previous, 1 next) and its latest branch."""
        if self.store is None or self.conversation_id is None or message.id is None:
            return None
        siblings = await asyncio.to_thread(self.store.siblings, message.id)
        index = siblings.index(message.id) + step if message.id in siblings else -1
        if not 0 <= index < len(siblings):
            return None
        return await self.open_at(self.conversation_id, siblings[index], follow=True)

    # ---- sending -----------------------------------------------------------------------------------
    async def plan_send(
        self,
        text: str,
        *,
        editing: Message | None = None,
        reopen: bool = False,
        fit: Fit | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> Plan:
        """What sending ``text`` takes: refused (why), a count first, or a turn ready to run.

        ``editing`` is the earlier prompt it replaces (a new branch beside it); ``reopen`` asks for the
        window to show the conversation's end first; ``fit`` is the count, once made; ``attachments``
        go before the text, checked unchanged and kept in the history once."""
        refused = self.busy() or await self.retired() or self._unfit(attachments)
        if refused is not None:
            return refused
        if attachments:
            try:
                await asyncio.to_thread(self._check_files, attachments)
            except (AttachError, RecordError) as exc:
                return Refused(f"{exc} Nothing was sent; the prompt stays in the box.", title="Attachment")
        extra = sum(map(token_estimate, attachments))
        if fit is None and worth_counting(text, self.used, self.context_window(), extra):
            return NeedsCount()
        if fit is not None and not fit.fits:
            return self._too_large(fit)
        self.running = True
        try:
            window = await asyncio.to_thread(self._prepare_send, text, editing, reopen, attachments)
        except RecordError as exc:
            self.running = False
            return _database_error(
                "The prompt was not sent." if editing is None else "The edited prompt was not sent.", exc
            )
        except BaseException:
            self.running = False
            raise
        if window is not None:  # a new conversation (or the same one's window): it is the open one
            self.conversation_id = window.conversation.id
        notes = " ".join(n for n in (fit.note if fit else "", self.fit_notes()) if n)
        prompt = prompt_message(text, attachments, kept=editing.content if editing else ())
        return Ready(self._turn(), prompt, window, notes)

    def _clearable(self) -> bool:
        """The model can clear old tool results (context editing) and this conversation does not yet ask."""
        caps = self.capabilities()
        return bool(caps and caps.context_edits) and not self.effective().context_editing

    def _too_large(self, fit: Fit) -> Refused:
        """The request does not fit: say so, offering context editing where the model has it."""
        title = "Too large for the context window"
        if not self._clearable():
            if self.effective().context_editing:
                return Refused(
                    f"{fit.note} (Context editing is on: this is the count after the API's clearing.)",
                    title=title,
                    severity="error",
                )
            return Refused(fit.note, title=title, severity="error")
        return Refused(
            f"{fit.note}\n\nTurn on context editing for this conversation? The API then clears old tool "
            "results and earlier turns' thinking from each request that nears the window (your history "
            "keeps them all); Ctrl+S then counts the prompt again.",
            title=title,
            severity="error",
            offer={"context_editing": True},
            accept="Turn on",
            done="Context editing is on for this conversation: press Ctrl+S to send the prompt again.",
        )

    def _unfit(self, attachments: tuple[Attachment, ...]) -> Refused | None:
        """The model's capabilities (when known) say it cannot take these attachments."""
        caps = self.capabilities()
        problem = caps and unsupported([a.kind for a in attachments], caps.images, caps.pdfs)
        return Refused(f"{problem} Nothing was sent.", title="Attachment") if problem else None

    def _check_files(self, attachments: tuple[Attachment, ...]) -> None:
        """In a thread: the files are as they were when attached, and the request they make with the
        conversation's earlier attachments (sent again) is within the API's limits."""
        for attachment in attachments:
            check_unchanged(attachment)
        store, conversation_id = self.store, self.conversation_id
        earlier = store.load_messages(conversation_id) if store and conversation_id else []
        check_request(stored_sources(earlier), attachments)

    def _prepare_send(
        self, text: str, editing: Message | None, reopen: bool, attachments: tuple[Attachment, ...] = ()
    ) -> Window | None:
        """In a thread: keep the attached files, create the conversation or start the edit's branch; the
        window to show (its conversation becomes the open one back on the event loop)."""
        store = self.store
        assert store is not None
        if attachments:
            store.put_files([(a.data, a.media_type) for a in attachments])
        if self.conversation_id is None:
            settings = self.effective()
            conversation = store.create_conversation(
                title_from(text, settings.title_length), settings.model, settings.system
            )
            if self.options:
                store.set_options(conversation.id, self.options)
            self._untitled[conversation.id] = conversation.title
            return Window(replace(conversation, options=dict(self.options)), [])
        if editing is not None:
            start_edit(store, self.conversation_id, editing)
        return self._window(self.conversation_id, None) if editing is not None or reopen else None

    async def count(self, text: str, attachments: tuple[Attachment, ...] = ()) -> Fit:
        """Count the request ``text`` would make (``messages.count_tokens``) against the model's own
        window (from the model list, cached or fetched)."""
        settings, store, conversation_id = self.effective(), self.store, self.conversation_id

        def read() -> list[Message]:
            assert store is not None and conversation_id is not None
            return hydrate(store.load_messages(conversation_id), store.files, citations=settings.citations)

        earlier = await asyncio.to_thread(read) if store and conversation_id else []
        catalogue = await self.models()
        prompt = hydrate(
            [prompt_message(text, attachments)],
            lambda _: {a.sha256: a.data for a in attachments},
            citations=settings.citations,
        )
        caps, window = self.capabilities(), catalogue.context_window(settings.model)
        params = build_params([*earlier, *prompt], settings, caps=caps)
        if settings.context_editing and caps is not None:
            params = with_context_editing(params, caps.context_edits, window)
        fit = await check_fit(self.connect, params, window)
        needed = (fit.input_tokens or 0) + settings.max_tokens
        if fit.fits and fit.input_tokens and needed > window * COUNT_NEAR_FULL and self._clearable():
            note = (
                f"This conversation is at {round(100 * needed / window)}% of the context window of "
                f"{settings.model}. Turn on context editing (Ctrl+O) to let the API clear old tool results "
                "as it fills."
            )
            return replace(fit, note=f"{fit.note} {note}".strip())
        return fit

    async def plan_retry(self, selected: Message | None) -> Refused | Ready:
        """Answer again, as a new branch, what ``selected`` answered (or the last reply; a prompt gets
        a whole new turn). The old reply stays on its branch."""
        store, conversation_id = self.store, self.conversation_id
        if store is None or conversation_id is None:
            return Refused("Nothing to retry here.")
        if self.running:
            return Refused("A reply is still streaming: wait, or press Esc to stop it first.")
        self.running = True
        try:
            prepared = await asyncio.to_thread(self._prepare_retry, store, conversation_id, selected)
        except RecordError as exc:
            prepared = _database_error("Cannot retry:", exc)
        except BaseException:
            self.running = False
            raise
        if isinstance(prepared, Refused):
            self.running = False
            return prepared
        self._opened(prepared)
        return Ready(self._turn(), None, prepared, self.fit_notes())

    def _prepare_retry(
        self, store: History, conversation_id: str, selected: Message | None
    ) -> Window | Refused:
        store.mark_stale_streaming()  # then read the target as it is now
        if selected is not None:
            target = next(iter(store.load_by_id([selected.id or ""])), None)
        else:
            target = next(iter(store.load_messages(conversation_id, last=1)), None)
        if target is None:
            return Refused("Nothing to retry: this conversation is empty.")
        if target.status is Status.STREAMING:
            from claude_textual.store.history import stale_seconds

            return Refused(
                "That reply is still being written, in another window? If the app writing it "
                f"crashed, Ctrl+R works once the reply has been idle for {stale_seconds():g} s."
            )
        start_retry(store, conversation_id, target)
        window = self._window(conversation_id, None)
        assert window is not None
        return window

    def _turn(self) -> Turn:
        assert self.store is not None and self.conversation_id is not None
        self.turn = Turn(
            self.store,
            self.conversation_id,
            self.effective(),
            None,
            connect=self.connect,
            tools=self.tools(),
            approve=self.approve,
            caps=self.capabilities(),
            window=self.context_window(),
        )
        return self.turn

    async def run(self, ready: Ready) -> AsyncIterator[TurnEvent]:
        """Run the planned turn, yielding its events; the session follows the context it uses."""
        try:
            async with aclosing(ready.turn.run(ready.prompt)) as events:
                async for event in events:
                    if isinstance(event, ReplyClosed) and event.message.usage is not None:
                        self.used = used_tokens(event.message.usage.raw)
                    if isinstance(event, ReplyClosed) and ready.prompt is not None:
                        self._name_soon(ready.prompt, event.message)
                    yield event
                    while self.store is not None and self.store.notices:  # the file was written again
                        yield Notice(self.store.notices.pop(0))
        finally:
            self.running = False
