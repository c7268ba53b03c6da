"""Odd or malformed blocks (any shape a future API, an import or a bug could store) never break a view."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_textual.ui.widgets.blocks import block_view
from tests.transcripts.test_odd_blocks import ODD, blocks

KINDS = [
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "web_fetch_tool_result",
    "server_tool_use",
    "web_search_tool_result",
    "tool_use",
    "tool_result",
]


def test_odd_blocks_make_views():
    for block in ODD:
        block_view(block)
        block_view(block, streaming=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks, st.sampled_from(KINDS), st.booleans())
def test_any_block_shape_makes_a_view(block, kind, retype):
    if retype:
        block = {**block, "type": kind}
    block_view(block)
    block_view(block, streaming=True)
