"""The turn worker's delta batcher: streamed pieces merged, nothing reordered, nothing held back."""

from __future__ import annotations

import asyncio

from claude_textual.core.model import Message
from claude_textual.core.stream import BlockDelta, BlockStopped
from claude_textual.core.turn import ReplyEvent
from claude_textual.ui.relay import DeltaBatcher


async def test_delta_batcher_merges_pieces_in_order_and_sends_the_last_with_the_block_end():
    posted: list[object] = []
    message = Message(role="assistant", content=[])
    batcher = DeltaBatcher(posted.append, window=10)

    def delta(index: int, text: str, kind: str = "text_delta") -> ReplyEvent:
        return ReplyEvent(message, BlockDelta(index, kind, text))

    for piece in ("a", "b", "c"):
        batcher.add(delta(0, piece))
    batcher.add(delta(0, "{", "input_json_delta"))  # another kind: sent apart
    batcher.add(delta(1, "x"))
    assert [p.event.text for p in posted] == ["abc", "{"]  # type: ignore[attr-defined]
    stop = ReplyEvent(message, BlockStopped(1, {"type": "text", "text": "x"}))
    batcher.add(stop)
    assert [type(p.event).__name__ for p in posted] == [
        "BlockDelta",
        "BlockDelta",
        "BlockDelta",
        "BlockStopped",
    ]  # type: ignore[attr-defined]
    assert posted[2].event.text == "x" and posted[3] is stop  # type: ignore[attr-defined]


async def test_delta_batcher_sends_a_lone_piece_after_its_window():
    posted: list[object] = []
    message = Message(role="assistant", content=[])
    batcher = DeltaBatcher(posted.append, window=0.02)
    batcher.add(ReplyEvent(message, BlockDelta(0, "text_delta", "alone")))
    assert posted == []
    await asyncio.sleep(0.05)
    assert [p.event.text for p in posted] == ["alone"]  # type: ignore[attr-defined]
