"""Buoy bell: a bell on a buoy out at sea, struck irregularly as the swell rocks it.

The buoy rolls with the waves (a narrow-band random motion around a 3-6 s period); its four
hanging clappers lag behind and strike the bell when the roll reverses, so strokes come near
the roll's extremes, harder the bigger the roll, now and then a quick double as a clapper
bounces. The bell is a modal bell (hum, prime, tierce, quint, nominal, each a beating
doublet), heard across water: far, dull, with a faint wash of the sea lapping the hull.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._bells import bell_ir, clank, ring
from soundloom_server.engine.renderers.procedural.recipes._music import hall

CONTROL_HZ = 50


def roll_angle(rng: np.random.Generator, seconds: float, intensity: float) -> np.ndarray:
    """The buoy's roll on a 50 Hz grid: a swell-band random curve, larger in rougher sea."""
    m = int(seconds * CONTROL_HZ) + 2
    period = rng.uniform(3.5, 5.5)
    # Narrow-band noise around the swell frequency: waves are quasi-periodic, never a clock.
    warm = 20 * CONTROL_HZ
    raw = rng.standard_normal(m + warm)
    band = dsp.bandpass(0.75 / period, 1.35 / period, CONTROL_HZ, order=2)
    roll = dsp.filt(band, raw)[warm:]
    return roll / np.float32(roll.std() + 1e-9) * np.float32(0.5 + intensity)


def strokes(rng: np.random.Generator, roll: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(times s, level): a clapper strike at each roll reversal large enough, plus bounces."""
    speed = np.diff(roll)
    turns = np.flatnonzero(np.sign(speed[1:]) != np.sign(speed[:-1])) + 1
    size = np.abs(roll[turns])
    turns, size = turns[size > 0.35], size[size > 0.35]
    lag = rng.uniform(0.05, 0.25, turns.shape[0])  # the clapper swings on a moment longer
    times = turns / CONTROL_HZ + lag
    levels = np.minimum(size, 2.5) / 2.5 * rng.uniform(0.7, 1.0, turns.shape[0])
    bounce = rng.random(turns.shape[0]) < 0.35
    times = np.concatenate([times, times[bounce] + rng.uniform(0.12, 0.3, int(bounce.sum()))])
    levels = np.concatenate([levels, 0.4 * levels[bounce]])
    return times, levels


def synth(req: SynthRequest) -> np.ndarray:
    """Bell strokes from the roll, across the water, over the faint sea."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    warm = int(6.0 * sr)
    total = n + warm
    times, levels = strokes(rng, roll_angle(rng, total / sr, intensity))
    prime = rng.uniform(380.0, 520.0)
    length = min(total, int(7.0 * sr))
    body = bell_ir(rng, prime, 6.0, sr, length)
    body[: int(0.03 * sr)] += np.float32(0.3) * clank(rng, sr, 4.0 * prime)
    out = np.zeros((total, 2), np.float32)
    pan = rng.uniform(-0.5, 0.5)
    ring(out, body, (times * sr).astype(np.int64), levels, np.full(times.shape[0], pan))
    out = hall(
        rng, out, sr, 2.5, 0.3 + 0.4 * distance, 600.0 + 4000.0 * (1.0 - distance) ** 2
    )  # the shore and the water's echo
    sea = dsp.filt(
        dsp.cascade(dsp.pink_sos(), dsp.bandpass(150.0, 2500.0, sr)), dsp.white(rng, total)
    )
    sea *= np.float32(1.0) + np.float32(0.5) * dsp.slow_noise(rng, total, sr, 0.3)
    out += dsp.widen(sea, sr) * np.float32(0.2 * dsp.rms_of(out) / (dsp.rms_of(sea) + 1e-9))
    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(0.3 + 0.7 * distance), sr), out, axis=0)[warm:]
    return dsp.fit_rms(np.ascontiguousarray(out), dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="buoy_bell",
    family="places",
    kind=EventKind.AMBIENCE,
    description="A buoy bell out at sea: a distant bell struck irregularly as the waves rock it.",
    tags=(
        "buoy bell", "buoy", "bell buoy", "channel buoy", "marker buoy", "distant bell",
        "bell at sea", "harbour bell", "ship's bell", "ships bell", "bell over the water",
        "lonely bell",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)  # fmt: skip
