"""Ocean waves: each wave swells, breaks in a roar, fizzes out as foam and drags back over stones.

A breaking wave is a gesture, not a level: a low swell of the water approaching, the crash (the
lip plunging and entraining a dense cloud of bubbles and spray, broadband and turbulent, its
brightness sweeping open and then closing), the foam hissing out as countless small bubbles
burst, and the backwash dragging sand and pebbles down the slope, a receding rattle. Waves come
every 6-12 s, each its own size and timing, so the bed breathes by 10-15 dB and never settles
into the steady spectrum of pink noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._nature_water import (
    bubbles,
    particle_wash,
    strikes,
)


@dataclass
class _Waves:
    """Control curves (one value per low-rate frame) of the waves' stages, summed over waves."""

    swell: np.ndarray  # the approaching water's low rumble
    crash: np.ndarray  # the break: the roar of plunging water and entrained air
    bright: np.ndarray  # how far open the crash's spectrum is (0 dark .. 1 spray)
    foam: np.ndarray  # bubbles bursting as the foam spreads and thins
    drag: np.ndarray  # backwash: sand and pebbles rolled down the slope


def _waves(rng: np.random.Generator, t: np.ndarray, intensity: float, reach: float) -> _Waves:
    """The stages of every wave over times `t` (s), `reach` of full level: a loop per wave."""
    curves = _Waves(*(np.zeros_like(t) for _ in range(5)))
    rate = 1.0 / (t[1] - t[0])
    start = -rng.uniform(2.0, 10.0)  # the render opens mid-cycle
    while start < t[-1]:
        period = rng.uniform(6.0, 12.0)
        # Waves come in sets: most are middling, now and then a big one.
        height = float(np.clip(rng.lognormal(-0.25, 0.3), 0.35, 1.3)) * (0.6 + 0.6 * intensity)
        height *= reach
        build = period * rng.uniform(0.35, 0.55)
        span = slice(max(int(start * rate), 0), max(int((start + 2.2 * period) * rate), 0))
        u = t[span] - start
        brk = u - build  # time since the lip hit the water
        curves.swell[span] += height * dsp.envelope_ad(u, build, period * 0.25)
        crash = dsp.envelope_ad(brk, rng.uniform(0.5, 1.2), rng.uniform(1.8, 3.2) * np.sqrt(height))
        curves.crash[span] += height * crash
        curves.bright[span] = np.maximum(curves.bright[span], reach * crash)
        foam = dsp.envelope_ad(brk - 0.3, rng.uniform(0.8, 1.5), rng.uniform(2.5, 4.0))
        curves.foam[span] += height * foam
        # The uprush runs up the beach; the backwash starts as it stops, a few seconds on.
        back = brk - rng.uniform(1.8, 3.0)
        curves.drag[span] += height * dsp.envelope_ad(back, rng.uniform(0.4, 0.8), 1.2)
        start += period
    return curves


def _shore(rng: np.random.Generator, t: np.ndarray, intensity: float) -> _Waves:
    """The waves breaking in front of the listener plus those further along the beach.

    The far ones break on their own timing and arrive dulled and fainter: between two near
    breakers the shore is still heard working, not a steady hiss.
    """
    near, far = _waves(rng, t, intensity, 1.0), _waves(rng, t, intensity, 0.45)
    return _Waves(
        near.swell + far.swell,
        near.crash + far.crash,
        np.maximum(near.bright, far.bright),
        near.foam + 0.5 * far.foam,
        near.drag + 0.2 * far.drag,
    )


def _crash(
    rng: np.random.Generator, n: int, sr: int, waves: _Waves, k: int, air: dsp.Sos
) -> dsp.Audio:
    """The break: turbulent broadband noise whose spectrum opens with the crash and closes."""
    # Turbulence: the roar is lumpy, tens of ms chunks of water hitting water.
    lumps = np.exp(0.3 * dsp.slow_noise(rng, n, sr, 12.0, control_rate=400))
    crash = dsp.upsample(waves.crash, k, n) * lumps
    bright = dsp.upsample(waves.bright, k, n)
    noise = dsp.white(rng, n)
    dark = dsp.filt(dsp.cascade(dsp.bandpass(90.0, 900.0, sr), air), noise)
    # The spray: a broad hump over 1-6 kHz, as white water and droplets fly.
    spray = dsp.filt(
        dsp.cascade(dsp.bandpass(700.0, 7000.0, sr), dsp.peak(2500.0, 0.7, 3.0, sr), air), noise
    )
    mix = dark * (crash * (1.2 - 0.6 * bright)) + spray * (crash * bright * 0.9)
    return dsp.widen(mix, sr, delay_s=0.017)


def _bubble_cloud(
    rng: np.random.Generator, n: int, sr: int, waves: _Waves, k: int, rate_hz: float
) -> dsp.Audio:
    """The air the break entrains: a dense cloud of Minnaert bubbles, large ones at the crash.

    Deane and Stokes (2002): a breaking wave's sound is its bubbles being born, centimetre ones
    in the plunge (a few hundred Hz), ever smaller ones (kHz) as the foam spreads.
    """
    b = dsp.low_rate_factor(sr, 12000)  # the cloud's bubbles sit under 4 kHz
    bsr, m = sr // b, n // b + 2
    crash = np.interp(np.arange(m) * b / k, np.arange(waves.crash.size), waves.crash)
    foam = np.interp(np.arange(m) * b / k, np.arange(waves.foam.size), waves.foam)
    level = np.clip(crash + 0.3 * foam, 0.0, 1.0)
    births = dsp.thin(rng, dsp.poisson_times(rng, rate_hz, m, bsr), level)
    # Big bubbles while the crash is strong; the foam's are small.
    big = np.clip(crash[births] / (crash[births] + 0.3 * foam[births] + 1e-9), 0.0, 1.0)
    lo = np.log(250.0) + (1.0 - big) * np.log(4.0)
    freqs = np.exp(lo + rng.uniform(0.0, np.log(8.0), births.shape[0]))
    freqs = np.minimum(freqs, 0.3 * bsr)
    amps = rng.lognormal(0.0, 0.5, births.shape[0]) * (freqs / 1000.0) ** -0.3
    amps *= np.sqrt(level[births])  # a far or dying break's bubbles are fainter, not just fewer
    cloud = np.zeros((m, 2), np.float32)
    bubbles(cloud, births, freqs, amps, rng.uniform(-0.8, 0.8, births.shape[0]), bsr, rise=0.15)
    return dsp.upsample_stereo(cloud.T, b, n)


def _backwash(
    rng: np.random.Generator, n: int, sr: int, drag: np.ndarray, distance: float, air: dsp.Sos
) -> dsp.Audio:
    """Pebbles and sand rolled down by the receding water: a dense stream of small clicks."""
    near = (1.0 - distance) ** 1.5
    starts = dsp.thin(rng, dsp.poisson_times(rng, 1500.0 * near, n, sr), np.clip(drag, 0.0, 1.0))
    amp = rng.lognormal(-1.0, 0.3, starts.shape[0])
    stones = strikes(rng, n, sr, starts, amp, (1800.0, 8000.0), (0.0003, 0.0015), 0.3, 0.0)
    # Sand and the water's own sheet: a fine hiss under the stones.
    sand = particle_wash(
        rng, n, sr, 3000.0, dsp.cascade(dsp.highpass(2500.0, sr), air), drag.astype(np.float32)
    )
    return dsp.filt(air, stones, axis=0) + sand * np.float32(0.12)


def synth(req: SynthRequest) -> np.ndarray:
    """Swell (low rate, one noise per ear) + crash + foam + backwash (full rate), then leveled."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(sr, 3000)
    low_sr, m = sr // k, n // k + 2
    waves = _shore(rng, np.arange(m) / low_sr, intensity)
    air = dsp.lowpass(dsp.distance_cutoff(distance), sr)

    # The swell and the distant surf: low rumble; the right ear hears the break a moment later
    # as it runs along the beach.
    lag = int(rng.uniform(0.15, 0.5) * low_sr)
    floor = 0.08 + 0.1 * intensity  # the sea is never silent: far breakers all along the shore
    low = np.stack([waves.swell + 0.8 * waves.crash, waves.swell + 0.8 * waves.crash])
    low[1] = np.concatenate([np.full(lag, low[1][0]), low[1]])[:m]
    body = dsp.cascade(
        dsp.brown_sos(low_sr, 50.0), dsp.lowpass(380.0, low_sr, order=2), dsp.highpass(28.0, low_sr)
    )
    rumble = dsp.filt(body, dsp.white(rng, 2 * m).reshape(2, m) * (floor + low), axis=1)
    out = dsp.upsample_stereo(rumble * np.float32(4.0 / (dsp.rms_of(rumble) + 1e-12)), k, n)
    out *= np.float32(0.15 * (1.0 + distance))  # far away the low roar is most of what is left

    crash = _crash(rng, n, sr, waves, k, air)
    out += crash * np.float32(1.0 / (dsp.rms_of(crash) + 1e-12))
    cloud = _bubble_cloud(rng, n, sr, waves, k, 2000.0 * (0.5 + intensity))
    out += cloud * np.float32(0.5 * (1.0 - 0.5 * distance) / (dsp.rms_of(cloud) + 1e-12))

    # Foam: a fizz of countless bubbles bursting, bright, thinning out; the air takes it first.
    foam_env = dsp.upsample(waves.foam, k, n)
    foam = particle_wash(
        rng, n, sr, 1500.0, dsp.cascade(dsp.bandpass(1500.0, 12000.0, sr), air), foam_env
    )
    out += foam * np.float32(0.45 * (1.0 - 0.6 * distance) / (dsp.rms_of(foam) + 1e-12))

    drag = _backwash(rng, n, sr, dsp.upsample(waves.drag, k, n), distance, air)
    out += drag * np.float32(0.05 * (1.0 - 0.7 * distance) / (dsp.rms_of(drag) + 1e-12))
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
