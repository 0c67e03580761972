"""The conversation detail view: transcript, facts, and (later) flow and audio."""
