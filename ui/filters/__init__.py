"""The filters panel: one collapsible, switchable section per field of the Filter (docs/filters.md)."""

from ui.filters.panel import FiltersPanel

__all__ = ["FiltersPanel"]
