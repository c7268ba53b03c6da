"""The approval prompt shown before a client tool runs: which tool, which server, with what input.

The name and input come from the model, so they are made inert and shown without markup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from claude_textual.core.model import Block
from claude_textual.core.sanitize import inert, inert_json
from claude_textual.core.tools import Decision
from claude_textual.ui.screens.dialogs import Dialog

if TYPE_CHECKING:
    from textual.app import App

    from claude_textual.ui.messages import ApprovalRequest


class ApprovalScreen(Dialog[Decision | None]):
    """o / Enter: allow once; c: allow for this conversation; d: deny (Claude is told and goes on);
    Esc: deny and stop the turn (dismissed with None)."""

    DEFAULT_CSS = """
    ApprovalScreen > .dialog { width: 80; }
    ApprovalScreen #tool-input { height: auto; max-height: 16; background: $panel; padding: 0 1; }
    """

    BINDINGS = [
        Binding("o", "answer('once')", "Allow once"),
        Binding("enter", "answer('once')", "Allow once", show=False),
        Binding("c", "answer('conversation')", "Allow for this conversation"),
        Binding("d", "answer('deny')", "Deny"),
        Binding("escape", "stop", "Deny and stop"),
    ]
    AUTO_FOCUS = "#once"

    def __init__(self, tool_use: Block, server: str) -> None:
        super().__init__()
        self.tool_use = tool_use
        self.server = server

    def compose(self) -> ComposeResult:
        name = inert(str(self.tool_use.get("name", "?")))
        with Vertical(classes="dialog") as box:
            box.border_title = Content("Run a tool?")
            yield Static(
                f"Claude wants to run {name} (server {inert(self.server)}) with this input:",
                markup=False,
                classes="dialog-text",
                id="tool-question",
            )
            with VerticalScroll(id="tool-input"):
                yield Static(inert_json(self.tool_use.get("input", {})), markup=False, id="tool-input-json")
            yield Static(
                "o/Enter allow once · c allow for this conversation · d deny · Esc deny and stop",
                markup=False,
                classes="dialog-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Allow once", id="once", variant="primary")
                yield Button("This conversation", id="conversation")
                yield Button("Deny", id="deny", variant="error")

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id or "deny")

    def action_answer(self, decision: str) -> None:
        self.dismiss(Decision(decision))

    def action_stop(self) -> None:
        self.dismiss(None)


def ask(app: App, request: ApprovalRequest, *, on_stop: Callable[[], None]) -> bool:
    """Show the modal for ``request`` and resolve its future with the answer; Esc calls ``on_stop``.
    A question withdrawn meanwhile (the turn stopped) takes the modal away. False when it was withdrawn
    before it could be asked."""
    future = request.future
    if future.done():
        return False
    modal = ApprovalScreen(request.tool_use, request.server)

    def answered(decision: Decision | None) -> None:
        if decision is None:
            on_stop()
        elif not future.done():
            future.set_result(decision)

    def withdrawn(_: asyncio.Future[Decision]) -> None:
        if future.cancelled() and app.screen is modal:
            app.pop_screen()

    future.add_done_callback(withdrawn)
    app.push_screen(modal, answered)
    return True
