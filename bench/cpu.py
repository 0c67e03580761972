"""Where the CPU went during a phase (Linux /proc; best effort, for the stderr log only)."""

from __future__ import annotations

import os
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user+system CPU seconds) of a process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _all() -> dict[int, tuple[int, float]]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                out[int(entry.name)] = stat
    return out


def _tree(root: int, procs: dict[int, tuple[int, float]]) -> set[int]:
    members, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in procs.items() if ppid == parent and pid not in members]
        members.update(children)
        frontier.extend(children)
    return members


def _system() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


class CpuMeter:
    """CPU seconds used by named process trees (and postgres, and the machine) between start and stop."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = roots
        self._start: dict[str, float] = {}
        self._system: tuple[float, float] = (0.0, 0.0)
        self._wall = 0.0

    def _sample(self) -> dict[str, float]:
        procs = _all()
        groups: dict[str, float] = {}
        seen: set[int] = set()
        for name, root in self.roots.items():
            members = _tree(root, procs) - seen
            seen |= members
            groups[name] = sum(procs[p][1] for p in members if p in procs)
        groups["postgres"] = sum(cpu for pid, (_, cpu) in procs.items() if _comm(pid).startswith("postgres"))
        return groups

    def start(self) -> None:
        self._start = self._sample()
        self._system = _system()
        self._wall = time.monotonic()

    def report(self) -> str:
        end = self._sample()
        busy, total = _system()
        wall = time.monotonic() - self._wall
        cores = (total - self._system[1]) / wall if wall > 0 else 0.0
        parts = [f"{name} {end[name] - self._start.get(name, 0.0):.1f}" for name in end]
        machine = f"machine busy {busy - self._system[0]:.1f} of {total - self._system[1]:.1f}"
        return f"CPU s over {wall:.1f} s ({cores:.0f} cores): " + ", ".join(parts) + f"; {machine}"
