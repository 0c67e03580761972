"""What can go wrong with the cache, typed, each with a message for the user."""

from __future__ import annotations

from pathlib import Path


class CacheError(Exception):
    """The cache could not do what was asked; `message` says so in plain words."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail  # technical detail for logs (never shown as rich text)


class CacheCorrupt(CacheError):
    """The cache file is damaged. On open it has been moved aside (`moved_to`) and a
    fresh, empty cache created: what was cached will be fetched again when online."""

    def __init__(self, path: Path, *, moved_to: Path | None = None, detail: str = "") -> None:
        if moved_to is not None:
            message = (
                f"The offline cache was damaged and has been rebuilt. The damaged file was kept as "
                f"{moved_to.name}; conversations will be downloaded again when the server is reachable."
            )
        else:
            message = "The offline cache is damaged; it will be rebuilt the next time Convodesk starts."
        super().__init__(message, detail=detail)
        self.path = path
        self.moved_to = moved_to


class CacheFull(CacheError):
    """The disk (or the cache's hard size limit) is full. The write was rolled back;
    nothing cached before it was lost."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "The offline cache could not be written: the disk or the cache's size limit is full. "
            "Free some space or lower the cache size; nothing already cached was lost.",
            detail=detail,
        )


class CacheSchemaTooNew(CacheError):
    """The cache was written by a newer Convodesk; this one will not touch it."""

    def __init__(self, path: Path, revision: str) -> None:
        super().__init__(
            f"The offline cache at {path} was created by a newer version of Convodesk "
            f"(schema {revision}). Update Convodesk, or remove the cache to start afresh.",
            detail=f"unknown schema revision {revision}",
        )
        self.path = path
        self.revision = revision


class CacheBusy(CacheError):
    """Another process holds the cache (e.g. a second Convodesk on the same account)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "The offline cache is in use by another Convodesk window; try again in a moment.",
            detail=detail,
        )


class NotCached(CacheError):
    """Offline, and this conversation (or one of its files) is not on this computer."""

    def __init__(self, conversation_id: str, *, what: str | None = None) -> None:
        if what is None:
            message = (
                f"Conversation {conversation_id} is not available offline: it has not been opened on "
                "this computer. It opens once the server is reachable."
            )
        else:
            message = f"{what} is not available offline (it was not kept offline with its conversation)."
        super().__init__(
            message, detail=f"not in the cache: {what or 'the full record'} of {conversation_id}"
        )
        self.conversation_id = conversation_id


class DamagedRow(ValueError):
    """A cached row holds a value no record can (the file is damaged or was edited).
    Raised while decoding rows; reads report it as CacheCorrupt."""
