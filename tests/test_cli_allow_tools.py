"""``--allow-tools``: parsed from the command line, added to config.toml's ``allow_tools``, applied."""

from __future__ import annotations

import pytest

from claude_textual.cli import _parser, app_settings
from claude_textual.core.tools import Tool, ToolManager


def settings_for(tmp_path, *argv: str, config: str = ""):
    path = tmp_path / "config.toml"
    path.write_text(config)
    return app_settings(_parser().parse_args(["--config", str(path), *argv]))


def test_names_are_split_on_commas_and_added_to_the_config(tmp_path):
    config = 'allow_tools = ["from_config"]\n[mcp_servers.files]\ncommand = "files-server"\n'
    settings = settings_for(tmp_path, "--allow-tools", "version, files", "--allow-tools=echo", config=config)
    assert settings.allow_tools == ("from_config", "version", "files", "echo")
    assert not settings.warnings


def test_without_the_flag_the_config_stands(tmp_path):
    assert settings_for(tmp_path, config='allow_tools = ["a"]\n').allow_tools == ("a",)
    assert settings_for(tmp_path).allow_tools == ()


def test_an_empty_list_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        settings_for(tmp_path, "--allow-tools", " , ")
    assert "expected tool or server names" in capsys.readouterr().err


def test_allowed_names_pre_approve_tools_by_name_or_server(tmp_path):
    config = '[mcp_servers.files]\ncommand = "f"\n[mcp_servers.web]\ncommand = "w"\n'
    tools = ToolManager(settings_for(tmp_path, "--allow-tools", "files,fetch", config=config))

    def tool(name: str, server: str) -> Tool:
        return Tool(name, name, server, "", {"type": "object"})

    assert tools.approved("c1", tool("read", "files"))  # the whole server
    assert tools.approved("c1", tool("fetch", "web"))  # one tool
    assert not tools.approved("c1", tool("post", "web"))
    tools.grant("c1", tool("post", "web"))  # "allow for this conversation": that conversation only
    assert tools.approved("c1", tool("post", "web")) and not tools.approved("c2", tool("post", "web"))
