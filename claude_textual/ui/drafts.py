"""Drafts: what was typed in the prompt box and not sent, per conversation ("" is a new one).

They are kept in a private file beside the history (``drafts.json``, 0600), written in a thread a
moment after typing stops and at quit, so switching conversations, quitting or a crash loses none.
"""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

from claude_textual.config import write_private

LARGEST = 1_000_000
"""Characters a draft may hold to be kept in the file (a bigger one stays for this run only)."""


class Drafts:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.texts: dict[str, str] = {}
        self._lock = threading.Lock()
        self._changed = False  # since the file was last written

    def load(self) -> None:
        """Read the file (in a thread): a missing or broken one is no drafts."""
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(stored, dict):
            with self._lock:
                for key, text in stored.items():
                    if isinstance(key, str) and isinstance(text, str):
                        self.texts.setdefault(key, text)

    def get(self, key: str) -> str:
        with self._lock:
            return self.texts.get(key, "")

    def put(self, key: str, text: str) -> bool:
        """Keep ``text`` as the draft of ``key`` (blank: none); whether that changed anything."""
        text = text if text.strip() else ""
        with self._lock:
            if self.texts.get(key, "") == text:
                return False
            if text:
                self.texts[key] = text
            else:
                self.texts.pop(key, None)
            self._changed = True
            return True

    def forget(self, keys: list[str]) -> None:
        """Conversations deleted for good take their drafts with them."""
        with self._lock:
            for key in keys:
                self._changed |= self.texts.pop(key, None) is not None

    def save(self) -> None:
        """Write the file if a draft changed (call it in a thread); a read-only data dir keeps drafts for
        this run only."""
        with self._lock:
            if not self._changed:
                return
            self._changed = False
            text = json.dumps({k: v for k, v in self.texts.items() if len(v) <= LARGEST})
        with contextlib.suppress(OSError):
            write_private(self.path, text)
