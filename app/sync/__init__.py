"""Keeping the cache in step with the platform: the change feed and the live events."""
