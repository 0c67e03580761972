"""`python main.py export --view NAME --out FILE.csv [--offline]`: a saved view to CSV
without the window (calibredb's habit: the same library, from a shell).

Online, the view and its rows come from the platform, signed in as the window last was
(the stored sign-in in the OS keyring); with --offline, both come from the offline cache
of that user and server, and nothing goes to the network. Exit codes: 0 done, 1 failed
(one line says why), 2 bad arguments or unknown view, 130 interrupted (Ctrl+C). A file
is only ever replaced by a complete export.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from app.api.auth.session import AuthSession
from app.api.client import ApiClient
from app.api.errors import ApiError, Offline
from app.cache.errors import CacheError
from app.cache.location import cache_path
from app.cache.store import CacheStore
from app.domain import Filter, Sort, TableColumn, UsedFor, View
from app.domain.view import DEFAULT_COLUMNS
from app.export.csv_table import ExportError
from app.export.sources import export_cache, export_server
from app.settings import ClientSettings, cache_directory, load_settings

PROG = "convodesk export"
OK, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 130


class CommandError(Exception):
    """A failure to report in one line, with its exit code."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class ExportView:
    """What an export takes from a view."""

    name: str
    filter: Filter
    sort: Sort
    columns: tuple[TableColumn, ...]

    @classmethod
    def of(cls, view: View) -> ExportView:
        return cls(view.name, view.filter, view.sort, view.known_columns or DEFAULT_COLUMNS)


# Every tenant's built-in views (docs: DESIGN §1), for an offline cache that has never
# listed the platform's views.
BUILTIN_VIEWS = (
    ExportView("All Conversations", Filter(), Sort(), DEFAULT_COLUMNS),
    ExportView("Production Calls", Filter(used_for=UsedFor.PRODUCTION), Sort(), DEFAULT_COLUMNS),
    ExportView("Test Calls", Filter(used_for=UsedFor.TEST), Sort(), DEFAULT_COLUMNS),
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Export the conversations of a saved view to a CSV file (UTF-8, Excel-safe).",
    )
    parser.add_argument(
        "--view", required=True, metavar="NAME", help="the view's name, e.g. 'All Conversations'"
    )
    parser.add_argument("--out", required=True, metavar="FILE.csv", type=Path, help="the file to write")
    parser.add_argument(
        "--offline", action="store_true", help="export from the offline cache only, without the network"
    )
    parser.add_argument("--settings", metavar="FILE", type=Path, help="settings file (default: the user's)")
    parser.add_argument("--server", metavar="URL", help="the platform's address (default: the settings')")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the export command (its arguments, after main.py's `export`; a leading `export`
    is taken too); returns the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["export"]:
        argv = argv[1:]
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage or the help
        return exc.code if isinstance(exc.code, int) else USAGE
    try:
        settings = _settings(args.settings, args.server)
        out: Path = args.out.expanduser()
        progress = ProgressBar(sys.stderr)
        if args.offline:
            written = _export_offline(settings, args.view, out, progress)
        else:
            written = asyncio.run(_export_online(settings, args.view, out, progress))
        progress.done()
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted; nothing was written.", file=sys.stderr)
        return INTERRUPTED
    except CommandError as exc:
        print(f"{PROG}: {exc.message}", file=sys.stderr)
        return exc.code
    except (ExportError, CacheError, ApiError) as exc:
        print(f"{PROG}: {exc.message}", file=sys.stderr)
        return FAILED
    except Exception as exc:  # a one-line message, never a traceback
        print(f"{PROG}: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return FAILED
    noun = "conversation" if written == 1 else "conversations"
    print(f"Exported {written:,} {noun} to {out}")
    return OK


def _settings(path: Path | None, server: str | None) -> ClientSettings:
    settings = load_settings(path)
    if server is not None:
        try:
            url = ClientSettings(server_url=server).server_url
        except ValidationError:
            raise CommandError(f"{server!r} is not a server address (http:// or https://).", USAGE) from None
        settings = settings.model_copy(update={"server_url": url})
    return settings


def pick_view(views: Sequence[ExportView], name: str) -> ExportView:
    """The view of this name (exactly, else ignoring case); CommandError listing the views."""
    exact = [v for v in views if v.name == name]
    folded = [v for v in views if v.name.casefold() == name.casefold()]
    if exact or folded:
        return (exact or folded)[0]
    names = ", ".join(dict.fromkeys(v.name for v in views)) or "none"
    raise CommandError(f"there is no view named {name!r}. Available views: {names}.", USAGE)


# --- offline ---------------------------------------------------------------------------------


def _export_offline(settings: ClientSettings, name: str, out: Path, progress: ProgressBar) -> int:
    user, tenant = settings.last_username, settings.last_tenant
    if user is None or tenant is None:
        raise CommandError(
            f"there is no offline cache for {settings.server_url}: sign in with Convodesk first."
        )
    path = cache_path(cache_directory(settings), settings.server_url, user)
    if not path.exists():
        raise CommandError(
            f"there is no offline cache of {user} on {settings.server_url} (looked for {path})."
        )
    with CacheStore.open(path) as store:
        views = [ExportView.of(v) for v in store.views(tenant)] or list(BUILTIN_VIEWS)
        view = pick_view(views, name)
        return export_cache(
            store, tenant, view.filter, view.sort, view.columns, out, now=datetime.now(UTC), progress=progress
        )


# --- online ----------------------------------------------------------------------------------


async def _export_online(settings: ClientSettings, name: str, out: Path, progress: ProgressBar) -> int:
    session = AuthSession(settings)
    try:
        try:
            me = await session.restore(settings.last_username)
        except Offline as exc:
            raise CommandError(f"{exc.message} (--offline exports from the offline cache.)") from None
        if me is None:
            raise CommandError(
                f"you are not signed in to {settings.server_url}: sign in with Convodesk first "
                "(or export with --offline)."
            )
        if session.tenant is None:  # the client's URLs name it
            raise CommandError("choose an organisation in Convodesk first: you belong to several.")
        async with ApiClient(session, settings) as api:
            view = pick_view([ExportView.of(v) for v in await api.views()], name)
            return await export_server(api, view.filter, view.sort, view.columns, out, progress=progress)
    finally:
        await session.aclose()


# --- progress --------------------------------------------------------------------------------


class ProgressBar:
    """`[#####.....] 12,345/100,000  12%` on a terminal, redrawn in place a few times a
    second; nothing when the stream is not a terminal (a log, a pipe)."""

    WIDTH = 30

    def __init__(self, stream: TextIO, *, interval: float = 0.1) -> None:
        self._stream = stream
        self._shown = stream.isatty()
        self._interval = interval
        self._last = 0.0
        self._drawn = False

    def __call__(self, written: int, expected: int) -> None:
        if not self._shown:
            return
        now = time.monotonic()
        if now - self._last < self._interval and written < expected:
            return
        self._last = now
        share = 1.0 if expected <= 0 else min(1.0, written / expected)
        filled = round(share * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self._stream.write(f"\r[{bar}] {written:,}/{expected:,} {share:4.0%}")
        self._stream.flush()
        self._drawn = True

    def done(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False
