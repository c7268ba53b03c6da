"""Import never prints a traceback: a bad value is one line in the report and the rest is imported;
a file too big for memory is refused before it is read whole."""

from __future__ import annotations

import json
import zipfile

import pytest

from claude_textual.cli import main
from claude_textual.transcripts.importer import import_path


def export(conv_id: str, **message) -> dict:
    base = {
        "role": "user",
        "content": [{"type": "text", "text": "hello"}],
        "created_at": "2026-11-01T10:00:00Z",
    }
    return {
        "id": conv_id,
        "title": f"conversation {conv_id}",
        "model": "claude-test",
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T10:00:00Z",
        "messages": [{**base, **message}],
    }


GOOD = export("good00000000000000000000000000000")


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (export("a" * 32, content=[{"type": "text", "text": 42}]), "'text' should be text"),
        (export("b" * 32, content=[{"type": "text", "text": ["x"]}]), "'text' should be text"),
        (export("c" * 32, content=[{"type": "thinking", "thinking": {"x": 1}}]), "'thinking' should be text"),
        (
            export("d" * 32, content=[{"type": "tool_use", "id": 1, "name": "x", "input": {}}]),
            "'id' should be text",
        ),
        (export("e" * 32, created_at="9999-12-31T23:59:59-05:00"), "out of range"),
        (export("f" * 32, created_at="0001-01-01T00:00:00+05:00"), "out of range"),
    ],
    ids=["text-number", "text-list", "thinking-object", "tool-id-number", "year-9999", "year-1"],
)
def test_a_bad_value_fails_its_conversation_alone(history, tmp_path, bad, why):
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([bad, GOOD]))
    report = import_path(history, path)
    assert report.imported == [GOOD["id"]], "the good conversation after the bad one is imported"
    ((name, reason),) = report.failed
    assert why in reason and bad["id"] in name


def test_json_nested_too_deeply_is_said_so(history, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    ((_, reason),) = import_path(history, path).failed
    assert "nested too deeply" in reason and "zip" not in reason


def test_a_file_past_the_limit_is_refused_before_it_is_read(history, tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps([GOOD]) + " " * 3_000_000)
    ((_, reason),) = import_path(history, path, max_bytes=1_000_000).failed
    assert "larger than the import limit" in reason and "import_max_mb" in reason
    assert import_path(history, path, max_bytes=10_000_000).imported == [GOOD["id"]]


def test_a_zip_that_expands_past_the_limit_is_refused(history, tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", "[" + " " * 5_000_000 + "]")
    assert path.stat().st_size < 100_000
    ((_, reason),) = import_path(history, path, max_bytes=1_000_000).failed
    assert "larger than the import limit" in reason


def test_the_command_reads_the_limit_from_the_config(tmp_path, db_path, capsys):
    path = tmp_path / "big.json"
    path.write_text(json.dumps([GOOD]) + " " * 2_000_000)
    config = tmp_path / "config.toml"
    config.write_text("import_max_mb = 1\n")
    code = main(["import", str(path), "--db", str(db_path), "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 1 and "larger than the import limit" in err and "Traceback" not in out + err
