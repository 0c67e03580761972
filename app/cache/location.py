"""Where the cache of one (server, user) lives: one file per pair, so that two
accounts or two platforms never see each other's conversations."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit


def cache_path(directory: Path, server_url: str, username: str) -> Path:
    """`<directory>/<host>-<user>-<hash>.sqlite3`: readable, and unique per normalised
    server URL and user (the hash tells apart what the readable part folds together)."""
    parts = urlsplit(server_url.strip())
    host = (parts.hostname or "server").lower()
    port = f":{parts.port}" if parts.port else ""
    normalised = f"{parts.scheme.lower()}://{host}{port}{parts.path.rstrip('/')}"
    digest = hashlib.sha256(f"{normalised}\n{username}".encode()).hexdigest()[:16]
    readable = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{host}-{username}")[:60].strip("._-") or "cache"
    return directory / f"{readable}-{digest}.sqlite3"
