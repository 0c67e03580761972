"""Waveform peaks of real WAV files: per channel, in range, in slices; bad files refused."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from app.waveform import WaveformError, peaks


def _wav(path: Path, samples: np.ndarray, rate: int = 8000, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(samples.shape[1])
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(samples.astype({1: np.uint8, 2: np.int16}[width]).tobytes())
    return path


def test_stereo_peaks_keep_the_two_speakers_apart(tmp_path: Path) -> None:
    frames = 8000 * 10  # ten seconds
    t = np.arange(frames)
    left = np.where(t < frames // 2, 16384 * np.sin(t / 5), 0)  # the customer speaks, then stops
    right = np.where(t >= frames // 2, 8192 * np.sign(np.sin(t / 3)), 0)  # then the agent
    found = peaks(_wav(tmp_path / "call.wav", np.stack([left, right], axis=1)), buckets=100)
    assert found.channels == 2 and found.low.shape == (2, 100) and found.seconds == 10.0
    assert found.high[0, :50].max() == pytest.approx(0.5, abs=0.01) and found.high[0, 50:].max() == 0
    assert found.high[1, :50].max() == 0 and found.low[1, 50:].min() == pytest.approx(-0.25, abs=0.01)
    assert (found.low <= found.high).all() and found.low.min() >= -1 and found.high.max() <= 1


def test_a_length_not_a_multiple_of_the_slices_and_8_bit_mono(tmp_path: Path) -> None:
    samples = np.full((1001, 1), 255)
    found = peaks(_wav(tmp_path / "short.wav", samples, width=1), buckets=10)
    assert found.low.shape == (1, 10) and found.high.max() == pytest.approx(127 / 128)


@pytest.mark.parametrize(
    "content",
    [
        b"RIFF\x10\x00\x00\x00WAVEfmt garbage",
        b"RIFF\x10\x00\x00\x00WAVEjunk" + bytes(range(256)) * 8,  # a chunk longer than the file
        b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00",  # fmt cut short
        b"",
    ],
)
def test_a_file_that_is_not_a_wav_is_refused_with_a_reason(tmp_path: Path, content: bytes) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(content)
    with pytest.raises(WaveformError) as caught:
        peaks(broken)
    assert "cannot be decoded" in caught.value.message
