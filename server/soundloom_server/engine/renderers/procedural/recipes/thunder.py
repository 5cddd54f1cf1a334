"""Thunder: a near crack, then a long rolling rumble of delayed, low-passed brown-noise rolls."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def _roll_envelope(
    rng: np.random.Generator, t: np.ndarray, onset: float, span: float, distance: float
) -> np.ndarray:
    """Sum of roll envelopes: each part of the bolt's channel is heard later and further away."""
    count = int(rng.integers(4, 9))
    starts = onset + np.sort(rng.uniform(0.0, 0.45 * span, count))
    starts[0] = onset
    env = np.zeros_like(t)
    for i, start in enumerate(starts):
        # Far thunder swells slowly; near thunder hits at once and its later rolls are weaker.
        level = rng.uniform(0.5, 1.0) * (
            1.0 if i == 0 else rng.uniform(0.35, 0.9) ** (1.0 - distance)
        )
        attack = rng.uniform(0.03, 0.15) + 0.6 * distance * rng.uniform(0.5, 1.0)
        decay = span * rng.uniform(0.08, 0.2)
        env += level * dsp.envelope_ad(t - start, attack, decay)
    # The whole storm-front fades out well before the event ends: a natural tail, no cut.
    tail = span * 0.22
    return env * np.exp(-np.maximum(t - onset, 0.0) / tail)


def synth(req: SynthRequest) -> np.ndarray:
    """Crack (when near) + rumble; the rumble is rendered at a low rate, each ear its own noise."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    duration = n / sr
    onset = 0.03 + distance * min(1.5, 0.12 * duration)  # sound travels: far thunder comes later
    span = max(duration - onset, 0.2)

    k = dsp.low_rate_factor(sr, 3000)
    low_sr, m = sr // k, n // k + 2
    t = np.arange(m) / low_sr
    env = _roll_envelope(rng, t, onset, span, distance)
    # Flutter: the rolls rattle at a few Hz (echoes off clouds and terrain).
    flutter = np.clip(1.0 + 0.35 * dsp.slow_noise(rng, m, low_sr, 4.0, control_rate=100), 0.2, None)
    cutoff = 320.0 - 220.0 * distance + 120.0 * intensity
    shape = dsp.cascade(
        dsp.brown_sos(low_sr, 30.0),
        dsp.lowpass(cutoff, low_sr, order=4),
        dsp.highpass(22.0, low_sr),
    )
    gain = (env * flutter).astype(np.float32)
    left = dsp.filt(shape, dsp.white(rng, m) * gain)
    right = dsp.filt(shape, dsp.white(rng, m) * gain)
    out = dsp.stereo(dsp.upsample(left, k, n), dsp.upsample(right, k, n))
    out *= np.float32(1.0 / (dsp.peak_of(out) + 1e-9))

    if distance < 0.65:  # beyond a few km the crack's high frequencies are gone
        near = 1.0 - distance / 0.65
        length = min(n - int(onset * sr), int(0.6 * sr))
        if length > 0:
            start = int(onset * sr)
            ct = np.arange(length) / sr
            # A tearing crack: a few broadband bursts within ~100 ms, each decaying fast.
            burst = np.zeros(length)
            for offset in np.sort(rng.uniform(0.0, 0.12, int(rng.integers(2, 6)))):
                burst += rng.uniform(0.4, 1.0) * dsp.envelope_ad(
                    ct - offset, 0.002, rng.uniform(0.02, 0.07)
                )
            crack = dsp.white(rng, length) * burst.astype(np.float32)
            crack = dsp.filt(
                dsp.cascade(
                    dsp.highpass(150.0, sr), dsp.lowpass(dsp.distance_cutoff(distance), sr)
                ),
                crack,
            )
            crack *= np.float32(0.9 * near / (dsp.peak_of(crack) + 1e-9))
            gl, gr = dsp.pan_gains(rng.uniform(-0.3, 0.3))
            out[start : start + length, 0] += crack * np.float32(gl)
            out[start : start + length, 1] += crack * np.float32(gr)
    dsp.fade_out(out, int(min(0.3, 0.1 * duration) * sr))
    return dsp.fit_peak(out, dsp.oneshot_peak(intensity, distance))


RECIPE = Recipe(
    name="thunder",
    family="weather",
    kind=EventKind.SFX,
    description="Thunder: a sharp crack when close, then a long low rumble rolling over seconds.",
    tags=(
        "thunder",
        "thunderclap",
        "thunder clap",
        "thunderstorm",
        "thunder storm",
        "lightning",
        "lightning strike",
        "rumble",
        "rumbling",
        "thunder rumble",
        "rolling thunder",
        "storm",
        "stormy",
        "distant thunder",
        "thunder crack",
        "crack of thunder",
        "boom",
        "thunderbolt",
        "electrical storm",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=8.0,
)
