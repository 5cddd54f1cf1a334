"""Buoy bell: a bell on a buoy out at sea, clanged irregularly by loose tappers as the sea rocks it.

A bell buoy carries a small, thick, untuned bronze bell in a cage with four iron tappers hanging
loose around it. The buoy rolls and pitches with the swell and jerks on the short chop; a tapper
swings out and strikes the bell whenever the buoy's jolt towards its side is strong enough, then
often rattles back for a quick second and third blow ("clang-a-lang"). So the strokes come in
irregular clusters, hard and bright: iron on bronze rings the bell's dense high modes as loudly
as its partials. Around it the sea slaps the hull in swashes that follow the waves.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._bells import bell_ir, clank, ring
from soundloom_server.engine.renderers.procedural.recipes._music import hall

CONTROL_HZ = 50
TAPPERS = 4


def sea_motion(rng: np.random.Generator, m: int, intensity: float) -> np.ndarray:
    """(m, 2) roll and pitch on the control grid: swell (3-6 s) plus shorter, rougher chop."""
    warm = 20 * CONTROL_HZ
    period = rng.uniform(3.5, 6.0)
    swell = dsp.bandpass(0.7 / period, 1.4 / period, CONTROL_HZ, order=2)
    chop = dsp.bandpass(0.5, 1.2, CONTROL_HZ, order=2)
    raw = rng.standard_normal((m + warm, 2))
    motion = dsp.filt(swell, raw, axis=0)[warm:]
    motion /= motion.std(axis=0) + 1e-9
    rough = dsp.filt(chop, rng.standard_normal((m + warm, 2)), axis=0)[warm:]
    rough /= rough.std(axis=0) + 1e-9
    return motion + (0.2 + 0.3 * intensity) * rough


def free_swings(crossings: np.ndarray, swing: float) -> np.ndarray:
    """Crossings at which the tapper hangs free: it cannot strike again before it swings back."""
    kept: list[int] = []
    for c in crossings:  # a few per swell
        if not kept or c - kept[-1] >= swing:
            kept.append(int(c))
    return np.asarray(kept, np.int64)


def tapper_strikes(
    rng: np.random.Generator, motion: np.ndarray, intensity: float
) -> tuple[np.ndarray, np.ndarray]:
    """(times s, level) of every blow: when the buoy's swing along an axis reverses, the tapper
    on the side it was swinging to flies on and hits, the harder the sharper the reversal."""
    times, levels = [], []
    for axis in range(2):  # roll and pitch, a tapper at each end of each axis
        speed = np.gradient(motion[:, axis])
        turns = np.flatnonzero(np.sign(speed[1:]) != np.sign(speed[:-1])) + 1
        sharp = np.abs(np.gradient(speed))[turns]
        keep = sharp > np.percentile(sharp, 50 - 30 * intensity)  # small wobbles: no blow
        for side in (1.0, -1.0):
            mine = turns[keep & (np.sign(speed[turns - 1]) == side)]
            mine = free_swings(mine, rng.uniform(1.2, 2.0) * CONTROL_HZ)
            force = np.abs(np.gradient(speed))[mine] / (np.percentile(sharp, 80) + 1e-12)
            times.append(mine / CONTROL_HZ + rng.uniform(0.05, 0.25, mine.shape[0]))
            levels.append(np.clip(force, 0.3, 1.5) / 1.5)
    t, lv = np.concatenate(times), np.concatenate(levels)
    # A loose tapper rattles back: one or two weaker blows 60-180 ms later.
    extra_t, extra_l = [t], [lv]
    again = rng.random(t.shape[0]) < 0.55
    gap = rng.uniform(0.06, 0.18, t.shape[0])
    for bounce in (1, 2):
        extra_t.append(t[again] + bounce * gap[again])
        extra_l.append(lv[again] * 0.4**bounce)
        again &= rng.random(t.shape[0]) < 0.4
    return np.concatenate(extra_t), np.concatenate(extra_l) * rng.uniform(
        0.8, 1.0, sum(x.shape[0] for x in extra_t)
    )


def swash(rng: np.random.Generator, motion: np.ndarray, n: int, sr: int) -> dsp.Audio:
    """Water slapping the hull: band noise swelling each time the buoy heaves into a wave."""
    heave = np.gradient(motion[:, 0] + 0.5 * motion[:, 1])
    slap = np.clip(heave / (np.percentile(np.abs(heave), 90) + 1e-9), 0.0, None) ** 2
    env = dsp.upsample(0.15 + slap, sr // CONTROL_HZ, n)
    water = dsp.filt(
        dsp.cascade(dsp.pink_sos(), dsp.bandpass(180.0, 3500.0, sr)), dsp.white(rng, n)
    )
    return water * env.astype(np.float32)


def synth(req: SynthRequest) -> np.ndarray:
    """Tapper blows from the sea's motion, the bell's partials and clank, over the swash."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    warm = int(6.0 * sr)
    total = n + warm
    factor = sr // CONTROL_HZ
    motion = sea_motion(rng, total // factor + 2, intensity)
    times, levels = tapper_strikes(rng, motion, intensity)
    starts = (times * sr).astype(np.int64)
    # A small bronze bell of a few dozen kilograms (nominal ~2 kHz), never tuned; in open air
    # its hum rings on for ~8 s.
    prime = rng.uniform(900.0, 1150.0)
    body = bell_ir(rng, prime, 8.0, sr, min(total, int(9.6 * sr)), bright=1.15, untuned=1.0)
    out = np.zeros((total, 2), np.float32)
    pans = np.full(times.shape[0], rng.uniform(-0.4, 0.4))
    ring(out, body, starts, levels, pans)
    # Iron tappers on thick bronze: the clank is as loud as the partials and grows with the blow.
    ring(out, clank(rng, sr, prime, 0.25), starts, 0.9 * levels**1.5, pans)
    out = hall(rng, out, sr, 1.2, 0.12 + 0.2 * distance, 2500.0)  # the water, a far shore
    sea = dsp.widen(swash(rng, motion, total, sr), sr)
    out += sea * np.float32(0.3 * dsp.rms_of(out) / (dsp.rms_of(sea) + 1e-9))
    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(0.2 + 0.8 * distance), sr), out, axis=0)[warm:]
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
