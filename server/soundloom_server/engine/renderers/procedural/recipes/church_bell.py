"""Church bell: a big cast bell tolling, or a ring of bells pealing rounds and changes.

Each bell is modal (hum, prime, tierce, quint, nominal and upper partials, each a beating
doublet). A toll is one bell swung slowly, a stroke every few seconds; a peal is a ring of six
or eight bells tuned to a descending major scale, struck in turn about a quarter second apart,
rows changing by plain hunt (adjacent bells swap places each row) with the handstroke gap of
full-circle ringing. The tower and the streets around it add a short outdoor echo.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._bells import bell_ir, clank, ring
from soundloom_server.engine.renderers.procedural.recipes._music import hall

ACTION = ParamSpec(
    "action", "toll", choices=("toll", "peal"), doc="toll: one bell, slow strokes; peal: a ring"
)
MAJOR_DOWN = (12, 11, 9, 7, 5, 4, 2, 0)  # treble to tenor, semitones above the tenor


def tenor_prime_hz(size: float) -> float:
    """Prime of the biggest bell: ~330 Hz for a small tower, ~125 Hz for a cathedral's."""
    return float(330.0 * 2.0 ** (-1.4 * size))


def plain_hunt(bells: int, rows: int) -> np.ndarray:
    """Rows of plain hunt: rounds, then alternately swap pairs (1-2, 3-4..) and (2-3, 4-5..)."""
    row = np.arange(bells)
    out = np.empty((rows, bells), np.int64)
    for r in range(rows):  # a few dozen rows
        out[r] = row
        start = r % 2
        row = row.copy()
        for i in range(start, bells - 1, 2):
            row[i], row[i + 1] = row[i + 1], row[i]
    return out


def _toll(rng: np.random.Generator, seconds: float, size: float) -> tuple[np.ndarray, ...]:
    """(times, bell index, level): one bell swung every ~2 s, each stroke a little uneven."""
    period = rng.uniform(2.2, 2.9) * (0.8 + 0.4 * size)
    count = int(seconds / period) + 2
    times = np.arange(count) * period + rng.normal(0.0, 0.03 * period, count)
    return times, np.zeros(count, np.int64), rng.uniform(0.8, 1.0, count)


def _peal(rng: np.random.Generator, seconds: float, bells: int) -> tuple[np.ndarray, ...]:
    """(times, bell index, level): rows of plain hunt at ~0.23 s a blow, handstroke gaps."""
    blow = rng.uniform(0.21, 0.26)
    per_pair = 2 * bells + 1  # a handstroke row, a backstroke row, then one blow of silence
    rows = int(seconds / (blow * per_pair)) * 2 + 4
    order = plain_hunt(bells, rows) if rng.random() < 0.7 else np.tile(np.arange(bells), (rows, 1))
    slot = (
        np.arange(rows)[:, None] * bells + np.arange(bells)[None, :] + np.arange(rows)[:, None] // 2
    )
    times = (slot * blow).ravel() + rng.normal(0.0, 0.012, rows * bells)
    return times, order.ravel(), rng.uniform(0.75, 1.0, rows * bells)


def synth(req: SynthRequest) -> np.ndarray:
    """Strokes placed on a pre-rolled timeline (the bed starts already ringing), then echo."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    peal = req.word("action") == "peal"
    warm = int((2.0 if peal else 6.0) * sr)
    total = n + warm
    bells = 8 if size > 0.5 else 6
    if peal:
        times, which, levels = _peal(rng, total / sr, bells)
    else:
        times, which, levels = _toll(rng, total / sr, size)
    tenor = tenor_prime_hz(size) * rng.uniform(0.95, 1.05)
    hum_t60 = (5.0 if peal else 10.0) * (0.7 + 0.6 * size)
    out = np.zeros((total, 2), np.float32)
    starts = (times * sr).astype(np.int64)
    # A harder swing throws the clapper harder: more of the upper partials; over distance the
    # air takes them away again (absorption grows with frequency).
    bright = (0.85 + 0.3 * intensity) * (1.0 - 0.45 * distance)
    for bell in range(bells if peal else 1):
        semis = MAJOR_DOWN[8 - bells :][bell] if peal else 0
        prime = tenor * 2.0 ** (semis / 12.0)
        length = min(total, int(hum_t60 * 1.2 * sr))
        body = bell_ir(rng, prime, hum_t60 * (prime / tenor) ** -0.5, sr, length, bright=bright)
        body[: int(0.03 * sr)] += np.float32(0.15 + 0.3 * intensity) * clank(rng, sr, 4.0 * prime)
        mine = which == bell
        pan = np.full(int(mine.sum()), (bell / max(bells - 1, 1) - 0.5) * 0.8 if peal else 0.0)
        ring(out, body, starts[mine], levels[mine], pan)
    # Air and rooftops take the upper partials first; then the echo of the streets.
    out = dsp.filt(dsp.lowpass(0.5 * dsp.distance_cutoff(distance), sr), out, axis=0)
    tail_hz = 600.0 + 4000.0 * (1.0 - distance) ** 2
    out = hall(rng, out, sr, 1.8 + 1.5 * distance, 0.2 + 0.7 * distance, tail_hz)[warm:]
    return dsp.fit_rms(np.ascontiguousarray(out), dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="church_bell",
    family="places",
    kind=EventKind.AMBIENCE,
    description="Church bells: a big bell tolling slowly, or a ring of bells pealing changes.",
    tags=(
        "church bell", "church bells", "bell tower", "belfry", "tolling", "tolling bell",
        "bell tolls", "toll", "peal", "pealing", "peal of bells", "change ringing",
        "cathedral bells", "chapel bell", "wedding bells", "funeral bell", "death knell",
        "knell", "carillon", "campanile", "bells ringing", "ringing bells",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE, ACTION),
    typical_duration_s=20.0,
)  # fmt: skip
