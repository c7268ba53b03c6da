"""inert(): model output can never drive the terminal, and ordinary text is left exactly as it was."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_textual.core.sanitize import inert

RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def assert_inert(out: str) -> None:
    assert RAW_CONTROL.search(out) is None, repr(out)
    assert not any(c in BIDI for c in out), repr(out)


HOSTILE = {
    "osc52_clipboard_bel": "before \x1b]52;c;cm0gLXJmIH4=\x07 after",
    "osc52_clipboard_st": "x\x1b]52;c;cm0gLXJmIH4=\x1b\\y",
    "clear_screen": "\x1b[2J\x1b[H",
    "osc8_link": "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\",
    "c1_csi": "\x9b2J and \x9d0;title\x9c",
    "bidi_override": "user\u202egnp.exe",
    "bidi_isolates": "\u2066a\u2067b\u2068c\u2069\u200e\u200f\u061c\u202a\u202b\u202c\u202d",
    "nul_bs_del": "a\x00b\x08c\x7fd",
    "bare_cr": "safe text\rEVIL",
    "vt_ff": "a\x0bb\x0cc",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_sequences_come_out_inert(name):
    out = inert(HOSTILE[name])
    assert_inert(out)


def test_escape_becomes_visible_picture():
    assert inert("\x1b]52;c;QUJD\x07") == "\u241b]52;c;QUJD\u2407"
    assert inert("\x1b[2J") == "\u241b[2J"


def test_c1_and_bidi_become_visible_escapes():
    assert inert("\x9b2J") == "\\x9b2J"
    assert inert("a\u202eb") == "a\\u202eb"
    assert inert("\x7f") == "\u2421"


def test_text_around_controls_kept():
    out = inert("before \x1b]52;c;cm0=\x07 after")
    assert out.startswith("before ") and out.endswith(" after") and "52;c;cm0=" in out


@pytest.mark.parametrize(
    "text",
    [
        "plain text",
        "",
        "line one\nline two\n\nline four",
        "col\tcol\tcol",
        "emoji 🎉👩‍💻 and CJK 漢字かなカナ 한국어",
        "Arabic مرحبا and Hebrew שלום (natural RTL, no override)",
        "math ∑ ∫ ≠ and box ┌─┐ and nbsp\u00a0here",
        "```python\nprint('hi')\n```\n",
    ],
)
def test_ordinary_text_unchanged(text):
    assert inert(text) == text


def test_crlf_becomes_newline_when_sanitising():
    assert inert("a\r\nb\x1b") == "a\nb\u241b"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from([*BIDI, "\x1b", "\x9b", "\x07"])))
def test_any_text_comes_out_inert(text):
    out = inert(text)
    assert_inert(out)
    assert inert(out) == out  # already inert text is left alone


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cf", "Cs")) | st.sampled_from("\n\t")
    )
)
def test_safe_text_unchanged(text):
    assert inert(text) == text
