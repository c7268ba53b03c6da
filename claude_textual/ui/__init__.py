"""The Textual user interface. Everything that imports Textual lives below here."""
