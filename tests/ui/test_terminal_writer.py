"""The terminal writer: a terminal fed its bytes shows, after every frame, what Textual's own bytes show.

The source of truth is Textual's rendering of the same updates (``render_segments``), both fed to a
terminal emulator (pyte); the frames are the app's own, streaming a long reply after 20 earlier
messages, scrolled back, with dialogs over it and the list hidden.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyte
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

from claude_textual.core.model import Message, Status
from claude_textual.store.history import History
from claude_textual.ui.app import ClaudeApp
from claude_textual.ui.terminal_writer import TerminalWriter
from claude_textual.ui.widgets.message_pane import MessagePane
from tests.ui.uihelpers import SIZE, assistants, idle, send, streamed, wait_for

WIDTH, HEIGHT = SIZE


class Terminal:
    """A terminal emulator of the app's size."""

    def __init__(self) -> None:
        self.screen = pyte.Screen(WIDTH, HEIGHT)
        self.stream = pyte.Stream(self.screen)
        self.written = 0

    def feed(self, data: str) -> None:
        self.written += len(data.encode())
        self.stream.feed(data)

    def cells(self) -> list[list[tuple]]:
        """What each cell looks like: a blank shows only its background (and the attributes it shows)."""
        return [[seen(self.screen.buffer[y][x]) for x in range(WIDTH)] for y in range(HEIGHT)]


def seen(char: Any) -> tuple:
    if char.data == " " and not (char.underscore or char.reverse or char.strikethrough):
        return (" ", None, char.bg)
    return tuple(char)


class Twin(ClaudeApp):
    """The app, with each frame also written as Textual writes it and as the writer does, to two terminals."""

    def __init__(self, *args: Any, erase: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.textual, self.ours, self.writer = Terminal(), Terminal(), TerminalWriter(erase=erase)
        self.frames = 0
        self.mismatch: str | None = None

    def _display(self, screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate) and self.mismatch is None:
            self.textual.feed(renderable.render_segments(self.console))
            self.ours.feed(self.writer.render(renderable, self.console))
            self.frames += 1
            expected, got = self.textual.cells(), self.ours.cells()
            if expected != got:
                y = next(y for y in range(HEIGHT) if expected[y] != got[y])
                x = next(x for x in range(WIDTH) if expected[y][x] != got[y][x])
                self.mismatch = (
                    f"frame {self.frames} ({type(renderable).__name__}), row {y} column {x}: "
                    f"{got[y][x]} instead of {expected[y][x]}\n"
                    f"expected: {''.join(c[0] for c in expected[y])!r}\n"
                    f"got:      {''.join(c[0] for c in got[y])!r}"
                )
        super()._display(screen, renderable)


REPLY = (
    "## Streaming\n\nA paragraph with *emphasis*, **strong** and `code`, long enough to wrap. " * 3
    + "\n\n```python\n"
    + "\n".join(f"def f{n}(x):\n    return {{'k': x, 'n': {n}}}  # 注釈 {n} 🙂" for n in range(30))
    + "\n```\n\n"
    + "\n".join(f"- item {n}: 日本語のテキスト and [a link](https://example.com/{n})" for n in range(40))
    + "\n\n> a quote\n\nThe end.\n"
)


def seed(db_path: Path, count: int = 20) -> None:
    history = History(db_path)
    conversation = history.create_conversation("earlier messages", "claude-test")
    for i in range(count):
        role = "user" if i % 2 == 0 else "assistant"
        text = f"Message {i}: " + "words of an earlier message, " * 12 + f"\n\n- a list item {i}\n- 表 {i}"
        history.add_message(
            conversation.id,
            Message(
                role=role,
                content=[{"type": "text", "text": text}],
                model=None if role == "user" else "claude-test",
                status=Status.COMPLETE,
                stop_reason=None if role == "user" else "end_turn",
            ),
        )
    history.close()


@pytest.mark.parametrize("erase", [False, True], ids=["blanks written", "blanks erased"])
async def test_every_frame_shows_what_textuals_own_bytes_show(api, settings, db_path, erase):
    seed(db_path)
    pieces = [REPLY[i : i + 40] for i in range(0, len(REPLY), 40)]
    api.then(streamed([("text", pieces)], pause=0.01))
    app = Twin(settings, db_path, api_key="sk-test", base_url=api.url, resume="last", erase=erase)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.screen.session.store is not None, what="history opened")
        await wait_for(pilot, lambda: len(assistants(app)) >= 10, what="the earlier messages shown")
        start = (app.textual.written, app.ours.written)
        await send(pilot, "go")
        await wait_for(pilot, lambda: len(assistants(app)) == 11 and idle(app), what="the reply")
        streaming = (app.textual.written - start[0], app.ours.written - start[1])
        assert app.mismatch is None, app.mismatch
        pane = app.screen.query_one(MessagePane)
        for _ in range(3):  # back up through the reply, a page at a time
            pane.scroll_page_up(animate=False)
            await pilot.pause()
        await pilot.press("f1")  # help, over it all
        await pilot.pause()
        await pilot.press("escape")
        await pilot.press("f2")  # the list hidden: the transcript takes the width
        await pilot.pause()
        pane.scroll_end(animate=False)
        await pilot.pause()
        assert app.mismatch is None, app.mismatch
        assert app.frames > 20
    # the point of it: far fewer bytes while the reply streamed
    assert streaming[1] < 0.6 * streaming[0], streaming


def strip(*parts: tuple[str, Style | None]) -> Strip:
    return Strip([Segment(text, style) for text, style in parts])


class FakeConsole:
    _color_system = None


def feed_both(update: CompositorUpdate, writer: TerminalWriter, textual: Terminal, ours: Terminal) -> None:
    textual.feed(update.render_segments(FakeConsole()))  # type: ignore[arg-type]
    ours.feed(writer.render(update, FakeConsole()))  # type: ignore[arg-type]


def full_update(rows: list[Strip]) -> LayoutUpdate:
    return LayoutUpdate([[row] for row in rows], Region(0, 0, WIDTH, HEIGHT))


def chops_update(rows: dict[int, Strip], x: int, width: int) -> ChopsUpdate:
    chops = [{x: rows[y]} if y in rows else {} for y in range(HEIGHT)]
    chop_ends = [[x + width] if y in rows else [] for y in range(HEIGHT)]
    return ChopsUpdate(chops, [(y, x, x + width) for y in sorted(rows)], chop_ends)


RED, BOLD_BLUE = Style(color="red", bgcolor="#202020"), Style(color="blue", bold=True, bgcolor="#202020")


def row_text(n: int, width: int) -> Strip:
    text = f"line {n} " + "x" * (n % 17)
    return strip((text, BOLD_BLUE if n % 3 else RED), (" " * (width - len(text)), RED))


@pytest.mark.parametrize("erase", [False, True])
def test_a_scroll_moves_the_rows_and_draws_only_what_came_in(erase):
    writer, textual, ours = TerminalWriter(erase=erase), Terminal(), Terminal()
    side = 30
    rows = [strip((f"side {y}".ljust(side), RED), (" " * (WIDTH - side), RED)) for y in range(HEIGHT)]
    feed_both(full_update(rows), writer, textual, ours)
    for top in (0, 12, 24, 12, 0, 36):  # down the text and back up, 12 lines at a time
        update = chops_update({y: row_text(top + y, WIDTH - side) for y in range(2, 38)}, side, WIDTH - side)
        before = ours.written
        feed_both(update, writer, textual, ours)
        assert ours.cells() == textual.cells(), f"top {top}"
    assert ours.written - before < 0.5 * len(update.render_segments(FakeConsole()))  # type: ignore[arg-type]


@pytest.mark.parametrize("erase", [False, True])
def test_wide_characters_overwritten_by_halves_leave_what_a_terminal_leaves(erase):
    writer, textual, ours = TerminalWriter(erase=erase), Terminal(), Terminal()
    rows = [strip(("日本語テキスト" * 8 + " " * (WIDTH - 112), RED)) for _ in range(HEIGHT)]
    feed_both(full_update(rows), writer, textual, ours)
    for x in (1, 3, 4, 10):
        feed_both(chops_update({5: strip(("ab", BOLD_BLUE))}, x, 2), writer, textual, ours)
        assert ours.cells() == textual.cells(), f"at {x}"


STYLES = [
    None,
    RED,
    BOLD_BLUE,
    Style(color="green", italic=True),
    Style(bgcolor="#303030"),
    Style(color="#ff8800", underline=True, bgcolor="#202020"),
    Style(reverse=True),
    Style(color="red", bgcolor="#202020", link="https://example.com/a"),
]
TEXTS = ["a", "word ", "  ", "日本", "🙂", "é", "x" * 7, "─"]


@st.composite
def strips(draw: st.DrawFn, width: int) -> Strip:
    """A strip of exactly ``width`` cells, of styled pieces (wide characters among them)."""
    segments, used = [], 0
    while used < width:
        text = draw(st.sampled_from(TEXTS)) * draw(st.integers(1, 40))
        fitted = Strip([Segment(text)]).crop(0, width - used).text
        text = fitted or " " * (width - used)  # a wide character that does not fit
        segments.append(Segment(text, draw(st.sampled_from(STYLES))))
        used += Strip([Segment(text)]).cell_length
    return Strip(segments)


REGIONS = [(0, 10), (10, 40), (40, WIDTH)]
"""The columns of three side-by-side widgets: a wide character never straddles two (Textual crops each)."""


@st.composite
def rows(draw: st.DrawFn) -> list[Strip]:
    return [draw(strips(end - start)) for start, end in REGIONS]


@st.composite
def updates(draw: st.DrawFn) -> tuple[int, int, int, list[list[Strip]]]:
    """New content for widgets ``first..last`` over a block of rows."""
    first = draw(st.integers(0, len(REGIONS) - 1))
    last = draw(st.integers(first, len(REGIONS) - 1))
    top = draw(st.integers(0, HEIGHT - 1))
    count = draw(st.integers(1, HEIGHT - top))
    return first, last, top, [draw(rows())[first : last + 1] for _ in range(count)]


@pytest.mark.parametrize("erase", [False, True])
@given(
    first=st.lists(rows(), min_size=HEIGHT, max_size=HEIGHT),
    steps=st.lists(st.one_of(updates(), st.integers(-15, 15)), min_size=1, max_size=10),
)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
def test_any_sequence_of_updates_shows_what_textuals_bytes_show(first, steps, erase):
    writer, textual, ours = TerminalWriter(erase=erase), Terminal(), Terminal()
    grid = [list(row) for row in first]
    feed_both(full_update([Strip.join(row) for row in grid]), writer, textual, ours)
    for step in steps:
        if isinstance(step, int):  # rows 3..35 of the two right-hand widgets scrolled by ``step``
            moved = [row[1:] for row in grid[3:36]]
            moved = moved[step:] + moved[:step]
            for y, right in enumerate(moved, 3):
                grid[y][1:] = right
            low, high, changed = 1, 2, range(3, 36)
        else:
            low, high, top, pieces = step
            for y, part in enumerate(pieces, top):
                grid[y][low : high + 1] = part
            changed = range(top, top + len(pieces))
        x, end = REGIONS[low][0], REGIONS[high][1]
        update = chops_update({y: Strip.join(grid[y][low : high + 1]) for y in changed}, x, end - x)
        feed_both(update, writer, textual, ours)
        assert ours.cells() == textual.cells()
