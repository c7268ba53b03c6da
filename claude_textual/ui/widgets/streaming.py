"""Mixins for widgets that change while a reply streams: pieces painted on a timer (``Coalescing``),
and growth at the same width laid out without repainting what was already drawn (``Growing``).

``Growing`` overrides two private methods of Textual's ``Widget`` (``_size_updated``, ``_set_dirty``):
Textual is pinned below its next major version for it (pyproject.toml), and the streaming tests
compare what is drawn with Textual's own rendering.
"""

from __future__ import annotations

from textual.geometry import Region, Size

from claude_textual.core.model import Block

FLUSH_HZ = 15
"""Repaints a second of a streaming block."""


class Coalescing:
    """Collects streamed pieces and hands them to ``paint`` on a timer, not per piece."""

    _pending: list[str]
    _flush_scheduled: bool
    finished: bool = False

    def feed(self, kind: str, text: str) -> None:
        if not text:
            return
        self._pending.append(text)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(self.flush_delay(), self._flush)  # type: ignore[attr-defined]

    def flush_delay(self) -> float:
        return 1 / FLUSH_HZ

    async def _flush(self) -> None:
        self._flush_scheduled = False
        if self._pending:
            chunk = "".join(self._pending)
            self._pending.clear()
            await self.paint(chunk)

    async def paint(self, chunk: str) -> None:
        raise NotImplementedError

    async def finish(self, block: Block) -> None:
        """Settle to the block's final shape; subclasses extend this, callers use ``settle``."""
        await self._flush()

    async def settle(self, block: Block) -> None:
        if not self.finished:
            self.finished = True
            await self.finish(block)


class Growing:
    """For the widgets that grow while a reply streams (the reply, its text, the transcript).

    Textual repaints a widget whole when its size changes, and sets its ``virtual_size`` reactive,
    which asks for another layout pass right after the one that just placed it. For these widgets
    neither is needed when they only grew taller at the same width (they have no bottom border or
    padding): the lines they had are unchanged and new ones are drawn as they are reached, and the
    compositor has already arranged (and, when anchored, scrolled) everything — the value is stored
    without asking again, as Textual itself does when it reflows on a scroll. So a repaint of a
    streaming reply is one layout pass that redraws the lines that changed, not two that redraw all.
    """

    _keep_lines = False

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        old = self._size  # type: ignore[attr-defined]
        styles = self.styles  # type: ignore[attr-defined]
        self._keep_lines = (
            0 < old.height <= size.height
            and old.width == size.width
            and not styles.padding.bottom
            and styles.border_bottom[0] in ("", "none", "hidden")
        )
        try:
            return super()._size_updated(size, virtual_size, container_size, layout=False)  # type: ignore[misc]
        finally:
            self._keep_lines = False

    def _set_dirty(self, *regions: Region) -> None:
        if regions or not self._keep_lines:
            super()._set_dirty(*regions)  # type: ignore[misc]
