"""Real media for the seed: synthesized call recordings and artifact files.

Voice clips are spoken with espeak-ng (two voices), resampled with sox and
mixed here into one stereo WAV: customer on the left channel, agent on the
right, so a player can show who speaks when. Artifacts are small but genuine
CSV, PNG and PDF files so that previews and downloads can be tested for real.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import random
import shutil
import subprocess
import wave
from array import array
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from server.seed import function_calls, scripts, text
from server.seed.records import BlobRecord

SAMPLE_RATE = 8000  # telephony rate; keeps a 60 s stereo clip under 2 MB
_SAMPLES_PER_MS = SAMPLE_RATE // 1000
CUSTOMER_VOICE = "en-us+f3"
AGENT_VOICE = "en-gb+m3"
_SPEED_WPM = 170


@dataclass
class VoiceClip:
    blob: BlobRecord
    turns: list[tuple[str, str, int, int]]  # (role, text, offset_ms, duration_ms)
    duration_ms: int
    script: str = ""  # key of the scripts.Script it was spoken from
    context: dict[str, str] = field(default_factory=dict)  # values spoken in it (order number...)


def sha256_blob(data: bytes, media_type: str) -> BlobRecord:
    return BlobRecord(sha256=hashlib.sha256(data).hexdigest(), media_type=media_type, data=data)


# -- voice -------------------------------------------------------------------------


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None


def _synthesize(text_: str, voice: str, path: Path) -> array[int]:
    """Speak one turn; return its mono 16-bit samples at SAMPLE_RATE."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(_SPEED_WPM), "-w", str(raw), text_],
                   check=True, capture_output=True)
    # -R: repeatable dither seed, -D: no dither at all, so the output is byte-identical run to run.
    subprocess.run(["sox", "-R", "-D", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(path)],
                   check=True, capture_output=True)
    with wave.open(str(path), "rb") as w:
        if w.getframerate() != SAMPLE_RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise RuntimeError(f"unexpected WAV format from sox: {path}")
        samples = array("h", w.readframes(w.getnframes()))
    raw.unlink(missing_ok=True)
    path.unlink(missing_ok=True)
    return samples


def _pick_scripts(count: int, rng: random.Random) -> list[scripts.Script]:
    # Roughly a third outbound (clip 1, 4, 7...), so even count=2 has both directions.
    inbound = [s for s in scripts.VOICE_SCRIPTS if s.direction == "inbound"]
    outbound = [s for s in scripts.VOICE_SCRIPTS if s.direction == "outbound"]
    rng.shuffle(inbound)
    rng.shuffle(outbound)
    picked: list[scripts.Script] = []
    used = {"inbound": 0, "outbound": 0}
    for i in range(count):
        direction, pool = ("outbound", outbound) if i % 3 == 1 else ("inbound", inbound)
        picked.append(pool[used[direction] % len(pool)])
        used[direction] += 1
    return picked


def _clip_context(rng: random.Random) -> dict[str, str]:
    ctx = function_calls.scenario_context(rng)
    ctx["first"] = rng.choice(text.FIRST_NAMES)
    ctx["last"] = rng.choice(text.LAST_NAMES)
    ctx["agent"] = rng.choice(text.AGENT_NAMES)
    ctx["phone"] = f"+1{rng.choice(text.AREA_CODES)}55501{rng.randrange(100):02d}"
    ctx["email"] = f"{ctx['first'].lower()}.{ctx['last'].lower()}@example.com"
    return ctx


def _mix(
    turn_samples: list[tuple[str, array[int]]], rng: random.Random
) -> tuple[bytes, list[tuple[int, int]], int]:
    """Place turns one after another on their channel.

    Returns the WAV bytes, (offset_ms, duration_ms) per turn and the length in ms.
    """
    timing: list[tuple[int, int]] = []
    cursor = rng.randint(250, 600)  # pick-up delay before the first word
    for _, samples in turn_samples:
        duration = -(-len(samples) // _SAMPLES_PER_MS)  # ceil to whole ms; the rest is silence
        timing.append((cursor, duration))
        cursor += duration + rng.randint(300, 700)
    total_ms = timing[-1][0] + timing[-1][1] + 400
    stereo = array("h", bytes(total_ms * _SAMPLES_PER_MS * 4))
    for (role, samples), (offset, _) in zip(turn_samples, timing, strict=True):
        start = offset * _SAMPLES_PER_MS * 2 + (0 if role == "customer" else 1)  # left / right channel
        stereo[start:start + 2 * len(samples):2] = samples
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(stereo.tobytes())
    return buf.getvalue(), timing, total_ms


def make_voice_clips(count: int, rng: random.Random, workdir: Path, *, workers: int = 4) -> list[VoiceClip]:
    """`count` stereo call recordings of scripted conversations (see scripts.VOICE_SCRIPTS).

    The scripts never name the company, so one set of clips serves every tenant.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    plans: list[tuple[scripts.Script, dict[str, str], list[tuple[str, str]]]] = []
    for script in _pick_scripts(count, rng):
        ctx = _clip_context(rng)
        plans.append((script, ctx, [(role, tpl.format_map(ctx)) for role, tpl in script.turns]))
    jobs = [(i, j, spoken, CUSTOMER_VOICE if role == "customer" else AGENT_VOICE)
            for i, (_, _, turns) in enumerate(plans) for j, (role, spoken) in enumerate(turns)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        audio = list(pool.map(lambda job: _synthesize(job[2], job[3], workdir / f"clip{job[0]}_{job[1]}.wav"),
                              jobs))
    by_clip: dict[int, list[array[int]]] = {}
    for (i, _, _, _), samples in zip(jobs, audio, strict=True):
        by_clip.setdefault(i, []).append(samples)
    clips: list[VoiceClip] = []
    for i, (script, ctx, turns) in enumerate(plans):
        voiced = [(role, s) for (role, _), s in zip(turns, by_clip[i], strict=True)]
        data, timing, total_ms = _mix(voiced, rng)
        clips.append(VoiceClip(
            blob=sha256_blob(data, "audio/wav"),
            turns=[(role, spoken, off, dur)
                   for (role, spoken), (off, dur) in zip(turns, timing, strict=True)],
            duration_ms=total_ms,
            script=script.key,
            context=ctx,
        ))
    return clips


# -- artifacts -----------------------------------------------------------------------

# Names the AI gives each pool entry, by kind and pool index.
ARTIFACT_NAMES: dict[str, tuple[str, ...]] = {
    "csv": ("order_history.csv", "call_log.csv", "invoice_lines.csv", "contacts_export.csv"),
    "image": ("weekly_call_volume.png", "daily_orders.png", "resolution_rate.png", "wait_times.png"),
    "pdf": ("account_summary.pdf", "incident_report.pdf", "monthly_statement.pdf"),
}
_FIXED_DATE = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)  # PDF metadata; keeps bytes reproducible
# Cells that look like spreadsheet formulas, the way real exports contain them.
_FORMULA_CELLS = ("=SUM(A1:A3)", "+1 call back", "-10% discount applied", "@support follow-up",
                  '=HYPERLINK("http://example.com","details")', "-", "+", "=1+1")


def _csv_bytes(header: list[str], rows: Sequence[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _csv_pool(rng: random.Random) -> list[bytes]:
    def note() -> str:
        if rng.random() < 0.15:
            return rng.choice(_FORMULA_CELLS)
        return rng.choice(("", "gift wrap", "ok", "priority"))

    orders = [[f"{rng.randrange(100000, 999999)}", f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
               rng.choice(text.PRODUCTS), rng.randint(1, 4), f"{rng.randrange(500, 40000) / 100:.2f}",
               rng.choice(text.ORDER_STATES), note()] for _ in range(rng.randint(20, 120))]
    calls = [[f"2024-11-{rng.randint(1, 30):02d}T{rng.randint(8, 19):02d}:{rng.randint(0, 59):02d}:00Z",
              f"+1{rng.choice(text.AREA_CODES)}55501{rng.randrange(100):02d}", rng.randint(15, 900),
              rng.choice(("completed", "abandoned", "human_handoff", "no_answer")),
              rng.choice(text.AGENT_NAMES), note()] for _ in range(rng.randint(30, 200))]
    lines = [[i + 1, rng.choice(("Monthly plan", "Late fee", "Credit", "Equipment rental", "Discount")),
              f"{rng.randrange(-3000, 9000) / 100:.2f}"] for i in range(rng.randint(10, 25))]
    people = []
    for _ in range(rng.randint(10, 60)):
        first, last = rng.choice(text.FIRST_NAMES), rng.choice(text.LAST_NAMES)
        people.append([f"{first} {last}", f"{first.lower()}.{last.lower()}@example.org",
                       f"+1 {rng.choice(text.AREA_CODES)} 555 01{rng.randrange(100):02d}", note()])
    return [
        _csv_bytes(["order_id", "date", "item", "qty", "unit_price", "status", "notes"], orders),
        _csv_bytes(["started_at", "phone", "duration_s", "outcome", "agent", "notes"], calls),
        _csv_bytes(["line", "description", "amount"], lines),
        _csv_bytes(["name", "email", "phone", "notes"], people),
    ]


def _nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, so axis labels are round numbers."""
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _chart_png(title: str, labels: list[str], values: list[float], kind: str, y_label: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont  # lazily, like fpdf below

    width, height, left, right, top, bottom = 600, 400, 80, 20, 50, 60
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=13)  # bundled font: same pixels on every machine
    title_font = ImageFont.load_default(size=18)
    draw.text((width // 2, 22), title, fill="black", font=title_font, anchor="mm")
    x0, y0, x1, y1 = left, height - bottom, width - right, top
    tick = _nice_step(max(values) / 5)
    ticks = int(max(values) // tick) + 1
    top_value = tick * ticks
    for i in range(ticks + 1):  # horizontal grid with y tick labels
        y = y0 - (y0 - y1) * i / ticks
        draw.line((x0, y, x1, y), fill=(225, 225, 225))
        draw.text((x0 - 8, y), f"{tick * i:g}", fill="black", font=font, anchor="rm")
    draw.line((x0, y0, x1, y0), fill="black", width=2)
    draw.line((x0, y0, x0, y1), fill="black", width=2)
    step = (x1 - x0) / len(values)
    points = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        cx = x0 + step * (i + 0.5)
        cy = y0 - (y0 - y1) * value / top_value
        points.append((cx, cy))
        if kind == "bar":
            draw.rectangle((cx - step * 0.35, cy, cx + step * 0.35, y0), fill=(66, 133, 244))
        if len(labels) <= 12 or i % 5 == 0:
            draw.text((cx, y0 + 12), label, fill="black", font=font, anchor="mm")
    if kind == "line":
        draw.line(points, fill=(219, 68, 55), width=3)
        for cx, cy in points:
            draw.ellipse((cx - 3, cy - 3, cx + 3, cy + 3), fill=(219, 68, 55))
    draw.text((14, (y0 + y1) // 2), y_label, fill="black", font=font, anchor="lm")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _image_pool(rng: random.Random) -> list[bytes]:
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    month = [str(d) for d in range(1, 31)]
    return [
        _chart_png("Calls per weekday", days, [rng.randint(300, 900) if d not in ("Sat", "Sun")
                                               else rng.randint(80, 300) for d in days], "bar", "calls"),
        _chart_png("Orders per day (November)", month, [rng.randint(40, 160) for _ in month], "line",
                   "orders"),
        _chart_png("Resolution rate by week", [f"W{i}" for i in range(1, 9)],
                   [rng.randint(62, 94) for _ in range(8)], "line", "%"),
        _chart_png("Average wait time by hour", [f"{h}h" for h in range(8, 20)],
                   [rng.randint(10, 240) for _ in range(12)], "bar", "sec"),
    ]


def _pdf_report(
    title: str, paragraph: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]
) -> bytes:
    from fpdf import FPDF  # imported lazily: generator workers import this module but never draw

    pdf = FPDF()
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_title(title)
    pdf.set_author("Reference platform")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table() as table:
        for row in (header, *rows):
            cells = table.row()
            for value in row:
                cells.cell(value)
    return bytes(pdf.output())


def _pdf_pool(rng: random.Random) -> list[bytes]:
    first, last = rng.choice(text.FIRST_NAMES), rng.choice(text.LAST_NAMES)
    charges = [(f"2024-{m:02d}", rng.choice(text.PLANS), f"${rng.randrange(2000, 12000) / 100:.2f}")
               for m in range(1, rng.randint(4, 9))]
    incidents = [(f"INC-{rng.randrange(1000, 9999)}", rng.choice(("Outage", "Slow speed", "Billing error")),
                  rng.choice(("resolved", "open", "monitoring"))) for _ in range(rng.randint(3, 8))]
    lines = [(rng.choice(("Monthly plan", "Late fee", "Credit", "Equipment rental")),
              f"${rng.randrange(-3000, 9000) / 100:.2f}") for _ in range(rng.randint(4, 10))]
    return [
        _pdf_report(f"Account summary - {first} {last}",
                    "This summary lists the plan and charges on the account over the last months, as "
                    "requested during the conversation. Amounts include taxes.",
                    ("Month", "Plan", "Amount"), charges),
        _pdf_report("Incident report",
                    "Incidents reported for the customer's service address. Open incidents are being worked "
                    "on by the field team; the customer will be notified when they are resolved.",
                    ("Incident", "Type", "Status"), incidents),
        _pdf_report("Monthly statement",
                    "Statement of charges and credits for the current billing period.",
                    ("Description", "Amount"), lines),
    ]


def make_artifact_blobs(rng: random.Random) -> dict[str, list[BlobRecord]]:
    """Pools of real files an AI agent might attach: CSV exports, PNG charts, PDF reports."""
    return {
        "csv": [sha256_blob(d, "text/csv") for d in _csv_pool(rng)],
        "image": [sha256_blob(d, "image/png") for d in _image_pool(rng)],
        "pdf": [sha256_blob(d, "application/pdf") for d in _pdf_pool(rng)],
    }
