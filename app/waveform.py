"""A recording's waveform: the min and max of each slice of samples, per channel.

Computed off the GUI thread from a WAV file (the platform's recordings are PCM WAV; stereo
ones carry the customer and the agent apart), reading a block of frames at a time so that an
hour of audio never sits in memory whole. The waveform view draws these peaks.
"""

from __future__ import annotations

import struct
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

BUCKETS = 4000  # peaks across the whole recording: finer than any screen is wide
_BLOCK_FRAMES = 1 << 18
_DTYPES = {1: np.uint8, 2: np.int16, 4: np.int32}


class WaveformError(Exception):
    """The recording cannot be read as PCM WAV; `message` says why in plain words."""

    def __init__(self, detail: str) -> None:
        self.message = "The recording cannot be decoded, so its waveform cannot be shown."
        self.detail = detail
        super().__init__(self.message)


@dataclass(frozen=True)
class Peaks:
    """`low` and `high` of shape (channels, buckets), in -1..1; `seconds` the recording's length."""

    low: npt.NDArray[np.float32]
    high: npt.NDArray[np.float32]
    seconds: float

    @property
    def channels(self) -> int:
        return int(self.low.shape[0])


def peaks(path: Path, buckets: int = BUCKETS) -> Peaks:
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate, frames = (
                wav.getnchannels(),
                wav.getsampwidth(),
                wav.getframerate(),
                wav.getnframes(),
            )
            if width not in _DTYPES or channels < 1 or rate <= 0:
                raise WaveformError(f"unsupported WAV: {channels} channels, {8 * width}-bit, {rate} Hz")
            per_bucket = max(1, -(-frames // buckets))  # frames in one bucket (ceil)
            shown = -(-frames // per_bucket) if frames else 0
            low = np.zeros((channels, shown), dtype=np.float32)
            high = np.zeros((channels, shown), dtype=np.float32)
            scale, offset = _normalisation(width)
            block = max(per_bucket, _BLOCK_FRAMES // per_bucket * per_bucket)  # whole buckets per read
            done = 0
            while done < frames:
                raw = wav.readframes(block)
                if not raw:
                    break
                samples = np.frombuffer(raw, dtype=_DTYPES[width]).reshape(-1, channels)
                count = samples.shape[0]
                first, slices = done // per_bucket, -(-count // per_bucket)
                for channel in range(channels):
                    # One channel contiguous, then min/max along rows: numpy's fast path (a reduction
                    # across interleaved channels is several times slower).
                    column = np.ascontiguousarray(samples[:, channel])
                    padded = np.pad(column, (0, slices * per_bucket - count), mode="edge")
                    grouped = padded.reshape(slices, per_bucket)
                    low[channel, first : first + slices] = (
                        grouped.min(axis=1).astype(np.float32) - offset
                    ) / scale
                    high[channel, first : first + slices] = (
                        grouped.max(axis=1).astype(np.float32) - offset
                    ) / scale
                done += count
    # The wave module has no single error for a malformed file: a chunk that claims more than
    # the file holds ends in EOFError, RuntimeError or struct.error as well as wave.Error.
    except (wave.Error, EOFError, ValueError, RuntimeError, struct.error, OSError) as exc:
        raise WaveformError(f"{type(exc).__name__}: {exc}") from None
    return Peaks(low, high, frames / rate)


def _normalisation(width: int) -> tuple[float, float]:
    """(scale, offset) taking samples of `width` bytes to -1..1 (8-bit WAV is unsigned)."""
    if width == 1:
        return 128.0, 128.0
    return float(2 ** (8 * width - 1)), 0.0
