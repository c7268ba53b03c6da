"""Markdown that grows at its end, drawn with Rich and re-rendered only where it changed.

Each top-level block that is finished is rendered once; only the tail is parsed again when text is
appended, and a fenced code block that grows big becomes a :class:`~claude_textual.ui.widgets.fence.Fence`
drawn a line at a time.
"""

from __future__ import annotations

import copy
from typing import Any

from rich.segment import Segment
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from claude_textual.core.codeblocks import closes, fence_opening
from claude_textual.ui.widgets.fence import BIG_FENCE_LINES, Fence, code_theme
from claude_textual.ui.widgets.streaming import Growing


class MarkdownLines(Growing, Widget):
    """Markdown that grows at its end, drawn with Rich and re-rendered only where it changed.

    Each top-level block that is finished (another has begun after it) is rendered once, into lines
    kept for the widget's width and style; only the tail — the last block, which may still grow — is
    parsed and rendered again when text is appended. Height and lines come from the same render,
    so an append costs the same at the end of a 50 KB reply as at its start.

    With ``reserve`` > 1 the height grows that many lines at a time (blank lines below the text wait
    for the next ones): an append that fits repaints only the lines that changed, without a layout
    pass or a scroll of the whole transcript.

    A fenced code block that grows past ``BIG_FENCE_LINES`` lines becomes a :class:`Fence`, whose
    lines are drawn only when shown; while it is open, an append only scans the new lines for its end.
    """

    DEFAULT_CSS = """
    MarkdownLines {
        height: auto;
    }
    """

    def __init__(self, text: str = "", *, reserve: int = 1, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.reserve = reserve
        self.grew = False  # the last change needed a layout pass (and so, when followed, a scroll)
        self._height = 0  # the height last given to layout
        self._reset()
        if text:
            self.append(text)

    def _reset(self) -> None:
        self.source = ""
        self._frozen = 0  # characters of the source in finished chunks
        self._chunks: list[tuple[int, int, str]] = []  # (start, end, lead) in the source: see _lead
        self._tail_lead = ""
        self._tail: Any = None  # the tail's Markdown, after its lead
        self._key: tuple[int, Any, str] | None = None  # (width, style, code theme) of the lines below
        self._lines: list[Strip] = []  # the finished chunks' lines
        self._rendered = 0  # how many chunks are in _lines
        self._tail_lines: Any = None  # the tail's lines: Strips, or (Fence, line) pairs drawn when shown
        self._scan_pos = 0  # the source is scanned for fences up to here (a line start)
        self._open: tuple[int, int, str, int, str] | None = None  # a fence opened: start, code start, char,
        self._open_lines = 0  # length, info; and its lines so far
        self._fence: Fence | None = None  # a big fence still open: the tail

    def append(self, text: str) -> None:
        self.source += text
        changed_from = len(self._lines)  # the old tail's first line: nothing above it changes
        before = self._tail_lines if isinstance(self._tail_lines, list) else None
        if self._fence is not None:  # an open big fence: its lines up to the last one stay as they were
            changed_from += max(0, self._fence.height - 2)
            before = None
        self._scan()
        if self._fence is not None:
            self._fence.partial = self.source[self._scan_pos :]
            self._tail, self._tail_lines = None, None
            self._changed(changed_from)
            return
        tail = self.source[self._frozen :]
        lead = self._tail_lead
        markdown = rich_markdown(lead + tail)
        cut, last_kind = finished_prefix(markdown, lead + tail, skip_lines=lead.count("\n"))
        if cut:
            cut -= len(lead)
            self._chunks.append((self._frozen, self._frozen + cut, lead))
            self._frozen += cut
            self._tail_lead = _lead(last_kind)
            markdown = rich_markdown(self._tail_lead + tail[cut:])
        self._tail, self._tail_lines = markdown, None
        self._changed(changed_from, before)

    def _scan(self) -> None:
        """Follow the new complete lines for fenced code blocks at the top level: note where one
        opens, turn it into a :class:`Fence` when it grows big, and end that where it closes."""
        source, pos = self.source, self._scan_pos
        while (end := source.find("\n", pos)) != -1:
            line = source[pos:end]
            fence = self._fence
            if fence is not None:
                if closes(line, fence.char, fence.length):
                    fence.partial = ""
                    self._chunks.append(fence)
                    self._fence, self._frozen, self._tail_lead = None, end + 1, _lead("fence")
                else:
                    fence.lines.append(line)
            elif self._open is not None:
                if closes(line, self._open[2], self._open[3]):
                    self._open = None
                else:
                    self._open_lines += 1
                    if self._open_lines > BIG_FENCE_LINES:
                        self._big_fence(end)
            elif (opening := fence_opening(line)) is not None:
                self._open, self._open_lines = (pos, end + 1, *opening), 0
            pos = end + 1
        self._scan_pos = pos

    def _big_fence(self, end: int) -> None:
        """The open fence has grown big: what precedes it is finished, it goes on as a Fence."""
        start, code, char, length, info = self._open  # type: ignore[misc]
        self._open = None
        if start < self._frozen:  # inside a block the parser already finished: not a top-level fence
            return
        if self.source[self._frozen : start].strip():
            self._chunks.append((self._frozen, start, self._tail_lead))
        separated = bool(self.source[:start].strip())
        self._fence = Fence(char, length, info, self.source[code:end].split("\n"), separated=separated)
        self._frozen = start

    def reset(self, text: str) -> None:
        """Show ``text`` instead, from scratch."""
        self._reset()
        self.append(text)

    def release_reserve(self) -> None:
        """No more text is coming: give back the reserved lines."""
        self.reserve = 1
        self._changed(0)

    def _changed(self, first_line: int, before: list[Strip] | None = None) -> None:
        """Repaint from ``first_line`` on; with ``before`` (the lines there until now), only the lines
        that differ: an append usually changes the last line or two, not the whole last block."""
        if not self.is_mounted:
            return
        width = self.size.width
        key = self._key
        if width > 0 and key is not None and key[0] == width and self._height:
            lines, tail = self._render_lines(width)
            if self._fit(len(lines) + len(tail)) == self._height:  # same height: repaint the changed lines
                self.grew = False
                end = self._height
                if before is not None and self._key == key:
                    after = [*lines[first_line:], *tail]
                    same = next(
                        (i for i, (old, new) in enumerate(zip(before, after, strict=False)) if old != new),
                        min(len(before), len(after)),
                    )
                    first_line, end = first_line + same, first_line + max(len(before), len(after))
                if end > first_line:
                    self.refresh(Region(0, first_line, width, end - first_line))
                return
        self.grew = True
        # lines above the old tail are unchanged; lines below the old height are drawn when reached
        self.refresh(Region(0, first_line, max(width, 1), max(1, self._height - first_line)), layout=True)

    def _fit(self, needed: int) -> int:
        """The height for ``needed`` lines: never less than given before while lines are reserved."""
        if self.reserve <= 1:
            return needed
        if needed <= self._height:
            return self._height
        return -(-needed // self.reserve) * self.reserve

    def _render_lines(self, width: int) -> tuple[list[Strip], list[Strip]]:
        style = self.visual_style.rich_style
        if self._key != (width, style, code_theme()):
            if self._key is not None and self._key[2] != code_theme() and self._tail is not None:
                self._tail = rich_markdown(self._tail_lead + self.source[self._frozen :])  # in the new theme
            self._key, self._lines, self._rendered, self._tail_lines = (
                (width, style, code_theme()),
                [],
                0,
                None,
            )
        while self._rendered < len(self._chunks):
            chunk = self._chunks[self._rendered]
            if isinstance(chunk, Fence):
                self._lines.extend((chunk, y) for y in range(chunk.height))
            else:
                start, end, lead = chunk
                lines = self._render(rich_markdown(lead + self.source[start:end]), width, style)
                self._lines.extend(lines[LEADS.get(lead, 0) :])
            self._rendered += 1
        if self._fence is not None:
            return self._lines, _FenceRows(self._fence)
        if self._tail_lines is None:
            lines = self._render(self._tail, width, style) if self._tail is not None else []
            self._tail_lines = lines[LEADS.get(self._tail_lead, 0) :]
        return self._lines, self._tail_lines

    def _render(self, markdown: Any, width: int, style: Any) -> list[Strip]:
        """Lines as a ``Static`` would render them (``RichVisual.render_strips``)."""
        app = self.app
        options = app.console_options.update(highlight=False, width=width, height=None)
        segments = app.console.render(self.post_render(markdown, style), options)
        return [
            Strip(line)
            for line in Segment.split_and_crop_lines(segments, width, include_new_lines=False, pad=False)
        ]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if width <= 0:
            return 0
        if self._key is not None and self._key[0] != width:
            self._height = 0  # a new width: reserve afresh
        lines, tail = self._render_lines(width)
        self._height = self._fit(len(lines) + len(tail))
        return self._height

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines, tail = self._render_lines(width)
        if y < len(lines):
            line = lines[y]
        elif y - len(lines) < len(tail):
            line = tail[y - len(lines)]
        else:
            return Strip.blank(width, self.visual_style.rich_style)
        if isinstance(line, tuple):
            fence, row = line
            return fence.line(row, width, self.app.console)
        return line


class _FenceRows:
    """The rows of a big open fence, as ``(fence, row)`` pairs made when asked for."""

    def __init__(self, fence: Fence) -> None:
        self.fence = fence

    def __len__(self) -> int:
        return self.fence.height

    def __getitem__(self, row: int) -> tuple[Fence, int]:
        return self.fence, row


_markdown: dict[str, tuple[Any, Any]] = {}


def rich_markdown(text: str) -> Any:
    """Rich's Markdown for ``text`` (code in the app's code theme, links as text), parsed by one shared
    parser: Rich makes a new parser for each instance, which costs more than parsing a block."""
    theme = code_theme()
    if theme not in _markdown:
        from markdown_it import MarkdownIt
        from rich.markdown import Markdown as RichMarkdown

        # the parser Rich's Markdown.__init__ makes; tests compare the renders
        _markdown[theme] = (
            RichMarkdown("", code_theme=theme, hyperlinks=False),
            MarkdownIt().enable("strikethrough").enable("table"),
        )
    template, parser = _markdown[theme]
    markdown = copy.copy(template)
    markdown.markup, markdown.parsed = text, parser.parse(text)
    return markdown


def finished_prefix(markdown: Any, text: str, skip_lines: int = 0) -> tuple[int, str]:
    """How many characters of ``text`` its finished top-level blocks take, and the type of the last.

    Finished are all blocks but the last that begins on a complete line (none before line
    ``skip_lines``): the last may still grow, and an unfinished last line may still turn out to
    continue it (``1`` becoming ``1. item`` of the list above), so it does not end anything yet.
    """
    complete = text.count("\n")
    starts = [
        (token.map[0], token.type)
        for token in markdown.parsed
        if token.level == 0 and token.nesting >= 0 and token.map and skip_lines <= token.map[0] < complete
    ]
    if len(starts) < 2:
        return 0, ""
    line = starts[-1][0]
    cut = 0
    for _ in range(line):
        cut = text.index("\n", cut) + 1
    return cut, next(kind for start, kind in reversed(starts) if start < line)


LEADS = {"x\n\n": 1, "---\n\n": 2}
"""Markdown that a chunk is rendered after (see ``_lead``), and how many lines it draws itself."""


def _lead(kind: str) -> str:
    """What a chunk of Markdown is rendered after, so that it draws as it would in the whole text.

    How Rich separates two top-level blocks depends on both (a rule draws its own blank line and
    asks for no other; a list starts with one even at the top), so a chunk is rendered after a
    block of the kind its predecessor has — a rule, or a one-line paragraph — whose lines are dropped.
    """
    return "---\n\n" if kind == "hr" else "x\n\n"


def warm_up_rendering() -> None:
    """Render a little Markdown with code once, off the UI thread, so the lexer and parser set-up
    (regex compiling, mostly) is not paid by the first conversation the user opens."""
    import io

    from rich.console import Console
    from rich.markdown import Markdown

    sample = "# t\n\n*a* `b`\n\n- c\n\n```python\ndef f(x):\n    return {'k': x}\n```\n"
    Console(file=io.StringIO(), width=60, color_system="truecolor").print(
        Markdown(sample, code_theme=code_theme())
    )
