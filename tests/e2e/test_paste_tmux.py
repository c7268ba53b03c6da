"""End to end: a 400-line paste through tmux's ``paste-buffer`` (which sends newlines as CR) arrives in
the installed app as 400 lines, and is sent and stored so."""

from __future__ import annotations

from tests.e2e.test_tmux import Terminal, app_ready, export_last, installed_command, quit_app, reply_done


def test_a_400_line_paste_arrives_as_400_lines(terminal: Terminal, app_env, tmp_path):
    lines = [f"log line {n}: all is well" for n in range(400)]
    (tmp_path / "paste.txt").write_text("\n".join(lines))
    terminal.start([installed_command(), "--demo"], app_env)
    terminal.wait_for(app_ready, "the app to be up")
    terminal.tmux("load-buffer", "-b", "p", str(tmp_path / "paste.txt"))
    terminal.tmux("paste-buffer", "-p", "-b", "p", "-t", terminal.target)  # bracketed, LF sent as CR
    terminal.wait_for("log line 399", "the end of the paste")
    terminal.press("C-s")
    terminal.wait_for(lambda s: "to see what was saved" in s and reply_done(s), "the demo's replies")
    quit_app(terminal)
    prompt = export_last(app_env)["messages"][0]
    assert prompt["content"][0]["text"] == "\n".join(lines)
