"""``[mcp_servers.NAME]``, ``allow_tools`` and ``max_tool_rounds`` in config.toml: parsed, or skipped with a warning."""

from __future__ import annotations

from claude_textual.config import McpServer, parse_settings

GOOD = """
allow_tools = ["version"]
max_tool_rounds = 5

[mcp_servers.known]
command = "python"
args = ["-m", "known_server"]
env = { TOKEN = "t0k" }
timeout = 2
allow = true
"""


def test_a_server_table_is_parsed():
    settings = parse_settings(GOOD, "cfg.toml")
    assert settings.warnings == ()
    assert settings.mcp_servers == (
        McpServer("known", "python", ("-m", "known_server"), (("TOKEN", "t0k"),), timeout=2.0, allow=True),
    )
    assert settings.allow_tools == ("version",)
    assert settings.max_tool_rounds == 5


def test_defaults():
    settings = parse_settings('[mcp_servers.x]\ncommand = "x"\n')
    [server] = settings.mcp_servers
    assert (server.args, server.env, server.timeout, server.start_timeout, server.allow) == (
        (),
        (),
        60.0,
        30.0,
        False,
    )
    assert settings.max_tool_rounds == 20 and settings.allow_tools == ()


def test_broken_entries_are_skipped_with_warnings_naming_file_line_and_key():
    text = """[mcp_servers.ok]
command = "ok"

[mcp_servers.nocommand]
args = ["a"]

[mcp_servers.badargs]
command = "x"
args = "-m server"

[mcp_servers.badenv]
command = "x"
env = { PORT = 8080 }

[mcp_servers.badtimeout]
command = "x"
timeout = -1
colour = "red"
"""
    settings = parse_settings(text, "cfg.toml")
    assert [s.name for s in settings.mcp_servers] == ["ok"]
    assert settings.warnings == (
        "cfg.toml:4: mcp_servers.nocommand.command is required and must be a string; server 'nocommand' skipped",
        "cfg.toml:9: mcp_servers.badargs.args must be a list of strings; server 'badargs' skipped",
        "cfg.toml:13: mcp_servers.badenv.env must be a table of strings; server 'badenv' skipped",
        "cfg.toml:18: mcp_servers.badtimeout: unknown key(s) 'colour' ignored",
        "cfg.toml:17: mcp_servers.badtimeout.timeout must be a positive number of seconds; server 'badtimeout' skipped",
    )


def test_wrong_shapes_are_warnings_not_crashes():
    settings = parse_settings('allow_tools = "all"\nmax_tool_rounds = 0\nmcp_servers = 3\n', "cfg.toml")
    assert settings.mcp_servers == () and settings.allow_tools == () and settings.max_tool_rounds == 20
    assert settings.warnings == (
        "cfg.toml:1: 'allow_tools' should be a list of strings; ignored",
        "cfg.toml:2: 'max_tool_rounds' must be positive; using 20",
        "cfg.toml:3: 'mcp_servers' should be a table; ignored",
    )


def test_a_server_timeout_that_is_not_a_finite_number_of_seconds_skips_it():
    text = """[mcp_servers.never]
command = "x"
timeout = inf

[mcp_servers.nothing]
command = "x"
start_timeout = nan

[mcp_servers.fine]
command = "x"
start_timeout = 0.5
"""
    settings = parse_settings(text, "cfg.toml")
    assert [(s.name, s.start_timeout) for s in settings.mcp_servers] == [("fine", 0.5)]
    assert settings.warnings == (
        "cfg.toml:3: mcp_servers.never.timeout must be a positive number of seconds; server 'never' skipped",
        "cfg.toml:7: mcp_servers.nothing.start_timeout must be a positive number of seconds; "
        "server 'nothing' skipped",
    )
