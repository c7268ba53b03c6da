"""config.toml: defaults, a valid file, and every mistake explained with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_textual.config import (
    DEFAULT_MODEL,
    Settings,
    default_config_path,
    default_db_path,
    load_settings,
    parse_settings,
)
from claude_textual.core.requests import fit_settings

VALID = """\
# my settings
model = "claude-opus-4-1"
max_tokens = 8000
thinking = "enabled"
thinking_budget = 2048
system = "Answer briefly."
timeout = 30
max_retries = 5
retry_cap = 12.5
title_length = 40
"""


def test_defaults_when_file_missing(tmp_path):
    settings = load_settings(tmp_path / "nope" / "config.toml")
    assert settings == Settings()
    assert settings.warnings == ()
    assert settings.model == DEFAULT_MODEL and settings.thinking == "adaptive"
    assert settings.max_tokens == 16000 and settings.max_retries == 2 and settings.timeout == 600.0
    assert settings.retry_cap == 30.0


def test_valid_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(VALID)
    settings = load_settings(path)
    assert settings.warnings == ()
    assert settings == Settings(
        model="claude-opus-4-1",
        max_tokens=8000,
        thinking="enabled",
        thinking_budget=2048,
        system="Answer briefly.",
        timeout=30,
        max_retries=5,
        retry_cap=12.5,
        title_length=40,
    )
    assert fit_settings(settings, None).thinking == {"type": "enabled", "budget_tokens": 2048}


def test_float_timeout_accepted():
    assert parse_settings("timeout = 12.5").timeout == 12.5


def test_tables_are_not_unknown_keys():
    settings = parse_settings('model = "m"\n[mcp_servers.files]\ncommand = "x"\n')
    assert settings.warnings == () and settings.model == "m"


def test_invalid_toml_names_file_and_line_and_falls_back(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('model = "ok"\nmax_tokens = = 5\n')
    settings = load_settings(path)
    assert settings == Settings()
    (warning,) = settings.warnings
    assert warning.startswith(f"{path}: invalid TOML")
    assert "line 2" in warning
    assert "using defaults" in warning


def test_unknown_key_names_file_line_and_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('model = "m"\n\ncolour = "blue"\n')
    settings = load_settings(path)
    assert settings.model == "m"
    (warning,) = settings.warnings
    assert warning.startswith(f"{path}:3: ")
    assert "'colour'" in warning and "unknown key" in warning


def test_unknown_key_line_not_confused_by_a_longer_known_key():
    # `mode` (a typo) is on line 2; `model` on line 1 starts with the same letters
    settings = parse_settings('model = "m"\nmode = "x"\n', "cfg.toml")
    (warning,) = settings.warnings
    assert warning.startswith("cfg.toml:2: "), warning
    assert "'mode'" in warning


def test_wrong_type_warns_and_uses_default():
    text = 'model = "m"\nmax_tokens = "lots"\nmax_retries = true\ntimeout = "soon"\n'
    settings = parse_settings(text, "c.toml")
    assert settings.max_tokens == 16000 and settings.max_retries == 2 and settings.timeout == 600.0
    assert settings.model == "m"
    assert len(settings.warnings) == 3
    tokens, retries, timeout = settings.warnings
    assert tokens.startswith("c.toml:2: ") and "'max_tokens' should be int" in tokens and "'lots'" in tokens
    assert retries.startswith("c.toml:3: ") and "'max_retries' should be int" in retries and "True" in retries
    assert timeout.startswith("c.toml:4: ") and "'timeout' should be float" in timeout


def test_int_for_string_key_warns():
    settings = parse_settings("model = 5\n", "c.toml")
    assert settings.model == DEFAULT_MODEL
    (warning,) = settings.warnings
    assert warning.startswith("c.toml:1: ") and "'model' should be str" in warning


def test_invalid_thinking_mode():
    settings = parse_settings('model = "m"\nthinking = "always"\n', "c.toml")
    assert settings.thinking == "adaptive"
    (warning,) = settings.warnings
    assert warning.startswith("c.toml:2: ")
    assert "'thinking' must be one of off, adaptive, enabled" in warning


def test_invalid_thinking_mode_line_not_confused_by_thinking_budget():
    settings = parse_settings('thinking_budget = 2000\nthinking = "always"\n', "c.toml")
    assert settings.thinking == "adaptive" and settings.thinking_budget == 2000
    (warning,) = settings.warnings
    assert warning.startswith("c.toml:2: "), warning


@pytest.mark.parametrize(
    "mode,param",
    [
        ("off", None),
        ("adaptive", {"type": "adaptive"}),
        ("enabled", {"type": "enabled", "budget_tokens": 4000}),
    ],
)
def test_thinking_modes(mode, param):
    settings = parse_settings(f'thinking = "{mode}"')
    assert settings.warnings == () and fit_settings(settings, None).thinking == param


def test_non_positive_max_tokens():
    settings = parse_settings("max_tokens = 0")
    assert settings.max_tokens == 16000
    assert any("'max_tokens' must be positive" in w for w in settings.warnings)


def test_unreadable_file_warns(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b'model = "\xff\xfe"\n')
    settings = load_settings(path)
    assert settings == Settings()
    (warning,) = settings.warnings
    assert warning.startswith(f"{path}: cannot read") and "using defaults" in warning


# paths -------------------------------------------------------------------------------------------


def test_db_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv("CLAUDE_TEXTUAL_DB", str(tmp_path / "x" / "my.db"))
    assert default_db_path() == tmp_path / "x" / "my.db"


def test_db_env_override_expands_user(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CLAUDE_TEXTUAL_DB", "~/h.db")
    assert default_db_path() == tmp_path / "h.db"


def test_config_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv("CLAUDE_TEXTUAL_CONFIG", str(tmp_path / "c.toml"))
    assert default_config_path() == tmp_path / "c.toml"
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CLAUDE_TEXTUAL_CONFIG", "~/conf/c.toml")
    assert default_config_path() == tmp_path / "conf" / "c.toml"


def test_load_settings_uses_config_env(monkeypatch, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('model = "from-env"\n')
    monkeypatch.setenv("CLAUDE_TEXTUAL_CONFIG", str(path))
    assert load_settings().model == "from-env"


def test_defaults_without_env(monkeypatch, tmp_path):
    monkeypatch.delenv("CLAUDE_TEXTUAL_DB", raising=False)
    monkeypatch.delenv("CLAUDE_TEXTUAL_CONFIG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert default_db_path() == tmp_path / "data" / "claude-textual" / "history.db"
    assert default_config_path() == tmp_path / "config" / "claude-textual" / "config.toml"
    assert isinstance(default_db_path(), Path)


def test_retry_settings_out_of_range_fall_back():
    settings = parse_settings("max_retries = -1\nretry_cap = -5\n")
    assert (settings.max_retries, settings.retry_cap) == (2, 30.0)
    assert any("'max_retries' must be 0 or more" in w for w in settings.warnings)
    assert any("'retry_cap' must be 0 or more" in w for w in settings.warnings)
    assert parse_settings("retry_cap = 5").retry_cap == 5


def test_the_sdk_never_retries_on_its_own():
    """Our turn retries, visibly and capped; the SDK's hidden retries (unbounded retry-after) are off."""
    from claude_textual.core.client import make_client

    client = make_client(Settings(max_retries=5), api_key="sk-test", base_url="http://127.0.0.1:9")
    assert client.max_retries == 0


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("timeout = -5", "must be positive"),
        ("timeout = 0", "must be positive"),
        ("timeout = nan", "finite"),
        ("retry_cap = nan", "finite"),
        ("retry_cap = inf", "finite"),
        ("max_tokens = 9223372036854775807", "at most"),
        ("max_retries = 4611686018427387904", "at most"),
    ],
)
def test_values_that_cannot_be_meant_are_warned_about_and_the_default_used(line, says):
    settings = parse_settings(line + "\n", "cfg.toml")
    [warning] = settings.warnings
    assert warning.startswith("cfg.toml:1:") and says in warning
    key = line.split(" = ")[0]
    assert getattr(settings, key) == getattr(Settings(), key)
