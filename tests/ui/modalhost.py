"""A minimal App that pushes one modal screen and records what it was dismissed with."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

SIZE = (100, 32)


class Host(App):
    """Shows a placeholder, pushes ``modal`` on mount; ``results`` collects each dismiss value."""

    def __init__(self, modal: Screen[Any]) -> None:
        super().__init__()
        self.modal = modal
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(self.modal, self.results.append)


def run_host(modal: Screen[Any]):
    host = Host(modal)
    return host, host.run_test(size=SIZE)
