"""Convodesk client core: domain records, API, cache, sync. No widgets here (see ui/)."""
