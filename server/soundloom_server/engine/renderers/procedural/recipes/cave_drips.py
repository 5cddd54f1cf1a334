"""Cave drips: drip spots plinking into pools (rising Minnaert chirps) over a trickle, in an echo.

Each spot drips at its own quasi-regular pace into its pool; the seep that feeds the pools runs
somewhere as a thin rivulet, a trickle of small damped bubbles, so the cave is never silent
between drips. The echo carries about as much as the drops: far enough to hear the hollow, not
so much that it washes the plinks into a band of noise.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._nature_water import (
    allpass,
    bubbles,
    comb,
)

# Comb delays (s) per ear: mutually prime-ish lengths so the echo density builds without
# flutter; a big hollow space gets long ones.
_COMBS = ((0.0797, 0.0913, 0.1049, 0.1171), (0.0829, 0.0967, 0.1103, 0.1223))


def _drops(rng: np.random.Generator, duration: float, intensity: float) -> tuple[np.ndarray, ...]:
    """Drop times, pitches, levels, pans: each spot drips quasi-regularly at its own pace."""
    times, freqs, amps, pans = [], [], [], []
    for _ in range(4 + round(8 * intensity)):
        period = rng.uniform(0.7, 3.5) / (0.6 + 0.8 * intensity)
        count = int(duration / period) + 2
        # Gamma intervals (shape 8): regular-ish, as water gathers to a drop's weight, not a clock.
        t = rng.uniform(0.0, period) + np.cumsum(rng.gamma(8.0, period / 8.0, count))
        t = t[t < duration]
        pitch = rng.uniform(500.0, 2200.0)  # the spot's pool depth sets its typical bubble
        times.append(t)
        freqs.append(pitch * rng.uniform(0.85, 1.15, t.shape[0]))
        amps.append(rng.uniform(0.4, 1.0) * rng.uniform(0.5, 1.0, t.shape[0]))
        pans.append(np.full(t.shape[0], rng.uniform(-0.8, 0.8)))
    return tuple(np.concatenate(a) for a in (times, freqs, amps, pans))


TRICKLE = 0.7  # the rivulet's level re the drips


def _trickle(rng: np.random.Generator, m: int, sr: int, rate: float) -> np.ndarray:
    """A unit-RMS (m, 2) trickle: a Poisson stream of small bubbles, thicker and thinner."""
    flow = np.clip(1.0 + 0.5 * dsp.slow_noise(rng, m, sr, 1.5), 0.1, 2.0)
    starts = dsp.thin(rng, dsp.poisson_times(rng, 2.0 * rate, m, sr), flow / 2.0)
    radius = np.exp(rng.normal(np.log(2.0), 0.5, starts.shape[0]))
    freqs = np.clip(3.26 / (radius * 1e-3), 200.0, 0.4 * sr)
    amps = rng.uniform(0.3, 1.0, starts.shape[0]) * (radius / 2.0) ** 0.8
    out = np.zeros((m, 2), np.float32)
    pans = np.clip(rng.normal(rng.uniform(-0.6, 0.6), 0.15, starts.shape[0]), -1.0, 1.0)
    rise = rng.uniform(0.0, 0.3, starts.shape[0])
    bubbles(out, starts, freqs, amps, pans, sr, rise=rise, ring=0.6)
    return out / np.float32(dsp.rms_of(out) + 1e-12)


def synth(req: SynthRequest) -> np.ndarray:
    """Plinks rendered at 16 kHz, echoed by combs + all-passes per ear, over a faint hollow air."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    k = dsp.low_rate_factor(sr, 16000)  # plinks sit under 3 kHz; the echo needs no more
    low_sr = sr // k
    # A pre-roll: the bed starts with the echo already ringing, not in silence.
    warm = int(3.0 * low_sr)
    m = n // k + 2 + warm
    times, freqs, amps, pans = _drops(rng, m / low_sr, intensity)
    freqs = np.minimum(freqs, 0.3 * low_sr)
    dry = np.zeros((m, 2), np.float32)
    starts = (times * low_sr).astype(np.int64)
    # The plink: a strongly rising chirp (the drop's crater collapsing into a bubble) that
    # rings longer than a free bubble, then a small splash bubble a moment later.
    bubbles(dry, starts, freqs, amps, pans, low_sr, rise=rng.uniform(0.6, 1.4, freqs.size), ring=2)
    splash = starts + (rng.uniform(0.004, 0.02, starts.size) * low_sr).astype(np.int64)
    bubbles(dry, splash, freqs * rng.uniform(1.4, 2.2, freqs.size), amps * 0.3, pans, low_sr)
    # The seep that feeds the pools: a thin rivulet somewhere in the cave, a trickle of small
    # bubbles (~2 mm, damped, barely rising) that never stops.
    dry += _trickle(rng, m, low_sr, 100.0 + 100.0 * intensity) * np.float32(
        TRICKLE * dsp.rms_of(dry)
    )

    # Echo: four combs per ear whose feedback gives the T60, then two all-passes to diffuse.
    t60 = 1.5 + 3.0 * size
    wet = np.empty_like(dry)
    for ear in range(2):
        mix = sum(
            comb(dry[:, ear], int(d * (0.7 + 0.6 * size) * low_sr), 10.0 ** (-3.0 * d / t60))
            for d in _COMBS[ear]
        )
        for d in (0.0051, 0.0017):
            mix = allpass(mix, max(1, int(d * low_sr)), 0.6)
        wet[:, ear] = mix
    # The echo carries as much level as the drops (it also keeps the crest factor bed-like); far
    # away, the echo is nearly all that is heard.
    wet *= np.float32((1.0 + 2.0 * distance) * dsp.rms_of(dry) / (dsp.rms_of(wet) + 1e-12))
    wet += dry

    # Hollow air: low brown noise so the space is never digitally silent between drips.
    air = dsp.filt(
        dsp.cascade(dsp.brown_sos(low_sr, 40.0), dsp.bandpass(60.0, 900.0, low_sr)),
        dsp.white(rng, m),
    )
    air *= np.float32(0.06 * dsp.rms_of(wet) / (dsp.rms_of(air) + 1e-12) + 1e-4)
    wet += dsp.widen(air, low_sr, delay_s=0.021)
    wet = dsp.filt(dsp.lowpass(min(dsp.distance_cutoff(distance), 6000.0), low_sr), wet, axis=0)
    out = dsp.upsample_stereo(wet[warm:].T, k, n)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="cave_drips",
    family="water",
    kind=EventKind.AMBIENCE,
    description="Cave drips: water drops plinking into still pools, each echoing in a hollow.",
    tags=(
        "cave drips",
        "dripping",
        "drip",
        "drips",
        "dripping water",
        "water drips",
        "water dripping",
        "drop of water",
        "water drops",
        "droplets",
        "plink",
        "plinking",
        "plip",
        "leak",
        "leaking",
        "leaky",
        "dripping tap",
        "stalactites",
        "echoing drips",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=30.0,
)
