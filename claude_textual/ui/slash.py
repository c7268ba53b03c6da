"""Slash commands typed in the prompt box: ``/help``, ``/new``, ``/model NAME``, ``/system TEXT`` …

A prompt that starts with ``/`` and a word is a command, never sent to the model; an unknown one gets a
hint and stays in the box. ``//`` at the start sends the prompt with one ``/`` (for a prompt that really
starts with one). As one is typed, ``completions`` offers the commands, then their arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

from claude_textual.config import EFFORTS, THINKING_MODES


@dataclass(frozen=True)
class Command:
    name: str
    argument: str
    """What it takes, for the help line ("" when nothing)."""
    does: str


COMMANDS = (
    Command("help", "", "every key, by where it works"),
    Command("new", "", "a new conversation"),
    Command("model", "NAME", "this conversation's model"),
    Command("system", "TEXT", "this conversation's system prompt (empty: none)"),
    Command("thinking", "|".join(THINKING_MODES), "this conversation's thinking"),
    Command("effort", "|".join(e for e in EFFORTS if e) + "|none", "this conversation's effort"),
    Command("settings", "", "this conversation's settings (Ctrl+O)"),
    Command("search", "", "search every message (Ctrl+F)"),
    Command("export", "", "export this conversation (Ctrl+E)"),
    Command("usage", "", "usage and cost (Ctrl+T)"),
    Command("retry", "", "answer the last prompt again (Ctrl+R)"),
    Command("attach", "[PATH]", "attach a file (no path: the file picker, Ctrl+L)"),
    Command("title", "TEXT", "rename this conversation"),
    Command("delete", "", "move this conversation to the trash (asks first)"),
)
NAMES = {c.name: c for c in COMMANDS}


@dataclass(frozen=True)
class Parsed:
    """A prompt read as a command: ``command`` (None: unknown), its argument, or the ``text`` to send."""

    command: Command | None = None
    argument: str = ""
    text: str | None = None
    word: str = ""


def parse(prompt: str) -> Parsed:
    """What the prompt is: text to send (``text``), or a command with its argument."""
    if prompt.startswith("//"):
        return Parsed(text=prompt[1:])
    if not prompt.startswith("/") or len(prompt) < 2 or not prompt[1].isalpha():
        return Parsed(text=prompt)  # "/" alone, "/ 2", "/etc/hosts?" read as text
    word, _, argument = prompt[1:].partition(" ")
    if "/" in word:
        return Parsed(text=prompt)  # a path such as /usr/lib: text
    return Parsed(NAMES.get(word.lower()), argument.strip(), word=word)


def hint(word: str) -> str:
    """What to say of an unknown command: the nearest ones, and how to send a prompt that starts with /."""
    near = [c.name for c in COMMANDS if c.name.startswith(word[:2].lower())] or [c.name for c in COMMANDS]
    return (
        f"/{word} is not a command, so nothing was sent. Commands: "
        + ", ".join(f"/{n}" for n in near)
        + " (/help lists them). To send a prompt that starts with /, begin it with //."
    )


def option(command: Command, argument: str) -> tuple[str, object] | str:
    """The conversation option a settings command sets, or why its argument cannot be it."""
    if command.name == "model":
        return ("model", argument) if argument else "/model needs a model id, e.g. /model claude-sonnet-5-5"
    if command.name == "system":
        return ("system", argument)
    if command.name == "thinking":
        return ("thinking", argument) if argument in THINKING_MODES else f"/thinking takes {command.argument}"
    value = "" if argument == "none" else argument
    return ("effort", value) if value in EFFORTS else f"/effort takes {command.argument}"


def completions(line: str, models: list[str]) -> list[tuple[str, str]]:
    """What the first line of the box, being typed, may complete to: (the whole line completed, a
    label). ``/mo`` offers ``/model `` …; ``/model cl`` the ``models``; ``/thinking `` and ``/effort ``
    their values. Nothing once the line is more than that."""
    if not line.startswith("/") or line.startswith("//"):
        return []
    word, space, argument = line[1:].partition(" ")
    if not space:
        return [
            (f"/{c.name} ", f"/{c.name}" + (f" {c.argument}" if c.argument else "") + f" — {c.does}")
            for c in COMMANDS
            if c.name.startswith(word.lower())
        ]
    values = {
        "model": models,
        "thinking": list(THINKING_MODES),
        "effort": [e for e in EFFORTS if e] + ["none"],
    }.get(word.lower(), [])
    if " " in argument:
        return []
    return [(f"/{word} {v}", v) for v in values if v.startswith(argument) and v != argument]


def help_lines() -> list[tuple[str, str]]:
    """(``/name ARG``, what it does) for the help screen."""
    return [(f"/{c.name}" + (f" {c.argument}" if c.argument else ""), c.does) for c in COMMANDS]
