"""The window bench's scratch place: a private copy of the bench cache where the app looks for it.

The window opens offline the way a supervisor's does: the settings name the last user
and tenant, the server address is a loopback port nobody listens on, and the cache
file of that (server, user) pair (app.cache.location) is a copy of the cache bench's
file. A copy, because the window writes to its cache (the live phase applies events)
and the cache bench's file must stay as built. Children run on Qt's offscreen platform
with one 1920x1080 screen at 96 dpi (its default screen is 800x800, which would shrink
the window and what it paints), with their own XDG directories, so that no QSettings or
keyring of the machine's user is read or written.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from app.cache.location import cache_path
from app.settings import ClientSettings, save_settings
from bench.cache_build import TENANT, BuiltCache
from bench.common import log

USERNAME = "supervisor"
SCREEN = {
    "name": "bench",
    "x": 0,
    "y": 0,
    "width": 1920,
    "height": 1080,
    "logicalDpi": 96,
    "logicalBaseDpi": 96,
}


@dataclass(frozen=True)
class Scratch:
    root: Path
    settings: Path  # the settings file (--settings)
    server_url: str  # a loopback address with nothing listening
    cache: Path  # the copy of the bench cache, where the app looks for it
    now: str  # the instant the cache's data is laid out against (ISO)
    conversations: int
    full: int  # of them with full records

    def env(self) -> dict[str, str]:
        """The environment of every window child: offscreen, its own config and data folders."""
        env = dict(os.environ)
        env.update(
            QT_QPA_PLATFORM=f"offscreen:configfile={self.root / 'screen.json'}",
            XDG_CONFIG_HOME=str(self.root / "config"),
            XDG_DATA_HOME=str(self.root / "data"),
            XDG_RUNTIME_DIR=str(self.root / "runtime"),
            PYTHONUNBUFFERED="1",
        )
        # An installed app has its modules compiled; the warm-up launch writes them here (with
        # PYTHONDONTWRITEBYTECODE set, every launch would compile the project's source again).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def spec(self) -> str:
        """What the in-process child needs, as JSON."""
        return json.dumps(
            {
                "settings": str(self.settings),
                "server": self.server_url,
                "cache": str(self.cache),
                "now": self.now,
                "tenant": TENANT,
                "conversations": self.conversations,
                "full": self.full,
            }
        )


def closed_port() -> int:
    """A loopback port that was free a moment ago: connecting to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(built: BuiltCache, root: Path) -> Scratch:
    """Settings, folders and a fresh copy of the built cache under `root`."""
    for folder in ("config", "data", "runtime", "cache"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    os.chmod(root / "runtime", 0o700)
    (root / "screen.json").write_text(json.dumps({"screens": [SCREEN]}))
    server_url = f"http://127.0.0.1:{closed_port()}"
    settings = ClientSettings(
        server_url=server_url,
        cache_directory=root / "cache",
        last_username=USERNAME,
        last_tenant=TENANT,
    )
    settings_file = root / "settings.json"
    save_settings(settings, settings_file)
    target = cache_path(root / "cache", settings.server_url, USERNAME)
    _copy(Path(built.path), target)
    return Scratch(
        root, settings_file, settings.server_url, target, built.now, built.conversations, built.full
    )


def _copy(source: Path, target: Path) -> None:
    started = time.perf_counter()
    for stale in target.parent.glob(target.name + "*"):
        if stale.is_file():
            stale.unlink()
    wal = source.with_name(source.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        # Pages still in the write-ahead log: the backup API copies what a reader sees.
        src, dst = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        how = "sqlite3 backup"
    else:
        shutil.copyfile(source, target)
        how = "file copy"
    size = target.stat().st_size
    log(
        f"window: cache copied to {target} ({size / 2**20:,.0f} MB, {how}) in "
        f"{time.perf_counter() - started:.1f} s"
    )


def remove(scratch: Scratch) -> None:
    """The copy of the cache (GBs at the full scale); the logs and settings stay."""
    for path in scratch.cache.parent.glob(scratch.cache.name + "*"):
        if path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
