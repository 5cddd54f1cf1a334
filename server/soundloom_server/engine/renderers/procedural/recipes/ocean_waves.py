"""Ocean waves: slow swells of noise whose brightness follows each wave, with foam at the break."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def _wave_envelopes(
    rng: np.random.Generator, t: np.ndarray, intensity: float
) -> tuple[np.ndarray, np.ndarray]:
    """(swell, break) curves over times `t`: a slow build, a crash, then the receding wash."""
    swell = np.zeros_like(t)
    crash = np.zeros_like(t)
    rate = 1.0 / (t[1] - t[0])
    start = -rng.uniform(0.0, 8.0)
    while start < t[-1]:
        period = rng.uniform(6.0, 12.0)
        height = rng.uniform(0.6, 1.0) * (0.6 + 0.6 * intensity)
        build = period * rng.uniform(0.45, 0.6)
        # Only this wave's own stretch of time: its tail is negligible two periods on.
        span = slice(max(int(start * rate), 0), max(int((start + 2.5 * period) * rate), 0))
        u = t[span] - start
        swell[span] += height * dsp.envelope_ad(u, build, period * 0.3)
        crash[span] += height * dsp.envelope_ad(u - build, 0.15, period * rng.uniform(0.12, 0.22))
        start += period
    return swell, crash


def synth(req: SynthRequest) -> np.ndarray:
    """Low swell at a low rate (one noise per ear) + a full-rate wash and foam, widened."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(sr, 3000)
    low_sr, m = sr // k, n // k + 2
    t = np.arange(m) / low_sr
    swell, crash = _wave_envelopes(rng, t, intensity)
    # The break travels along the beach: the right ear hears each wave a moment later.
    lag = int(rng.uniform(0.2, 0.6) * low_sr)
    env_r = np.concatenate([np.full(lag, swell[0]), swell])[:m]  # also when lag > the render
    crash_r = np.concatenate([np.full(lag, crash[0]), crash])[:m]

    body = dsp.cascade(
        dsp.brown_sos(low_sr, 60.0), dsp.lowpass(450.0, low_sr), dsp.highpass(25.0, low_sr)
    )
    low_l = dsp.filt(body, dsp.white(rng, m) * (0.25 + swell + crash).astype(np.float32))
    low_r = dsp.filt(body, dsp.white(rng, m) * (0.25 + env_r + crash_r).astype(np.float32))

    # The wash: pink noise whose level (and so apparent low-pass) rises with the breaking wave;
    # foam is near-white hiss at the break, lost with distance.
    wash_env = dsp.upsample(0.05 + 0.35 * swell + crash, k, n)
    foam_env = dsp.upsample(crash * crash, k, n) * np.float32((1.0 - distance) ** 2 * 0.5)
    air = dsp.lowpass(dsp.distance_cutoff(distance), sr)
    noise = dsp.white(rng, n)
    wash = dsp.filt(
        dsp.cascade(dsp.pink_sos(), dsp.highpass(300.0, sr, order=1), air),
        noise * (wash_env + foam_env),
    )
    out = dsp.widen(wash, sr, delay_s=0.021)
    low_gain = np.float32(0.09)
    out[:, 0] += dsp.upsample(low_l, k, n) * low_gain
    out[:, 1] += dsp.upsample(low_r, k, n) * low_gain
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="ocean_waves",
    family="water",
    kind=EventKind.AMBIENCE,
    description="Ocean waves: swells every 6-12 s that build, break into foam and wash back.",
    tags=(
        "ocean",
        "ocean waves",
        "waves",
        "wave",
        "sea",
        "seaside",
        "surf",
        "beach",
        "shore",
        "shoreline",
        "breakers",
        "breaking waves",
        "crashing waves",
        "tide",
        "coast",
        "coastal",
        "harbor",
        "seashore",
        "lapping waves",
        "swell",
        "sea waves",
        "pier",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=40.0,
)
