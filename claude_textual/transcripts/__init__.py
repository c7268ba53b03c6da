"""Transcripts out of (and later into) the history database."""
