"""Exports of what the user sees: the filtered table as CSV."""
