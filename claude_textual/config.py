"""Paths (platformdirs) and ``config.toml``: loaded, validated, and explained when wrong."""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

APP_NAME = "claude-textual"
DEFAULT_MODEL = "claude-sonnet-4-6"
THINKING_MODES = ("off", "adaptive", "enabled")
EFFORTS = ("", "low", "medium", "high", "xhigh", "max")
"""``output_config.effort``; "" sends none (the API's default)."""
THINKING_DISPLAYS = ("", "summarized", "omitted")
"""``thinking.display``; "" sends none (the model's default)."""


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents, each one a directory only its owner can use (0700).

    (``mkdir(parents=True, mode=...)`` applies the mode to the last one only; the parents it creates
    get the umask's default, 0755 as a rule.) Directories that already exist are left as they are.
    """
    missing = []
    level = Path(path)
    while not level.exists() and level != level.parent:
        missing.append(level)
        level = level.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:  # made meanwhile by someone else
            continue
        os.chmod(directory, 0o700)  # whatever the umask
    return Path(path)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (0600), atomically; parents are created."""
    import tempfile

    private_dir(path.parent)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)  # mode 0600
    try:
        # errors="replace": a lone surrogate from stored JSON must not make the save fail
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace", newline="") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


def default_db_path() -> Path:
    env = os.environ.get("CLAUDE_TEXTUAL_DB")
    return Path(env).expanduser() if env else data_dir() / "history.db"


def cache_dir() -> Path:
    env = os.environ.get("CLAUDE_TEXTUAL_CACHE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME))


def default_config_path() -> Path:
    env = os.environ.get("CLAUDE_TEXTUAL_CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.toml"


@dataclass(frozen=True)
class Settings:
    """Everything the user can configure; one immutable value shared by the app."""

    model: str = DEFAULT_MODEL
    max_tokens: int = 16000
    thinking: str = "adaptive"
    thinking_budget: int = 4000
    system: str = ""
    effort: str = ""
    thinking_display: str = ""
    show_thinking: bool = True
    web_search: bool = False
    web_fetch: bool = False
    code_execution: bool = False
    timeout: float = 600.0
    max_retries: int = 2
    retry_cap: float = 30.0
    title_length: int = 60
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def thinking_param(self) -> dict | None:
        """The ``thinking`` request parameter, or None when thinking is off."""
        if self.thinking == "adaptive":
            param: dict = {"type": "adaptive"}
        elif self.thinking == "enabled":
            param = {"type": "enabled", "budget_tokens": self.thinking_budget}
        else:
            return None
        if self.thinking_display:
            param["display"] = self.thinking_display
        return param

    def with_options(self, options: Mapping[str, Any]) -> Settings:
        """These settings with a conversation's own ``options`` laid over them; stored keys that are
        unknown, or values no longer valid, are skipped (the setting keeps its value here)."""
        valid = {k: v for k, v in options.items() if k in OPTION_KEYS and value_problem(k, v) is None}
        return replace(self, **valid)

    def options(self) -> dict[str, Any]:
        """The settings a conversation may hold as its own, as ``with_options`` takes them."""
        return {key: getattr(self, key) for key in OPTION_KEYS}


OPTION_KEYS = ("model", "system", "max_tokens", "thinking", "thinking_budget", "effort", "thinking_display",
               "show_thinking", "web_search", "web_fetch", "code_execution")
"""The settings each conversation may set for itself (``Conversation.options``)."""

_KEYS = {f.name: f.type for f in fields(Settings) if f.name != "warnings"}
_TYPES = {"str": str, "int": int, "float": (int, float), "bool": bool}
_CHOICES = {"thinking": THINKING_MODES, "effort": EFFORTS, "thinking_display": THINKING_DISPLAYS}
_MINIMUMS = {"max_tokens": 1, "thinking_budget": 1024, "max_retries": 0, "retry_cap": 0, "title_length": 1}


def value_problem(key: str, value: Any) -> str | None:
    """Why ``value`` cannot be the setting ``key`` (None when it can), e.g. ``"must be positive"``."""
    kind = _KEYS[key]
    if (isinstance(value, bool) and kind != "bool") or not isinstance(value, _TYPES[kind]):
        return f"should be {kind}, got {value!r}"
    if key in _CHOICES and value not in _CHOICES[key]:
        return "must be one of " + ", ".join(choice or '""' for choice in _CHOICES[key])
    if key == "model" and not value.strip():
        return "must not be empty"
    least = _MINIMUMS.get(key)
    if least is not None and value < least:
        return {0: "must be 0 or more", 1: "must be positive"}.get(least, f"must be at least {least}")
    return None


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return None


def parse_settings(text: str, source: str = "config.toml") -> Settings:
    """Parse TOML text into Settings; anything wrong becomes a warning and a default."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Settings(warnings=(f"{source}: invalid TOML ({exc}); using defaults",))
    warnings: list[str] = []
    values: dict = {}
    defaults = Settings()
    for key, value in data.items():
        where = f"{source}:{_line_of(text, key) or '?'}"
        if key not in _KEYS:
            if not isinstance(value, dict):  # tables belong to later features (e.g. mcp_servers)
                warnings.append(f"{where}: unknown key {key!r} ignored")
            continue
        problem = value_problem(key, value)
        if problem is not None:
            warnings.append(f"{where}: {key!r} {problem}; using {getattr(defaults, key)!r}")
            continue
        values[key] = value
    return Settings(**values, warnings=tuple(warnings))


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file; a missing file means defaults, a broken one means warnings."""
    path = path or default_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(warnings=(f"{path}: cannot read ({exc}); using defaults",))
    return parse_settings(text, str(path))
