"""The conversation detail view: transcript, facts, flow graph, artifacts, export and delete."""
