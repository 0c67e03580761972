"""Two uvicorn worker processes on one PostgreSQL database: every WebSocket
subscriber sees every event, in order, whichever worker it is connected to and
whichever worker (or outside writer) made the change."""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.platform import Platform
from tests.server import live

needs_pg = pytest.mark.skipif(
    not os.environ.get("CONVODESK_TEST_PG"),
    reason="several workers need PostgreSQL (LISTEN/NOTIFY); set CONVODESK_TEST_PG to run",
)

SUBSCRIBERS = 8


@pytest.fixture(scope="module")
def two_workers(seeded_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A second platform process with two workers, on the session's (seeded) database."""
    with Platform(seeded_db, workers=2).running(tmp_path_factory.mktemp("multiworker")) as running:
        yield running


@pytest.fixture(scope="module")
def created(db_url: str) -> Iterator[list[str]]:
    ids: list[str] = []
    yield ids
    live.remove_calls(db_url, ids)


def http(base_url: str, username: str) -> httpx.Client:
    """A client that opens a new connection per request, so requests spread over the workers."""
    return httpx.Client(
        base_url=f"{base_url}/api/v1/acme/",
        headers={"Authorization": f"Bearer {live.fresh_token(base_url, username)}", "Connection": "close"},
        timeout=30,
    )


# --- which worker holds a connection (Linux /proc) --------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def _server_side_inode(server_port: int, client_port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return inode
    return None


def worker_of(server: Platform, stream: live.EventStream) -> int | None:
    """The pid of the worker process serving this WebSocket (None where /proc cannot tell)."""
    assert server.process is not None
    client_port = stream.connection.socket.getsockname()[1]
    inode = _server_side_inode(server.port, client_port)
    if inode is None:
        return None
    for pid in _children(server.process.pid):
        if inode in _socket_inodes(pid):
            return pid
    return None


def subscribe_across_workers(server: Platform, token: str, cursor: int) -> list[live.EventStream]:
    """SUBSCRIBERS open connections with both workers represented (where /proc can tell).

    Half resume from `cursor`, half start from "now"; nothing changes in between.
    """
    opened: list[tuple[live.EventStream, int | None]] = []
    for attempt in range(40):
        stream = live.open_events(server.url, token, cursor=cursor if attempt % 2 else None)
        opened.append((stream, worker_of(server, stream)))
        pids = {pid for _, pid in opened}
        if len(opened) >= SUBSCRIBERS and (None in pids or len(pids) >= 2):
            break
    pids = {pid for _, pid in opened}
    # Keep one connection of each worker, fill up with the rest, close the spares.
    keep = [next(s for s, p in opened if p == pid) for pid in pids]
    keep += [s for s, _ in opened if s not in keep][: SUBSCRIBERS - len(keep)]
    for stream, _ in opened:
        if stream not in keep:
            stream.close()
    assert len(keep) == SUBSCRIBERS
    if None not in pids:
        assert len(pids) == 2, f"every connection landed on one worker: {pids}"
    return keep


# --- the test ---------------------------------------------------------------------


@needs_pg
def test_every_subscriber_gets_every_event_in_order(
    two_workers: Platform, platform: Platform, db_url: str, created: list[str]
) -> None:
    token = live.fresh_token(two_workers.url, "supervisor")
    initial = live.head_seq(db_url)
    streams = subscribe_across_workers(two_workers, token, initial)
    try:
        with http(two_workers.url, "supervisor") as sam, http(two_workers.url, "admin") as ada:
            calls = live.create_calls(db_url, 6)
            created.extend(calls)

            def scenario(index: int, cid: str) -> None:
                actor = sam if index % 2 else ada
                for action, body in (
                    ("listen", None),
                    ("takeover", None),
                    ("coach", {"text": f"note {index}"}),
                    ("handback", None),
                ):
                    response = actor.post(f"conversations/{cid}/actions/{action}", json=body)
                    assert response.status_code == 200, response.text
                    live.append_message(db_url, cid, f"{action} heard on {cid}")
                final = "end" if index % 3 else "transfer"
                body = {"destination": "+15550100999"} if final == "transfer" else None
                response = actor.post(f"conversations/{cid}/actions/{final}", json=body)
                assert response.status_code == 200, response.text

            # Several writers at once: HTTP on both workers, direct store writes, and the
            # session's own single-worker platform (a third process).
            with ThreadPoolExecutor(max_workers=4) as pool:
                for future in [pool.submit(scenario, i, cid) for i, cid in enumerate(calls)]:
                    future.result(timeout=120)
            with httpx.Client(
                base_url=f"{platform.url}/api/v1/acme/",
                headers={"Authorization": f"Bearer {live.fresh_token(platform.url, 'supervisor')}"},
                timeout=30,
            ) as elsewhere:
                extra = live.create_call(db_url)
                created.append(extra)
                assert elsewhere.post(f"conversations/{extra}/actions/enqueue").status_code == 200
                assert ada.delete(f"conversations/{extra}").status_code == 204

        expected = [e.seq for e in live.events_after(db_url, "acme", initial)]
        assert len(expected) >= 6 * 10
        for stream in streams:
            deadline = time.monotonic() + 30
            while not stream.received or stream.received[-1]["seq"] < expected[-1]:
                assert time.monotonic() < deadline, (
                    f"subscriber stuck at {len(stream.received)}/{len(expected)}"
                )
                stream.next(timeout=max(0.1, deadline - time.monotonic()))
            assert stream.drain(quiet=0.3) == []
            assert [e["seq"] for e in stream.received] == expected
            assert all(e["cursor"] == str(e["seq"]) for e in stream.received)
        first = streams[0].received
        for stream in streams[1:]:
            assert [(e["type"], e["conversation_id"]) for e in stream.received] == [
                (e["type"], e["conversation_id"]) for e in first
            ]
    finally:
        for stream in streams:
            stream.close()


@needs_pg
def test_cross_worker_delivery_is_prompt(two_workers: Platform, db_url: str, created: list[str]) -> None:
    """Notifications wake every worker: delivery does not wait for the 1 s fallback poll."""
    token = live.fresh_token(two_workers.url, "supervisor")
    streams = subscribe_across_workers(two_workers, token, live.head_seq(db_url))
    try:
        cid = live.create_call(db_url)
        created.append(cid)
        for stream in streams:
            stream.until(lambda e: e["conversation_id"] == cid)
        delays: list[float] = []
        for i in range(8):
            ping = f"ping {i}"

            def is_ping(event: dict[str, Any], text: str = ping) -> bool:
                return bool(event.get("data", {}).get("message", {}).get("text") == text)

            started = time.monotonic()
            live.append_message(db_url, cid, ping)
            for stream in streams:
                stream.until(is_ping)
            delays.append(time.monotonic() - started)
        assert statistics.median(delays) < 0.6, delays
    finally:
        for stream in streams:
            stream.close()


@needs_pg
def test_healthz_on_both_workers(two_workers: Platform) -> None:
    results: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def probe() -> None:
        response = httpx.get(f"{two_workers.url}/healthz", headers={"Connection": "close"}, timeout=10)
        with lock:
            results.append((response.status_code, response.json()))

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(probe) for _ in range(60)]:
            future.result(timeout=30)
    assert results == [(200, {"status": "ok"})] * 60


def test_workers_require_postgresql(tmp_path: Path) -> None:
    """The same command on SQLite refuses to start more than one worker."""
    platform = Platform(f"sqlite:///{tmp_path / 'one.db'}", workers=2)
    with pytest.raises(RuntimeError, match="platform exited"):
        platform.start(tmp_path)
    assert "several workers need PostgreSQL" in platform.log_text()
