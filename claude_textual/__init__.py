"""claude-textual: a terminal app for working with Anthropic's Claude."""

__version__ = "0.1.0"
