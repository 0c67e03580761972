"""live: a live event received by the client, applied to its cache, and announced.

A platform (one worker) on the scale's shared database keeps 500 simulated AI calls
in progress (`--simulate-live 500`). The client's own LiveEvents connects to its
events WebSocket with a fresh cache and runs for a while; for every WebSocket
message, the time from its arrival to the end of the notification of its events
(parse, validate, apply to the cache in one transaction, notify listeners) is one
sample per event.

Figure:
  live.apply   p99 ms per event at 500 live calls; bound: parsing and validating
               the same message alone (what any client must do), timed in the
               same run. Goal: <= 50 ms p99.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from pathlib import Path

from app.cache.store import CacheStore
from app.connectivity import Connectivity
from app.domain import LiveEvent, parse_events
from app.sync.live import LiveEvents
from bench.common import BenchPlatform, Context, emit, log, percentile, seeded_database, summary
from bench.sync_bench import TENANT, FixedToken

LIVE_CALLS = 500
GOAL_MS = 50.0
SECONDS = {"quick": 15.0, "full": 40.0}


class TimedLiveEvents(LiveEvents):
    """LiveEvents that times each message from arrival to the end of its notification."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.applied_ms: list[float] = []
        self.parsed_ms: list[float] = []

    async def _apply(self, message: str | bytes) -> None:
        started = time.perf_counter()
        await super()._apply(message)
        done = time.perf_counter()
        parse_started = time.perf_counter()
        count = len(parse_events(message))
        parsed = time.perf_counter() - parse_started
        self.applied_ms += [(done - started) * 1000] * count
        self.parsed_ms += [parsed * 1000] * count


def run(ctx: Context) -> None:
    url = seeded_database(ctx)
    with BenchPlatform(url, ctx.run_dir, simulate=LIVE_CALLS) as platform:
        token = platform.tenant_token("supervisor", TENANT)
        asyncio.run(_run(ctx, platform.url, token))


async def _run(ctx: Context, server_url: str, token: str) -> None:
    seconds = SECONDS[ctx.scale.name]
    with tempfile.TemporaryDirectory(prefix="convodesk-live-") as scratch:
        store = CacheStore.open(Path(scratch) / "cache.db")
        try:
            received: list[LiveEvent] = []

            async def no_resync() -> None:  # measured: events only, not the change feed
                return None

            live = TimedLiveEvents(
                events_url=server_url.replace("http://", "ws://") + f"/api/v1/{TENANT}/events",
                tokens=FixedToken(token),
                store=store,
                tenant=TENANT,
                connectivity=Connectivity(),
                resync=no_resync,
            )
            live.events.subscribe(received.extend)
            task = asyncio.create_task(live.run())
            await asyncio.wait_for(live.connected.wait(), 30)
            await asyncio.sleep(seconds)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        finally:
            store.close()
    log(f"live: {len(received):,} events in {seconds:.0f} s at {LIVE_CALLS} live calls "
        f"({len(received) / seconds:,.0f}/s); applied [{summary(live.applied_ms)}] "
        f"parse only [{summary(live.parsed_ms)}]")
    p99, bound = percentile(live.applied_ms, 99), percentile(live.parsed_ms, 99)
    emit("live.apply", p99, "ms", bound, "<= 50 ms p99", LIVE_CALLS, p99 <= GOAL_MS)
