"""Fenced code blocks too long to render whole: each line highlighted and drawn only when shown.

Rich renders a code block in one go (about half a millisecond a line), so a reply holding a
100,000-line block would hold the screen for a minute on every repaint. A :class:`Fence` keeps the
lines and draws one when it is asked for, cropped to the width rather than wrapped, so its height is
its line count and a repaint costs what the visible lines cost. It looks like Rich's code block
(the code theme of the app's theme, one blank line and one column of padding around the code) otherwise.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual.strip import Strip

BIG_FENCE_LINES = 200
"""A fenced block with more lines than this is drawn as a :class:`Fence`."""

CODE_THEMES = {"dark": "monokai", "light": "friendly", "ansi-dark": "ansi_dark", "ansi-light": "ansi_light"}
"""Pygments styles for code (Rich's ``ansi_*`` use the terminal's own 16 colours)."""
_code_theme = CODE_THEMES["dark"]


def code_theme() -> str:
    """The syntax theme code blocks are drawn with now."""
    return _code_theme


def set_code_theme(*, dark: bool, ansi: bool) -> bool:
    """Draw code to suit the app's theme: light or dark, and with the terminal's 16 colours when the
    theme uses them; True when it changed (what was drawn must be drawn again)."""
    global _code_theme
    name = CODE_THEMES[("ansi-" if ansi else "") + ("dark" if dark else "light")]
    changed, _code_theme = name != _code_theme, name
    return changed


class Fence:
    """The lines of one fenced code block; ``separated``: drawn after a blank line (not the first block)."""

    def __init__(self, char: str, length: int, info: str, lines: list[str], *, separated: bool) -> None:
        self.char, self.length = char, length
        self.language = info.partition(" ")[0] or "text"
        self.lines = lines
        self.partial = ""  # the last line while it is still arriving
        self.separated = separated
        self._syntax: Any = None
        self._cache: dict[int, Strip] = {}
        self._width = 0
        self._theme = ""

    @property
    def height(self) -> int:
        return int(self.separated) + 2 + len(self.lines) + (1 if self.partial else 0)

    def _highlighter(self) -> Any:
        if self._theme != code_theme():
            self._syntax, self._theme = None, code_theme()
            self._cache.clear()
        if self._syntax is None:
            from pygments.lexers import get_lexer_by_name
            from pygments.util import ClassNotFound
            from rich.syntax import Syntax

            try:
                lexer = get_lexer_by_name(self.language)
            except ClassNotFound:
                lexer = get_lexer_by_name("text")
            self._syntax = Syntax("", lexer, theme=self._theme)
        return self._syntax

    def line(self, y: int, width: int, console: Any) -> Strip:
        """Line ``y`` of the block as drawn at ``width`` (0 is the separator or the top padding)."""
        if width != self._width:
            self._cache.clear()
            self._width = width
        syntax = self._highlighter()
        background = syntax.background_style
        if self.separated:
            if y == 0:
                return Strip.blank(width)
            y -= 1
        code = y - 1
        count = len(self.lines) + (1 if self.partial else 0)
        if code < 0 or code >= count:
            return Strip.blank(width, background)
        if code < len(self.lines) and code in self._cache:
            return self._cache[code]
        text = syntax.highlight((self.lines[code] if code < len(self.lines) else self.partial).expandtabs(8))
        text.remove_suffix("\n")
        text.truncate(max(0, width - 2), overflow="crop")
        segments = [Segment(" ", background), *text.render(console, end="")]
        strip = Strip(segments).adjust_cell_length(width, background)
        if code < len(self.lines):
            if len(self._cache) > 2000:  # what a few screens show; scrolling far redraws
                self._cache.clear()
            self._cache[code] = strip
        return strip
