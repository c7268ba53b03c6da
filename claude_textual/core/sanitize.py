"""Make untrusted model output inert before it reaches a terminal.

Control characters (C0 but newline and tab, DEL, C1) become visible Unicode control pictures or
escapes, so an ``ESC ] 52`` clipboard write or an ``ESC [ 2J`` shows as text and does nothing;
bidirectional overrides and isolates become visible escapes too.
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␍ for CR, …
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def inert(text: str) -> str:
    """``text`` with every terminal control and bidi override made visible and harmless."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_picture, text.replace("\r\n", "\n"))


# JSON escapes C0 controls itself; these it leaves raw, so they get \u escapes (same data, inert).
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}]")


def inert_json(value: object, indent: int | None = 2) -> str:
    """JSON text for ``value`` that is safe to print to a terminal and decodes to the same data."""
    import json

    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
