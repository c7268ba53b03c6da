"""What the terminal shows, cell by cell, and the fewest bytes that bring it to the next frame.

Textual writes every changed region whole: each segment with its full SGR and a reset after it, a
cursor move before each piece of a line, and every line of the transcript again when it scrolls.
Over SSH those bytes are the latency. :class:`TerminalWriter` keeps what the compositor wants on
screen and what the terminal shows, and writes only the cells that differ, with the style changes
between them; when a block of rows moved up or down it scrolls them in the terminal (a scroll
region, ``IND``/``RI`` as on a VT100) and draws only what came in. A full update (a new screen, a
resize) is written whole, as the terminal may have lost track.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len, get_character_cell_size
from rich.color import ColorSystem
from rich.console import Console
from rich.style import Style
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.strip import Strip

FULL_REDRAW = "CLAUDE_TEXTUAL_FULL_REDRAW"
"""Set in the environment, the app writes every update whole, as Textual does."""

GAP = 6
"""Unchanged cells between two changes that are written again rather than jumped (a move costs ~6)."""

ERASE_MIN = 8
"""Spaces from which erasing them (``ECH`` and a move, ~10 bytes) is shorter than writing them."""

MIN_SCROLL = 3
"""Rows that must match after a scroll for the scroll to be worth its bytes."""

UNKNOWN = "\x00"
"""A cell the terminal may show anything in: never equal to a drawn one."""


@dataclass(frozen=True, eq=False)
class Look:
    """A cell's style as the terminal sees it: SGR attributes, colours, and a hyperlink.

    Looks are made once per style (``TerminalWriter._look``) and compared by identity, which is fast;
    two equal ones made apart only cost a cell written again."""

    attrs: frozenset[str] = frozenset()
    fg: str | None = None
    bg: str | None = None
    link: str | None = None  # the OSC 8 sequence that opens it
    blank: str | None = "-"  # how a space in this style looks (its background), if only that shows


PLAIN = Look()

UNSEEN_ON_BLANKS = frozenset({"1", "2", "3", "5", "6", "8"})
"""SGR attributes a space does not show (bold, dim, italic, blink, hidden): a blank is its background."""


class Diffed(CompositorUpdate):
    """An update that ``writer`` turns into terminal bytes when Textual writes it."""

    def __init__(self, writer: TerminalWriter, update: CompositorUpdate) -> None:
        self.writer, self.update = writer, update

    def render_segments(self, console: Console) -> str:
        return self.writer.render(self.update, console)


class TerminalWriter:
    """The screen as the compositor wants it and as the terminal shows it, and the bytes between."""

    def __init__(self, erase: bool = False) -> None:
        self.erase = erase  # the terminal erases cells in the current background (ECH, see background_erase)
        self.width = self.height = 0
        self._looks: dict[object, Look] = {}
        self._restyles: dict[tuple[Look, Look], str] = {}

    def reset(self) -> None:
        """The terminal may show anything now (after a suspend): the next full update draws it all."""
        self.width = self.height = 0

    def render(self, update: CompositorUpdate, console: Console) -> str:
        """The bytes that bring the terminal to show ``update`` applied to the screen."""
        color_system = console._color_system or ColorSystem.TRUECOLOR
        if isinstance(update, LayoutUpdate):
            return self._full(update, color_system)
        if not isinstance(update, ChopsUpdate) or not self.width:
            self.reset()
            return update.render_segments(console)
        dirty = self._apply_chops(update, color_system)
        out: list[str] = []
        self._scroll(update.spans, dirty, out)
        self._emit(dirty, out)
        return "".join(out)

    # -- applying updates to the wanted screen ---------------------------------------------------

    def _full(self, update: LayoutUpdate, color_system: ColorSystem) -> str:
        region = update.region
        width, height = region.x + region.width, region.y + region.height
        self.width, self.height = width, height
        self.want_text = [[" "] * width for _ in range(height)]
        self.want_look = [[PLAIN] * width for _ in range(height)]
        self.shown_text: list[list[str] | None] = [None] * height
        self.shown_look: list[list[Look] | None] = [None] * height
        dirty: dict[int, tuple[int, int]] = {}
        for y, line in enumerate(update.strips, region.y):
            x = region.x
            for strip in line:
                x = self._put(y, x, strip, color_system)
            dirty[y] = (0, width)
        out: list[str] = []
        self._emit(dirty, out)
        return "".join(out)

    def _apply_chops(self, update: ChopsUpdate, color_system: ColorSystem) -> dict[int, tuple[int, int]]:
        """Put the update's pieces into the wanted screen, cropped as Textual crops them; the rows and
        columns they cover."""
        dirty: dict[int, tuple[int, int]] = {}
        for y, x1, x2 in update.spans:
            if y >= self.height:
                continue
            low, high = dirty.get(y, (self.width, 0))
            for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=False):
                if strip is None or x > x2 or end <= x1:
                    continue
                if not (x2 > x >= x1 and end <= x2):
                    strip = strip.crop(0, min(end, x2) - x)
                right = self._put(y, x, strip, color_system)
                low, high = min(low, x), max(high, right)
            if high > low:
                dirty[y] = (low, high)
        return dirty

    def _put(self, y: int, x: int, strip: Strip, color_system: ColorSystem) -> int:
        """Write ``strip`` into the wanted row ``y`` from column ``x``; the column after it."""
        text, looks, width = self.want_text[y], self.want_look[y], self.width
        if 0 < x < width and text[x] == "":  # the right half of a wide character: its left goes blank
            text[x - 1] = " "
        for segment_text, style, control in strip:
            if control or not segment_text:
                continue
            look = PLAIN if style is None else self._look(style, color_system)
            n = len(segment_text)
            if cell_len(segment_text) == n:  # one cell per character: the common case
                n = min(n, width - x)
                if n <= 0:
                    break
                text[x : x + n] = segment_text[:n]
                looks[x : x + n] = [look] * n
                x += n
            else:
                x = self._put_wide(text, looks, x, segment_text, look)
        if x < width and text[x] == "":  # the left half of one overwritten: its right goes blank
            text[x] = " "
        return x

    def _put_wide(self, text: list[str], looks: list[Look], x: int, chars: str, look: Look) -> int:
        for char in chars:
            size = get_character_cell_size(char)
            if size == 0:  # a combining mark: part of the cell before
                if x > 0:
                    text[x - 1] += char
                continue
            if x + size > self.width:
                break
            text[x], looks[x] = char, look
            if size == 2:
                text[x + 1], looks[x + 1] = "", look
            x += size
        return x

    def _look(self, style: Style, color_system: ColorSystem) -> Look:
        # by the SGR Textual renders for it (kept on the style): styles differing only in their
        # meta (what a click on them does) look the same
        ansi = style._ansi
        if ansi is None:
            ansi = Strip.render_ansi(style, color_system)
        key = (ansi, style._link, style._link_id) if style._link else ansi
        return _cached(self._looks, key, lambda: _look_of(ansi, style))

    # -- scrolling --------------------------------------------------------------------------------

    def _scroll(
        self, spans: Iterable[tuple[int, int, int]], dirty: dict[int, tuple[int, int]], out: list[str]
    ):
        """When the longest block of rows updated across the same columns is what the terminal shows
        moved up or down, scroll those rows there; they are then compared across the whole width."""
        block = _longest_block(spans, self.height)
        if block is None:
            return
        top, bottom, x1, x2 = block
        shift = self._best_shift(top, bottom, x1, x2)
        if not shift:
            return
        out.append(f"\x1b[{top + 1};{bottom + 1}r")
        if shift > 0:  # content moves up: index at the bottom margin
            out.append(f"\x1b[{bottom + 1};1H" + "\x1bD" * shift)
        else:
            out.append(f"\x1b[{top + 1};1H" + "\x1bM" * -shift)
        out.append("\x1b[r")
        for rows in (self.shown_text, self.shown_look):
            moved = rows[top : bottom + 1]
            blank: list = [None] * abs(shift)
            rows[top : bottom + 1] = moved[shift:] + blank if shift > 0 else blank + moved[:shift]
        for y in range(top, bottom + 1):
            dirty[y] = (0, self.width)

    def _best_shift(self, top: int, bottom: int, x1: int, x2: int) -> int:
        """The shift (rows up, or down when negative) that makes most rows of the block match."""

        def signature(text: list[str] | None, looks: list[Look] | None) -> int | None:
            if text is None or looks is None:
                return None
            return hash((tuple(text[x1:x2]), tuple(looks[x1:x2])))

        rows = range(top, bottom + 1)
        wanted = [signature(self.want_text[y], self.want_look[y]) for y in rows]
        shown = [signature(self.shown_text[y], self.shown_look[y]) for y in rows]
        once = {s for s, n in Counter(shown).items() if n == 1 and s is not None}
        where = {s: i for i, s in enumerate(shown) if s in once}
        votes = Counter(where[s] - i for i, s in enumerate(wanted) if s in where)
        if not votes:
            return 0
        shift, count = max(votes.items(), key=lambda item: (item[1], -abs(item[0])))
        if shift == 0 or count < MIN_SCROLL or count <= votes.get(0, 0):
            return 0
        return shift

    # -- writing -----------------------------------------------------------------------------------

    def _emit(self, dirty: dict[int, tuple[int, int]], out: list[str]) -> None:
        """Write the cells of the dirty rows that the terminal does not show yet."""
        cursor: tuple[int, int] | None = None
        state = PLAIN
        for y in sorted(dirty):
            low, high = dirty[y]
            want_text, want_look = self.want_text[y], self.want_look[y]
            shown_text, shown_look = self.shown_text[y], self.shown_look[y]
            if shown_text is None or shown_look is None:
                shown_text = self.shown_text[y] = [UNKNOWN] * self.width
                shown_look = self.shown_look[y] = [PLAIN] * self.width
            elif want_text[low:high] == shown_text[low:high] and want_look[low:high] == shown_look[low:high]:
                continue
            for start, end in _runs(want_text, want_look, shown_text, shown_look, low, high):
                out.append(_move(cursor, start, y))
                state, at = self._write(want_text, want_look, start, end, state, out)
                shown_text[start:end] = want_text[start:end]
                shown_look[start:end] = want_look[start:end]
                cursor = (at, y) if at < self.width else None  # at the last column a wrap is pending
        if state is not PLAIN:
            out.append(self._restyle(state, PLAIN))

    def _write(
        self, text: list[str], looks: list[Look], x: int, end: int, state: Look, out: list[str]
    ) -> tuple[Look, int]:
        """Write cells ``x:end`` of a row from the cursor at ``x``; the pen and the cursor's column after.

        A run of spaces is written in whatever pen paints the same blank (their colour does not show),
        and a long one is erased (ECH) where the terminal erases in the current background."""
        while x < end:
            look = looks[x]
            if text[x] == " " and look.blank is not None:
                n = 1
                while x + n < end and text[x + n] == " " and looks[x + n].blank == look.blank:
                    n += 1
                if state.blank != look.blank:
                    out.append(self._restyle(state, look))
                    state = look
                if self.erase and n >= ERASE_MIN:
                    out.append(f"\x1b[{n}X")  # the cursor stays
                    if x + n < end:
                        out.append(f"\x1b[{n}C")
                    else:
                        return state, x
                else:
                    out.append(" " * n)
                x += n
                continue
            if look is not state:
                out.append(self._restyle(state, look))
                state = look
            out.append(text[x])
            x += 1
        return state, x

    def _restyle(self, old: Look, new: Look) -> str:
        return _cached(self._restyles, (old, new), lambda: _restyle(old, new))


def _cached(cache: dict, key: object, make: Callable[[], Any]) -> Any:
    """``cache[key]``, made when missing; the cache starts again past 4,096 entries."""
    value = cache.get(key)
    if value is None:
        if len(cache) > 4096:
            cache.clear()
        value = cache[key] = make()
    return value


def _look_of(ansi: str, style: Style) -> Look:
    """The terminal's view of a style, from the SGR parameters Textual renders for it."""
    attrs: set[str] = set()
    fg = bg = None
    parts = ansi.split(";") if ansi else []
    i = 0
    while i < len(parts):
        part = parts[i]
        if part in ("38", "48"):
            size = 3 if parts[i + 1] == "5" else 5
            value, i = ";".join(parts[i : i + size]), i + size
            fg, bg = (value, bg) if part == "38" else (fg, value)
            continue
        code = int(part)
        if 30 <= code <= 37 or 90 <= code <= 97:
            fg = part
        elif 40 <= code <= 47 or 100 <= code <= 107:
            bg = part
        elif code == 39:
            fg = None
        elif code == 49:
            bg = None
        else:
            attrs.add(part)
        i += 1
    link = f"\x1b]8;id={style._link_id};{style._link}\x1b\\" if style._link else None
    blank = None if link or not attrs <= UNSEEN_ON_BLANKS else (bg or "-")
    return Look(frozenset(attrs), fg, bg, link, blank)


def _restyle(old: Look, new: Look) -> str:
    """The sequences that change the terminal's pen from ``old`` to ``new``."""
    out = ""
    if old.link and old.link != new.link:
        out += "\x1b]8;;\x1b\\"
    if old.attrs <= new.attrs:
        codes = sorted(new.attrs - old.attrs)
        if new.fg != old.fg:
            codes.append(new.fg or "39")
        if new.bg != old.bg:
            codes.append(new.bg or "49")
    else:  # an attribute goes: start again from the default pen
        codes = ["0", *sorted(new.attrs), *(c for c in (new.fg, new.bg) if c)]
    if codes:
        out += f"\x1b[{';'.join(codes)}m"
    if new.link and new.link != old.link:
        out += new.link
    return out


def background_erase() -> bool:
    """Whether the terminal fills erased cells with the current background (terminfo's ``bce``): only
    then are blanks erased rather than written, as ncurses does."""
    try:
        import curses

        curses.setupterm(os.environ.get("TERM"), 1)
        return curses.tigetflag("bce") == 1
    except Exception:  # no terminfo entry, or no terminal: write the blanks
        return False


def _move(cursor: tuple[int, int] | None, x: int, y: int) -> str:
    if cursor is not None and cursor[1] == y:
        if cursor[0] == x:
            return ""
        if cursor[0] < x:
            return f"\x1b[{x - cursor[0]}C"
    return f"\x1b[{y + 1};{x + 1}H"


def _same_blank(text: str, look: Look, seen: Look) -> bool:
    """A space that looks the same in both styles (only the background shows)."""
    return text == " " and look.blank is not None and look.blank == seen.blank


def _runs(
    want_text: list[str],
    want_look: list[Look],
    shown_text: list[str],
    shown_look: list[Look],
    low: int,
    high: int,
) -> list[tuple[int, int]]:
    """The column ranges in ``low:high`` to write: the cells that differ, joined across short gaps, and
    widened so that no wide character is cut."""
    runs: list[list[int]] = []
    for x in range(low, high):
        look, seen = want_look[x], shown_look[x]
        if want_text[x] != shown_text[x] or (look is not seen and not _same_blank(want_text[x], look, seen)):
            if runs and x - runs[-1][1] <= GAP:
                runs[-1][1] = x + 1
            else:
                runs.append([x, x + 1])
    width = len(want_text)
    for run in runs:
        if run[0] > 0 and want_text[run[0]] == "":
            run[0] -= 1
        if run[1] < width and want_text[run[1]] == "":
            run[1] += 1
    return [(start, end) for start, end in runs]


def _longest_block(spans: Iterable[tuple[int, int, int]], height: int) -> tuple[int, int, int, int] | None:
    """The longest run of consecutive rows updated across the same columns, if it is a scroll's size."""
    best: tuple[int, int, int, int] | None = None
    current: list[int] | None = None
    for y, x1, x2 in spans:
        if y >= height:
            break
        if current is not None and y == current[1] + 1 and (x1, x2) == (current[2], current[3]):
            current[1] = y
        else:
            current = [y, y, x1, x2]
        if best is None or current[1] - current[0] > best[1] - best[0]:
            best = (current[0], current[1], current[2], current[3])
    if best is None or best[1] - best[0] + 1 < 2 * MIN_SCROLL:
        return None
    return best
