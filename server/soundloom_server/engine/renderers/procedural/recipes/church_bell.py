"""Church bell: a big cast bell tolling, or a ring of bells pealing rounds and changes.

Each bell is modal (hum, prime, tierce, quint, nominal and upper partials, each a beating
doublet) and every stroke is the iron clapper's blow: a bright metallic clank of the bell's
damped high modes and contact noise on top of the partials it sets ringing, harder blows
brighter. The hum of a big bell rings on for 10-30 s, so each stroke lands on the last one's
hum. A toll is one bell swung slowly, a stroke every few seconds; a peal is a ring of six or
eight bells tuned to a descending major scale, struck in turn about a quarter second apart, rows
changing by plain hunt (adjacent bells swap places each row) with the handstroke gap of
full-circle ringing. The sound leaves the belfry through its louvres (a few close reflections
off the tower's walls) and is heard outdoors: air takes the highs with distance, the buildings
around answer with late echoes and a short diffuse tail.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._bells import bell_ir, clank, ring
from soundloom_server.engine.renderers.procedural.recipes._weapons import Space, in_space, space_ir

ACTION = ParamSpec(
    "action", "toll", choices=("toll", "peal"), doc="toll: one bell, slow strokes; peal: a ring"
)
MAJOR_DOWN = (12, 11, 9, 7, 5, 4, 2, 0)  # treble to tenor, semitones above the tenor
# The belfry's walls a few metres away, then the houses and the churchyard's walls.
# Stone walls all round send the bell back for seconds: a church square is a reverberant place.
TOWER_AND_TOWN = Space((0.004, 0.02), 4, 0.35, (0.12, 0.9), 6, 3.5, 0.15, 1500.0, 0.5)


def tenor_prime_hz(size: float) -> float:
    """Prime of the biggest bell: ~680 Hz for a chapel's, ~410 Hz for a parish church's tenor
    of a few hundredweight (size 0.5), ~250 Hz for a cathedral's great bell."""
    return float(680.0 * 2.0 ** (-1.45 * size))


def hum_t60_s(size: float, peal: bool) -> float:
    """How long the hum rings: 12 s for a small bell to 28 s for a great one; ringing bells of
    a peal are lighter."""
    return (12.0 + 16.0 * size) * (0.6 if peal else 1.0)


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
    """(times, bell index, level): one bell swung every 2-4 s, each stroke a little uneven."""
    period = rng.uniform(2.2, 2.9) * (0.8 + 0.4 * size)
    count = int(seconds / period) + 2
    times = np.arange(count) * period + rng.normal(0.0, 0.03 * period, count)
    return times, np.zeros(count, np.int64), rng.uniform(0.75, 1.0, count)


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


def _strokes(
    rng: np.random.Generator, out: dsp.Audio, prime: float, hum_s: float, sr: int, strokes: tuple
) -> None:
    """One bell's strokes into `out`: its partials, and the clank growing with the blow."""
    starts, levels, pans, bright = strokes
    length = min(out.shape[0], int(hum_s * 1.2 * sr))
    # Most tower bells were cast before tuning lathes: each its own slightly sour partials.
    body = bell_ir(rng, prime, hum_s, sr, length, bright=bright, untuned=rng.uniform(0.6, 1.0))
    ring(out, body, starts, levels, pans)
    # The clank's share grows with the blow (its modes are driven harder than the partials).
    ring(out, clank(rng, sr, prime), starts, (0.25 + 0.35 * bright) * levels**2, pans)


def synth(req: SynthRequest) -> np.ndarray:
    """Strokes placed on a pre-rolled timeline (the bed starts already ringing), then the town."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    peal = req.word("action") == "peal"
    hum_s = hum_t60_s(size, peal)
    warm = int((3.0 if peal else 0.5 * hum_s) * sr)  # a half-decayed hum at the bed's start
    total = n + warm
    bells = 8 if size > 0.5 else 6
    if peal:
        times, which, levels = _peal(rng, total / sr, bells)
    else:
        times, which, levels = _toll(rng, total / sr, size)
    tenor = tenor_prime_hz(size) * rng.uniform(0.95, 1.05)
    out = np.zeros((total, 2), np.float32)
    starts = (times * sr).astype(np.int64)
    # A harder swing throws the clapper harder: more of the upper partials.
    bright = 0.85 + 0.3 * intensity
    for bell in range(bells if peal else 1):
        semis = MAJOR_DOWN[8 - bells :][bell] if peal else 0
        prime = tenor * 2.0 ** (semis / 12.0)
        mine = which == bell
        pan = np.full(int(mine.sum()), (bell / max(bells - 1, 1) - 0.5) * 0.8 if peal else 0.0)
        strokes = (starts[mine], levels[mine], pan, bright)
        _strokes(rng, out, prime, hum_s * (prime / tenor) ** -0.5, sr, strokes)
    # Air takes the upper partials first (absorption grows with frequency), then the town.
    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(0.15 + 0.85 * distance), sr), out, axis=0)
    out = in_space(out, space_ir(rng, TOWER_AND_TOWN, sr, total, 0.8 + 0.6 * distance))[warm:]
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
