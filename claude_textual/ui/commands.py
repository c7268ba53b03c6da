"""The app's commands: the command palette's (Ctrl+P) and the slash commands typed in the prompt box
(parsed in ``ui/slash.py``), with the small dialogs they open to pick a model, a thinking mode or an
effort, to rename or to trash the open conversation.

The base of :class:`~claude_textual.ui.app.ClaudeApp`: the commands act on its chat screen and use
its actions (help, usage, search, export, settings).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from claude_textual.config import EFFORTS, THINKING_MODES, Settings
from claude_textual.core.sanitize import inert
from claude_textual.ui.screens.chat import ChatScreen
from claude_textual.ui.widgets.composer import Composer
from claude_textual.ui.widgets.message_pane import MessagePane
from claude_textual.ui.widgets.prompt import PromptBox
from claude_textual.ui.widgets.sidebar import Sidebar


class Commands(App):
    chat: ChatScreen
    settings: Settings

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, ChatScreen):
            return  # the app's commands act on the chat
        chat = self.chat
        yield SystemCommand("Help: every key", "Keys by where they work (F1)", self.action_help)
        yield SystemCommand(
            "Usage and cost", "Tokens and cost by day and by model (Ctrl+T)", self.action_usage
        )
        yield SystemCommand(
            "New conversation", "Start a new conversation (Ctrl+N)", chat.action_new_conversation
        )
        yield SystemCommand(
            "Open a conversation", "Find it in the list by its title (/ in the list)", self.action_filter
        )
        yield SystemCommand("Search", "Search every message (Ctrl+F)", self.action_search)
        yield SystemCommand(
            "Attach a file", "An image, a PDF or a text file, from a file picker (Ctrl+L)", self.action_attach
        )
        yield SystemCommand(
            "Settings", "This conversation's model, thinking, tools… (Ctrl+O)", self.action_options
        )
        yield SystemCommand(
            "Toggle the conversation list", "Show or hide the list (F2)", self.action_toggle_list
        )
        yield SystemCommand("Model", "Pick this conversation's model (/model)", self.action_pick_model)
        yield SystemCommand(
            "Thinking",
            "Off, adaptive or a budget, for this conversation (/thinking)",
            lambda: self.pick_option("thinking", THINKING_MODES),
        )
        yield SystemCommand(
            "Effort",
            "How hard the model works, for this conversation (/effort)",
            lambda: self.pick_option("effort", EFFORTS),
        )
        if chat.session.conversation_id is not None:  # what needs an open conversation
            yield SystemCommand(
                "Export", "This conversation as Markdown, JSON or HTML (Ctrl+E)", self.action_export
            )
            yield SystemCommand(
                "Retry", "Answer the last prompt again, as a new branch (Ctrl+R)", chat.action_retry
            )
            yield SystemCommand(
                "Copy",
                "The selected message, else the last one (c in the transcript)",
                chat.query_one(MessagePane).action_copy_message,
            )
            yield SystemCommand(
                "Delete this conversation",
                "Move it to the trash, after asking (/delete)",
                self.action_trash_conversation,
            )

    def on_prompt_box_command(self, message: PromptBox.Command) -> None:
        """A slash command from the prompt box: run it (the box is emptied), or say why not (it stays)."""
        from claude_textual.ui.slash import hint, option

        parsed, box = message.parsed, self.chat.query_one(PromptBox)
        if parsed.command is None:
            self.chat.say(hint(parsed.word), title="Not sent", severity="warning", timeout=10)
            return
        argument, composer = parsed.argument, self.chat.query_one(Composer)
        actions = {
            "help": self.action_help,
            "usage": self.action_usage,
            "search": self.action_search,
            "export": self.action_export,
            "settings": self.action_options,
            "new": self.chat.action_new_conversation,
            "retry": self.chat.action_retry,
            "attach": (lambda: composer.attach([argument])) if argument else self.action_attach,
            "title": lambda: self.retitle(argument),
            "delete": self.action_trash_conversation,
        }
        if parsed.command.name == "title" and not argument:
            self.chat.say("/title needs the new title, e.g. /title Trip plans", severity="warning")
            return
        action = actions.get(parsed.command.name)
        change = None if action else option(parsed.command, argument)
        if isinstance(change, str):
            self.chat.say(change, severity="warning")
            return
        box.clear()
        if action is not None:
            self.call_later(action)  # some are coroutines (retry, new): call_later awaits them
        elif change is not None:
            self.set_option(*change)

    @work(exit_on_error=False, group="modal")
    async def action_pick_model(self) -> None:
        """The models (the API's list, else the built-in one) to pick this conversation's from."""
        catalogue = await self.chat.session.models()
        await self.pick(
            "model", [m.id for m in catalogue.models], [f"{m.id} · {m.name}" for m in catalogue.models]
        )

    @work(exit_on_error=False, group="modal")
    async def pick_option(self, key: str, values: tuple[str, ...]) -> None:
        await self.pick(key, list(values), [value or "the API's default" for value in values])

    async def pick(self, key: str, values: list[str], labels: list[str]) -> None:
        """Ask which of ``values`` this conversation's ``key`` takes (the current one marked), then set it."""
        from claude_textual.ui.screens.dialogs import ChoiceScreen

        now = getattr(self.chat.session.effective(), key)
        marked = [
            f"{label}  ← now" if value == now else label for value, label in zip(values, labels, strict=True)
        ]
        index = await self.push_screen_wait(ChoiceScreen(f"This conversation's {key}", marked))
        if index is not None:
            self.set_option(key, values[index])

    @work(exit_on_error=False, group="modal")
    async def retitle(self, title: str) -> None:
        """/title: rename the open conversation."""
        library, conversation_id = self.chat.session.library, self.chat.session.conversation_id
        if library is None or conversation_id is None:
            self.chat.say("Send a prompt first: a new conversation has no title yet.", severity="warning")
            return
        await library.rename(conversation_id, title)
        self.chat.titled(conversation_id, title)
        self.chat.say(f"Renamed: {title}")

    @work(exit_on_error=False, group="modal")
    async def action_trash_conversation(self) -> None:
        """/delete: the list's own trashing, for the open conversation (the chat then starts a new one)."""
        library, conversation_id = self.chat.session.library, self.chat.session.conversation_id
        if library is None or conversation_id is None or self.chat.session.running:
            self.chat.say("There is no conversation to delete (or a reply is streaming).", severity="warning")
            return
        conversation = await library.get(conversation_id)
        sidebar = self.chat.query_one(Sidebar)
        await sidebar.move_to_trash(library, conversation_id, conversation.title if conversation else "")
        sidebar.reload()

    @work(exit_on_error=False, group="modal")
    async def set_option(self, key: str, value: object) -> None:
        session = self.chat.session
        refused = await session.save_options({**session.options, key: value})
        if refused is not None:
            self.chat.refused(refused)
            return
        shown = inert(str(value)) if value != "" else "none"
        self.chat.say(f"This conversation's {key}: {shown}.")
        self.chat.show_settings()
