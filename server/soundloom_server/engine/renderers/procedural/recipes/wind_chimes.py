"""Wind chimes: tuned metal tubes knocked by a swinging clapper as the breeze gusts.

Each tube is a free-free bar (modes 1, 2.76, 5.40, 8.93 of its fundamental, the upper ones
dying fast), tuned to a pentatonic scale, ringing for seconds. The sail catches the wind and
swings the clapper: strikes come in flurries when a gust blows and almost stop in a lull
(their rate follows the gust curve), each strike a random tube, bouncing to a neighbour now
and then. A soft breeze blows under them.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._bells import ring
from soundloom_server.engine.renderers.procedural.recipes._music import BAR_RATIOS

PENTATONIC = (0, 2, 4, 7, 9, 12, 14, 16)


def tube_ir(rng: np.random.Generator, f0: float, sr: int, length: int) -> dsp.Audio:
    """One tube's ring: bar modes, long fundamental, short overtones (peak 1)."""
    ratios = np.asarray(BAR_RATIOS) * rng.uniform(0.995, 1.005, len(BAR_RATIOS))
    t60 = rng.uniform(3.0, 5.0) * ratios**-0.9
    ir = dsp.modal_ir(f0 * ratios, t60, (1.0, 0.6, 0.35, 0.2), length, sr)
    return ir / np.float32(dsp.peak_of(ir) + 1e-9)


def synth(req: SynthRequest) -> np.ndarray:
    """Gust curve -> strike rate -> tubes ringing, over a soft breeze."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    warm = int(4.0 * sr)
    total = n + warm
    gust = np.clip(0.5 + 0.5 * dsp.slow_noise(rng, total, sr, 0.15) + 0.3 * intensity, 0.05, 2.0)
    rate = 1.5 + 8.0 * intensity
    times = dsp.thin(rng, dsp.poisson_times(rng, rate * 2.0, total, sr), gust / 2.0)
    tubes = int(rng.integers(5, 8))
    root = rng.uniform(520.0, 800.0)
    scale = [root * 2.0 ** (PENTATONIC[i] / 12.0) for i in range(tubes)]
    which = rng.integers(0, tubes, times.shape[0])
    levels = gust[times] * rng.uniform(0.3, 1.0, times.shape[0])
    out = np.zeros((total, 2), np.float32)
    length = min(total, int(5.0 * sr))
    for i, f0 in enumerate(scale):  # a handful of tubes, each its own pan
        mine = which == i
        pan = np.full(int(mine.sum()), (i / max(tubes - 1, 1) - 0.5) * 0.6)
        ring(out, tube_ir(rng, f0, sr, length), times[mine], levels[mine], pan)
    breeze = dsp.filt(
        dsp.cascade(dsp.pink_sos(), dsp.bandpass(200.0, 3000.0, sr)), dsp.white(rng, total)
    )
    breeze *= gust.astype(np.float32)
    out += dsp.widen(breeze, sr) * np.float32(0.15 * dsp.rms_of(out) / (dsp.rms_of(breeze) + 1e-9))
    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), out, axis=0)[warm:]
    return dsp.fit_rms(np.ascontiguousarray(out), dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="wind_chimes",
    family="places",
    kind=EventKind.AMBIENCE,
    description="Wind chimes: tuned metal tubes tinkling in flurries as the breeze gusts.",
    tags=(
        "wind chimes", "wind chime", "chimes", "windchimes", "porch chimes", "garden chimes",
        "bamboo chimes", "tinkling chimes", "chimes in the breeze", "chimes tinkling",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)  # fmt: skip
