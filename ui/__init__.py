"""The window: PySide6 widgets, Qt models and delegates over the core in `app/`."""
