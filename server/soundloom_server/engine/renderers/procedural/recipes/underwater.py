"""Underwater: a muffled swelling rumble, the water stirring around, and bursts of bubbles.

Below the surface the air's sounds do not get in and the water's own lose their highs: a heavy
low-pass over everything. What is left is the deep rumble of surf and flow, the stirring of the
water close by (turbulent flow, cut from a recorded stream), and now and then a burst of air
breaking into tens of big bubbles, each its own size, ringing briefly: a gurgle of blubs, not
the steady tonal glides of a synthesiser.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp, samples
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._nature_water import bubbles


def _streams(rng: np.random.Generator, duration: float, intensity: float) -> tuple[np.ndarray, ...]:
    """Bubble times, pitches, levels, pans: bursts of many short bubbles from a few sources.

    A diver's exhale or a vent lets go of air in a burst that breaks up into a rush of bubbles,
    tens a second, each its own size (lognormal radii): overlapping, they gurgle; then it rests.
    """
    times, freqs, amps, pans = [], [], [], []
    for _ in range(2 + round(3 * intensity)):
        burst_rate = rng.uniform(0.12, 0.4)
        count = rng.poisson(burst_rate * (duration + 2.0)) + 1
        bursts = np.sort(rng.uniform(-2.0, duration, count))
        length = rng.uniform(0.3, 1.2, count)
        sizes = rng.poisson(rng.uniform(30.0, 90.0, count) * length) + 1
        # Within a burst the air comes out fastest at first: exponential spacing in its span.
        at = np.repeat(bursts, sizes) + np.repeat(length, sizes) * rng.power(0.7, sizes.sum())
        keep = (at >= 0.0) & (at < duration)
        base = rng.uniform(110.0, 360.0)  # the source's typical bubble (nozzle, depth)
        kept = int(keep.sum())
        times.append(at[keep])
        freqs.append(base * rng.lognormal(0.0, 0.45, kept))
        amps.append(rng.uniform(0.3, 1.0) * rng.lognormal(-0.5, 0.5, kept))
        pans.append(np.clip(rng.uniform(-0.8, 0.8) + rng.normal(0.0, 0.15, kept), -1.0, 1.0))
    return tuple(np.concatenate(a) for a in (times, freqs, amps, pans))


def _moving_water(rng: np.random.Generator, m: int, sr: int) -> np.ndarray:
    """The water around the listener stirring: a recorded stream re-cut per ear, as (2, m).

    Turbulent flow (eddies, countless small bubbles) is what synthesis only approximates; the
    take is cut into long segments from random places, one stream per ear, so it never repeats.
    """
    source = samples.to_channels(samples.load(samples.choose(rng, "river"), sr), 1)
    return np.stack(
        [
            samples.granular_bed(rng, source, m, sr, rng.uniform(0.6, 1.5), jitter=0.6)[:, 0]
            for _ in range(2)
        ]
    )


def synth(req: SynthRequest) -> np.ndarray:
    """Everything at 12 kHz (the water takes the highs), then upsampled."""
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
    rumble *= np.float32(0.5 / (dsp.rms_of(rumble) + 1e-12))

    water = _moving_water(rng, m, low_sr) * swell.astype(np.float32)
    water = dsp.filt(dsp.lowpass(3500.0, low_sr, order=4), water.T, axis=0)
    water *= np.float32(1.0 / (dsp.rms_of(water) + 1e-12))

    bub = np.zeros((m, 2), np.float32)
    times, freqs, amps, pans = _streams(rng, m / low_sr, intensity)
    # Exhaled air breaks into big bubbles that ring briefly (damped by the crowd around them)
    # with a slight rise: blubs, not the long glides that would read as synth lines.
    starts = (times * low_sr).astype(np.int64)
    bubbles(bub, starts, freqs, amps, pans, low_sr, rise=0.1, ring=0.4)
    bub *= np.float32(0.5 * (0.8 + 0.8 * intensity) / (dsp.rms_of(bub) + 1e-12))
    bub += rumble + water

    # Nothing from above the surface gets in, and the water's own sounds lose their highs over
    # distance: a heavy low-pass, lower further away.
    cutoff = 4000.0 * 0.3**distance
    out = dsp.filt(dsp.lowpass(cutoff, low_sr, order=4), bub, axis=0)
    # Upsampled, then cleaned of the interpolation's images above the low rate's band.
    out = dsp.filt(dsp.lowpass(0.4 * low_sr, sr, order=2), dsp.upsample_stereo(out.T, k, n), axis=0)
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
