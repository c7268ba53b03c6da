"""Paths (platformdirs) and ``config.toml``: loaded, validated, and explained when wrong."""

from __future__ import annotations

import contextlib
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

APP_NAME = "claude-textual"
DEFAULT_MODEL = "claude-sonnet-5-5"
THINKING_MODES = ("off", "adaptive", "enabled")
TOOL_TIMEOUT = 60.0
START_TIMEOUT = 30.0
EFFORTS = ("", "low", "medium", "high", "xhigh", "max")
"""``output_config.effort``; "" sends none (the API's default)."""
THINKING_DISPLAYS = ("", "summarized", "omitted")
CACHE_POLICIES = ("auto", "5m", "1h", "off")
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


def export_dir(settings: Settings) -> Path:
    """Where exports from the app go (``export_dir``); else Downloads, if there is one; else home."""
    if settings.export_dir:
        return Path(settings.export_dir).expanduser()
    from platformdirs import user_downloads_dir

    downloads = Path(user_downloads_dir())
    return downloads if downloads.is_dir() else Path.home()


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
    citations: bool = False
    """Ask for citations into attached PDFs and text files (the reply points at the passages it used)."""
    context_editing: bool = False
    """Let the API clear old tool results and thinking from requests near the context window (context
    editing, on models that offer it); the history keeps everything."""
    timeout: float = 600.0
    max_retries: int = 2
    retry_cap: float = 30.0
    title_length: int = 60
    title_model: str = "claude-haiku-5-5"
    """The small model that names a conversation after its first reply; "" keeps the first prompt."""
    max_tool_rounds: int = 20
    theme: str = ""
    """A Textual theme by name (``textual-dark``, ``nord``, ``gruvbox``…); "" keeps the one last chosen in
    the palette (remembered in the data dir), else Textual's default."""
    export_dir: str = ""
    """Where the export screen (Ctrl+E) saves: "" is the Downloads folder, or the home folder without one."""
    import_max_mb: int = 200
    """The largest file ``claude-textual import`` reads, in MB (a parsed export takes ~10x its size)."""
    cache: str = "auto"
    """Prompt caching: ``auto`` (1 hour on the system prompt and tools, the moving end by the
    conversation's pace), ``5m`` or ``1h`` everywhere, or ``off``."""
    allow_tools: tuple[str, ...] = ()
    """Tools (or servers, for all their tools) that run without asking."""
    mcp_servers: tuple[McpServer, ...] = ()
    prices: tuple[PriceOverride, ...] = ()
    """``[prices."model-id"]`` tables: prices that replace the table's for those models."""
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def with_options(self, options: Mapping[str, Any]) -> Settings:
        """These settings with a conversation's own ``options`` laid over them; stored keys that are
        unknown, or values no longer valid, are skipped (the setting keeps its value here)."""
        valid = {k: v for k, v in options.items() if k in OPTION_KEYS and value_problem(k, v) is None}
        return replace(self, **valid)

    def options(self) -> dict[str, Any]:
        """The settings a conversation may hold as its own, as ``with_options`` takes them."""
        return {key: getattr(self, key) for key in OPTION_KEYS}


OPTION_KEYS = (
    "model",
    "system",
    "max_tokens",
    "thinking",
    "thinking_budget",
    "effort",
    "thinking_display",
    "show_thinking",
    "web_search",
    "web_fetch",
    "code_execution",
    "citations",
    "context_editing",
)
"""The settings each conversation may set for itself (``Conversation.options``)."""


@dataclass(frozen=True)
class McpServer:
    """One ``[mcp_servers.NAME]`` table: a stdio MCP server started when a turn first needs tools."""

    name: str
    command: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    timeout: float = TOOL_TIMEOUT
    """Seconds a tool call may take."""
    start_timeout: float = START_TIMEOUT
    """Seconds to start the server and list its tools."""
    allow: bool = False
    """Run its tools without asking."""


@dataclass(frozen=True)
class PriceOverride:
    """One ``[prices."model-id"]`` table: US dollars per million tokens (web searches: per 1,000)."""

    model: str
    input: float
    output: float
    cache_write_5m: float | None = None
    cache_write_1h: float | None = None
    cache_read: float | None = None
    web_search: float = 10.0

    def __post_init__(self) -> None:  # unstated cache prices follow the API's multipliers
        for name, times in (("cache_write_5m", 1.25), ("cache_write_1h", 2.0), ("cache_read", 0.1)):
            if getattr(self, name) is None:
                object.__setattr__(self, name, round(self.input * times, 9))


PRICE_KEYS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read", "web_search")

_TABLES = {"allow_tools", "mcp_servers", "prices"}
_KEYS = {f.name: f.type for f in fields(Settings) if f.name != "warnings" and f.name not in _TABLES}
_TYPES = {"str": str, "int": int, "float": (int, float), "bool": bool}
_CHOICES = {
    "thinking": THINKING_MODES,
    "effort": EFFORTS,
    "thinking_display": THINKING_DISPLAYS,
    "cache": CACHE_POLICIES,
}
_MINIMUMS = {
    "max_tokens": 1,
    "thinking_budget": 1024,
    "max_retries": 0,
    "retry_cap": 0,
    "title_length": 1,
    "max_tool_rounds": 1,
    "import_max_mb": 1,
}
_MAXIMUMS = {
    "max_tokens": 1_000_000,
    "thinking_budget": 1_000_000,
    "max_retries": 100,
    "retry_cap": 86_400,
    "timeout": 86_400,
    "title_length": 10_000,
    "max_tool_rounds": 1_000,
    "import_max_mb": 1_000_000,
}
"""Beyond these a value is a typo, not a wish (a max_tokens near 2**63 would go out in every request)."""


def value_problem(key: str, value: Any) -> str | None:
    """Why ``value`` cannot be the setting ``key`` (None when it can), e.g. ``"must be positive"``."""
    kind = _KEYS[key]
    if (isinstance(value, bool) and kind != "bool") or not isinstance(value, _TYPES[kind]):
        return f"should be {kind}, got {value!r}"
    if key in _CHOICES and value not in _CHOICES[key]:
        return "must be one of " + ", ".join(choice or '""' for choice in _CHOICES[key])
    if key == "model" and not value.strip():
        return "must not be empty"
    if kind == "float" and not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    if key == "timeout" and value <= 0:
        return "must be positive"
    least, most = _MINIMUMS.get(key), _MAXIMUMS.get(key)
    if least is not None and value < least:
        return {0: "must be 0 or more", 1: "must be positive"}.get(least, f"must be at least {least}")
    if most is not None and value > most:
        return f"must be at most {most:,}"
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
        if key == "mcp_servers":
            values[key] = _mcp_servers(value, text, source, warnings)
            continue
        if key == "prices":
            values[key] = _prices(value, text, source, warnings)
            continue
        if key == "allow_tools":
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                values[key] = tuple(value)
            else:
                warnings.append(f"{where}: 'allow_tools' should be a list of strings; ignored")
            continue
        if key not in _KEYS:
            if not isinstance(value, dict):  # tables belong to later features
                warnings.append(f"{where}: unknown key {key!r} ignored")
            continue
        problem = value_problem(key, value)
        if problem is not None:
            warnings.append(f"{where}: {key!r} {problem}; using {getattr(defaults, key)!r}")
            continue
        values[key] = value
    return Settings(**values, warnings=tuple(warnings))


def _table_line(text: str, name: str, key: str | None = None) -> int | str:
    """The line of ``[mcp_servers.NAME]`` (or of ``key`` inside it), or '?'."""
    header = re.compile(rf"^\s*\[\s*mcp_servers\s*\.\s*[\"']?{re.escape(name)}[\"']?\s*\]")
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines, 1) if header.match(line)), None)
    if start is None or key is None:
        return start or "?"
    end = next((n for n in range(start, len(lines)) if lines[n].lstrip().startswith("[")), len(lines))
    found = _line_of("\n".join(lines[start:end]), key)
    return start + found if found else start


_MCP_KEYS = frozenset({"command", "args", "env", "timeout", "start_timeout", "allow"})


def _mcp_problem(table: dict[str, Any]) -> tuple[str, str] | None:
    """The first key of a server's table that is wrong, and what it must be; None when all are right."""
    command, args, env = table.get("command"), table.get("args", []), table.get("env", {})
    if not isinstance(command, str) or not command:
        return "command", "is required and must be a string"
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return "args", "must be a list of strings"
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        return "env", "must be a table of strings"
    for key in ("timeout", "start_timeout"):
        value = table.get(key)
        if key in table and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf
        ):
            return key, "must be a positive number of seconds"
    if not isinstance(table.get("allow", False), bool):
        return "allow", "must be true or false"
    return None


def _mcp_servers(value: object, text: str, source: str, warnings: list[str]) -> tuple[McpServer, ...]:
    """Each valid ``[mcp_servers.NAME]`` table; a broken one is skipped with a warning naming its key."""
    if not isinstance(value, dict):
        warnings.append(
            f"{source}:{_line_of(text, 'mcp_servers') or '?'}: 'mcp_servers' should be a table; ignored"
        )
        return ()
    servers = []
    for name, table in value.items():
        if not isinstance(table, dict):
            warnings.append(
                f"{source}:{_table_line(text, name, None)}: mcp_servers.{name} should be a table; "
                f"server {name!r} skipped"
            )
            continue
        if unknown := sorted(set(table) - _MCP_KEYS):
            warnings.append(
                f"{source}:{_table_line(text, name, unknown[0])}: mcp_servers.{name}: unknown key(s) "
                f"{', '.join(map(repr, unknown))} ignored"
            )
        if problem := _mcp_problem(table):
            key, why = problem
            warnings.append(
                f"{source}:{_table_line(text, name, key)}: mcp_servers.{name}.{key} {why}; server {name!r} skipped"
            )
            continue
        servers.append(
            McpServer(
                name,
                table["command"],
                tuple(table.get("args", [])),
                tuple(table.get("env", {}).items()),
                **{k: float(table[k]) for k in ("timeout", "start_timeout") if k in table},
                allow=table.get("allow", False),
            )
        )
    return tuple(servers)


def _prices(value: object, text: str, source: str, warnings: list[str]) -> tuple[PriceOverride, ...]:
    """Each valid ``[prices."model-id"]`` table; a broken one is skipped with a warning."""
    where = f"{source}:{_line_of(text, 'prices') or '?'}"
    if not isinstance(value, dict):
        warnings.append(f"{where}: 'prices' should be a table of models; ignored")
        return ()
    overrides = []
    for model, table in value.items():
        if not isinstance(table, dict):
            warnings.append(f"{where}: prices.{model} should be a table; ignored")
            continue
        unknown = sorted(set(table) - set(PRICE_KEYS))
        bad = [
            k
            for k in PRICE_KEYS
            if k in table
            and (
                isinstance(table[k], bool)
                or not isinstance(table[k], (int, float))
                or not math.isfinite(table[k])
                or not 0 <= table[k] <= 1_000_000
            )
        ]
        if unknown or bad or not {"input", "output"} <= set(table):
            why = (
                f"has unknown key(s) {', '.join(map(repr, unknown))}"
                if unknown
                else f"{bad[0]!r} must be a number of dollars, 0 or more"
                if bad
                else "needs at least 'input' and 'output' (dollars per million tokens)"
            )
            warnings.append(f"{where}: prices.{model} {why}; ignored")
            continue
        overrides.append(PriceOverride(model, **{k: float(v) for k, v in table.items()}))
    return tuple(overrides)


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
