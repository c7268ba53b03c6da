"""The conversation settings screen (Ctrl+O): model, system prompt, max_tokens, thinking, effort, the
thinking panel and the server tools of one conversation.

Enter or Ctrl+S saves (the screen is dismissed with the options, as ``Settings.options`` gives them),
Esc cancels (None). The model list comes from ``models.list()`` in a worker; until then, and when it
cannot be had, the built-in list is offered, marked as such.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select, Static, Switch, TextArea

from claude_textual.config import EFFORTS, THINKING_DISPLAYS, THINKING_MODES, Settings, value_problem
from claude_textual.core.capabilities import Capabilities
from claude_textual.core.catalogue import Catalogue, ModelChoice
from claude_textual.core.sanitize import inert

SWITCHES = {
    "show_thinking": "Show the thinking panel",
    "web_search": "Web search (server tool)",
    "web_fetch": "Web fetch (server tool)",
    "code_execution": "Code execution (server tool)",
    "citations": "Citations into attached documents",
    "context_editing": "Context editing: the API clears old tool results near the window",
}


class ModelsLoaded(Message):
    def __init__(self, catalogue: Catalogue) -> None:
        super().__init__()
        self.catalogue = catalogue


def model_label(choice: ModelChoice) -> str:
    """``Name  (id)``, marked when the model is deprecated or retired, with its retirement date."""
    label = f"{choice.name}  ({choice.id})"
    if choice.lifecycle != "active":
        when = (
            f", retires {choice.retires_at}" if choice.retires_at and choice.lifecycle == "deprecated" else ""
        )
        label += f"  · {choice.lifecycle}{when}"
    return inert(label)


def model_choices(catalogue: Catalogue, current: str) -> list[tuple[str, str]]:
    """(label, id) for the model Select; the current model is kept even when no list has it."""
    choices = [(model_label(m), m.id) for m in catalogue.models]
    if current not in {m.id for m in catalogue.models}:
        choices.insert(0, (inert(current), current))
    return choices


THINKING_LABELS = {"off": "off", "adaptive": "adaptive", "enabled": "enabled (a budget)"}


def lacks(caps: Capabilities) -> list[str]:
    """What the model cannot do of what the screen offers, each said plainly."""
    missing = []
    if not caps.thinking & {"between_tools", "disabled"}:
        missing.append("it always thinks (no off)")
    if "enabled" not in caps.thinking:
        missing.append("no thinking budget")
    if "adaptive" not in caps.thinking:
        missing.append("no adaptive thinking")
    if not caps.context_edits:
        missing.append("no context editing")
    if not caps.efforts:
        missing.append("no effort setting")
    elif len(caps.efforts) < len(EFFORTS) - 1:
        missing.append(
            "effort " + ", ".join(e for e in EFFORTS if e and e not in caps.efforts) + " not offered"
        )
    return missing


def offered(caps: Capabilities | None) -> tuple[list[tuple[str, str]], list[tuple[str, str]], str]:
    """The thinking and effort choices a model takes, and a line saying what it lacks and why."""
    if caps is None:
        return (
            [(THINKING_LABELS[m], m) for m in THINKING_MODES],
            [(e or "default", e) for e in EFFORTS],
            "Capabilities unknown for this model: settings are sent as chosen.",
        )
    thinking = []
    if "between_tools" in caps.thinking:
        thinking.append(("off (between tools: short progress notes still come)", "off"))
    elif "disabled" in caps.thinking:
        thinking.append(("off", "off"))
    thinking += [(THINKING_LABELS[m], m) for m in ("adaptive", "enabled") if m in caps.thinking]
    efforts = [("default", "")] + [(e, e) for e in EFFORTS if e and e in caps.efforts]
    missing = lacks(caps)
    return thinking, efforts, ("This model: " + "; ".join(missing) + ".") if missing else ""


THINKING_NEAREST = {
    "off": ("off", "adaptive", "enabled"),
    "adaptive": ("adaptive", "enabled", "off"),
    "enabled": ("enabled", "adaptive", "off"),
}
"""For a thinking wish a model does not take, the others from nearest to farthest."""


def nearest(key: str, value: str, choices: list[tuple[str, str]]) -> str:
    """``value`` if offered; else for thinking the nearest wish, for effort the nearest level below."""
    values = [v for _, v in choices]
    if value in values:
        return value
    if key == "thinking":
        return next(v for v in THINKING_NEAREST.get(value, THINKING_MODES) if v in values)
    index = EFFORTS.index(value) if value in EFFORTS else 0
    return next((v for v in reversed(EFFORTS[:index]) if v in values), "")


class OptionsScreen(ModalScreen[dict[str, Any] | None]):
    DEFAULT_CSS = """
    OptionsScreen {
        align: center middle;
        background: $background 60%;
    }
    OptionsScreen > #options {
        width: 84;
        max-width: 95%;
        height: 90%;
        border: round $accent;
        border-title-color: $text;
        background: $surface;
        padding: 0 1;
    }
    OptionsScreen .row {
        height: auto;
        margin-bottom: 1;
    }
    OptionsScreen .row > Label {
        width: 18;
        padding-top: 1;
    }
    OptionsScreen .row > Select, OptionsScreen .row > Input {
        width: 1fr;
    }
    OptionsScreen .switch-row > Label {
        padding-top: 1;
        width: 1fr;
    }
    OptionsScreen #system {
        height: 5;
        width: 1fr;
    }
    OptionsScreen #models-note, OptionsScreen #model-caps, OptionsScreen #problem {
        color: $text-muted;
        height: auto;
    }
    OptionsScreen #problem {
        color: $error;
    }
    OptionsScreen .dialog-buttons {
        height: auto;
        align-horizontal: right;
    }
    OptionsScreen .dialog-buttons Button {
        margin-left: 1;
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(self, settings: Settings, models: Callable[[], Awaitable[Catalogue]]) -> None:
        """``settings``: the conversation's as they stand; ``models`` gives the model list (cached,
        fetched, or the built-in one)."""
        super().__init__()
        self.settings = settings
        self.models = models
        self.catalogue: Catalogue | None = None
        """The model list once fetched (or the built-in one it fell back to)."""

    def compose(self) -> ComposeResult:
        s = self.settings
        with Vertical(id="options") as box:
            box.border_title = "Conversation settings"
            with VerticalScroll():
                with Horizontal(classes="row"):
                    yield Label("Model")
                    yield Select(
                        model_choices(Catalogue(), s.model), value=s.model, allow_blank=False, id="model"
                    )
                yield Static("Loading the model list…", id="models-note", markup=False)
                yield Static("", id="model-caps", markup=False)
                with Horizontal(classes="row"):
                    yield Label("System prompt")
                    yield TextArea(s.system, id="system", soft_wrap=True)
                with Horizontal(classes="row"):
                    yield Label("max_tokens")
                    yield Input(str(s.max_tokens), type="integer", id="max_tokens")
                with Horizontal(classes="row"):
                    yield Label("Thinking")
                    yield Select(
                        [(m, m) for m in THINKING_MODES], value=s.thinking, allow_blank=False, id="thinking"
                    )
                with Horizontal(classes="row"):
                    yield Label("Budget (enabled)")
                    yield Input(str(s.thinking_budget), type="integer", id="thinking_budget")
                with Horizontal(classes="row"):
                    yield Label("Effort")
                    yield Select(
                        [(e or "default", e) for e in EFFORTS], value=s.effort, allow_blank=False, id="effort"
                    )
                with Horizontal(classes="row"):
                    yield Label("Thinking shown")
                    yield Select(
                        [(d or "model default", d) for d in THINKING_DISPLAYS],
                        value=s.thinking_display,
                        allow_blank=False,
                        id="thinking_display",
                    )
                for key, label in SWITCHES.items():
                    with Horizontal(classes="row switch-row"):
                        yield Switch(getattr(s, key), id=key)
                        yield Label(label)
            yield Static("", id="problem", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save  (Ctrl+S)", variant="primary", id="save")
        yield Footer()  # over the chat's: this screen's keys

    def on_mount(self) -> None:
        self.query_one("#model", Select).focus()
        self.fit_to(self.settings.model)
        self.load_models()

    @work(exit_on_error=False, exclusive=True)
    async def load_models(self) -> None:
        self.post_message(ModelsLoaded(await self.models()))

    @on(Select.Changed, "#model")
    def model_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.fit_to(event.value)

    def fit_to(self, model_id: str) -> None:
        """Offer the thinking and effort settings ``model_id`` takes; a chosen one it does not take
        becomes the nearest it does, and a line says what the model lacks."""
        catalogue = self.catalogue or Catalogue()
        caps = catalogue.capabilities(model_id)
        thinking, efforts, note = offered(caps)
        editing = self.query_one("#context_editing", Switch)
        editing.disabled = caps is not None and not caps.context_edits
        if editing.disabled:
            editing.value = False
        choice = catalogue.choice(model_id)
        if choice is not None and choice.lifecycle == "retired":
            note = f"{choice.name} is retired: requests to it fail. Pick another model. {note}"
        for key, choices in (("thinking", thinking), ("effort", efforts)):
            select = self.query_one(f"#{key}", Select)
            value = nearest(key, select.value if isinstance(select.value, str) else "", choices)
            select.set_options(choices)
            select.value = value
        self.query_one("#model-caps", Static).update(inert(note))

    def on_models_loaded(self, message: ModelsLoaded) -> None:
        catalogue = self.catalogue = message.catalogue
        select = self.query_one("#model", Select)
        current = select.value if isinstance(select.value, str) else self.settings.model
        select.set_options(model_choices(catalogue, current))
        select.value = current
        self.fit_to(current)
        note = self.query_one("#models-note", Static)
        if catalogue.offline:
            note.update(inert(f"offline list (the API's model list could not be had: {catalogue.note})"))
        else:
            count = len(catalogue.models)
            note.update(f"{count} model{'s' if count != 1 else ''} from the API")

    def chosen(self) -> tuple[dict[str, Any], list[str]]:
        """The options as entered, and what is wrong with them."""
        values: dict[str, Any] = {
            "model": self.query_one("#model", Select).value,
            "system": self.query_one("#system", TextArea).text,
        }
        for key in ("thinking", "effort", "thinking_display"):
            values[key] = self.query_one(f"#{key}", Select).value
        problems = []
        for key in ("max_tokens", "thinking_budget"):
            text = self.query_one(f"#{key}", Input).value.strip()
            try:
                values[key] = int(text)
            except ValueError:
                problems.append(f"{key} must be a whole number")
        for key in SWITCHES:
            values[key] = self.query_one(f"#{key}", Switch).value
        problems += [
            f"{key} {problem}"
            for key, value in values.items()
            if (problem := value_problem(key, value)) is not None
        ]
        return values, problems

    def action_save(self) -> None:
        values, problems = self.chosen()
        if problems:
            self.query_one("#problem", Static).update("; ".join(problems))
            return
        self.dismiss(replace(self.settings, **values).options())

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()
