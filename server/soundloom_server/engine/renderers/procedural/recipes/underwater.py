"""Underwater: a muffled low rumble and bubble streams rising, all heavily low-passed."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._nature_water import bubbles


def _streams(rng: np.random.Generator, duration: float, intensity: float) -> tuple[np.ndarray, ...]:
    """Bubble times, pitches, levels, pans: streams that puff in bursts from fixed spots."""
    times, freqs, amps, pans = [], [], [], []
    for _ in range(2 + round(4 * intensity)):
        # Bursts: a vent or a diver's breath lets go a run of bubbles, then rests.
        burst_rate = rng.uniform(0.15, 0.5)
        bursts = np.sort(rng.uniform(-1.0, duration, rng.poisson(burst_rate * (duration + 1)) + 1))
        sizes = rng.integers(4, 30, bursts.shape[0])
        t = np.repeat(bursts, sizes) + rng.exponential(0.25, sizes.sum())
        keep = (t >= 0.0) & (t < duration)
        base = rng.uniform(180.0, 700.0)
        count = int(keep.sum())
        times.append(t[keep])
        freqs.append(base * np.exp(rng.normal(0.0, 0.35, count)))
        amps.append(rng.uniform(0.3, 1.0) * rng.uniform(0.2, 1.0, count))
        pans.append(np.clip(rng.uniform(-0.8, 0.8) + rng.normal(0.0, 0.1, count), -1.0, 1.0))
    return tuple(np.concatenate(a) for a in (times, freqs, amps, pans))


def synth(req: SynthRequest) -> np.ndarray:
    """Everything at 12 kHz (nothing survives above ~1.5 kHz under water), then upsampled."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(sr, 12000)
    low_sr, m = sr // k, n // k + 2

    # Rumble: brown noise under 250 Hz, one noise per ear, swelling slowly (swell, far surf).
    swell = np.clip(1.0 + 0.3 * dsp.slow_noise(rng, m, low_sr, 0.1, control_rate=50), 0.3, None)
    rumble_shape = dsp.cascade(
        dsp.brown_sos(low_sr, 15.0), dsp.lowpass(250.0, low_sr, order=4), dsp.highpass(18.0, low_sr)
    )
    rumble = dsp.filt(rumble_shape, dsp.white(rng, 2 * m).reshape(2, m) * swell, axis=1).T
    rumble *= np.float32(1.0 / (dsp.rms_of(rumble) + 1e-12))

    bub = np.zeros((m, 2), np.float32)
    times, freqs, amps, pans = _streams(rng, m / low_sr, intensity)
    bubbles(bub, (times * low_sr).astype(np.int64), freqs, amps, pans, low_sr, rise=0.25, ring=2)
    bub *= np.float32((0.8 + 0.8 * intensity) / (dsp.rms_of(bub) + 1e-12))
    bub += rumble

    # Water is a heavy low-pass; distance pulls it lower still.
    cutoff = 1500.0 * 0.3**distance
    out = dsp.filt(dsp.lowpass(cutoff, low_sr, order=4), bub, axis=0)
    out = dsp.upsample_stereo(out.T, k, n)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="underwater",
    family="water",
    kind=EventKind.AMBIENCE,
    description="Underwater: a muffled deep rumble with streams of bubbles rising nearby.",
    tags=(
        "underwater",
        "under water",
        "submerged",
        "submerge",
        "beneath the surface",
        "below the surface",
        "under the sea",
        "deep water",
        "diving underwater",
        "scuba",
        "diver",
        "snorkelling",
        "bubble stream",
        "bubbles rising",
        "rising bubbles",
        "air bubbles",
        "muffled water",
        "sunken",
        "drowning",
        "aquarium",
        "submarine",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)
