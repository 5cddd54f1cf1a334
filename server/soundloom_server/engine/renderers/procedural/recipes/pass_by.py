"""Pass-by: a vehicle driving past: engine and tyre roar, Doppler, level and air absorption.

The source moves along a straight road at speed v, closest to the listener (distance d) mid-
event. What arrives at time t left the car at t - r/c: reading the source through that moving
delay gives the Doppler shift of every part at once (the engine's harmonics and the tyres'
noise alike). Level follows d / r, air absorbs the highs more when the car is far, and the
pan follows the bearing. At speed the tyres' roar on the road is as loud as the engine.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes.engine import engine_sound

SPEED_OF_SOUND = 343.0


def geometry(
    t: np.ndarray, at_s: float, speed: float, closest: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(range r in m, level d/r, pan -1..1) over time for a straight pass at `at_s`."""
    x = speed * (t - at_s)  # along the road, negative while approaching from the left
    r = np.sqrt(x * x + closest * closest)
    return r, closest / r, np.clip(x / r, -1.0, 1.0)


def tyre_roar(rng: np.random.Generator, m: int, low_sr: int, speed: float) -> dsp.Audio:
    """Tread blocks slapping the road and air pumped out of the grooves (unit RMS)."""
    # The roar centres near 1 kHz and climbs a little with speed; a slow wander is the
    # road surface changing under the wheels.
    centre = 700.0 + 12.0 * speed
    roar = dsp.filt(
        dsp.cascade(
            dsp.bandpass(0.35 * centre, 3.0 * centre, low_sr, order=2),
            dsp.peak(centre, 1.2, 6.0, low_sr),
        ),
        dsp.white(rng, m),
    )
    roar *= (1.0 + 0.2 * dsp.slow_noise(rng, m, low_sr, 3.0)).astype(np.float32)
    return roar * np.float32(1.0 / (dsp.rms_of(roar) + 1e-9))


def received(source: dsp.Audio, r: np.ndarray, low_sr: int, lead: int) -> dsp.Audio:
    """The source as heard through the propagation delay r/c (Doppler for every component).

    `source` starts `lead` samples before the listener's buffer: sound arriving at its first
    sample left the car that much earlier.
    """
    t = np.arange(r.shape[0]) / low_sr
    emitted = t - (r - r.min()) / SPEED_OF_SOUND  # the constant part of the delay is dropped
    return np.interp(emitted, (np.arange(source.shape[0]) - lead) / low_sr, source).astype(
        np.float32
    )


def synth(req: SynthRequest) -> np.ndarray:
    """Engine and tyres at the car, through the moving delay, 1/r level, air and pan."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(sr, 12000)
    low_sr, m = sr // k, n // k + 2
    t = np.arange(m) / low_sr
    speed = (12.0 + 28.0 * intensity) * rng.uniform(0.9, 1.1)
    closest = 4.0 + 36.0 * distance
    # Closest approach a little before the middle: the receding tail is the longer part.
    r, level, pan = geometry(t, rng.uniform(0.4, 0.5) * n / sr, speed, closest)
    # A car in a middle gear: a few thousand rpm, the driver's foot steady but not still.
    lead = int((r.max() - r.min()) / SPEED_OF_SOUND * low_sr) + 2
    size = rng.uniform(0.0, 0.35)
    rpm = rng.uniform(2000.0, 3000.0) * (1.0 + 0.02 * dsp.slow_noise(rng, m + lead, low_sr, 0.5))
    engine = engine_sound(rng, rpm, low_sr, size, 0.5 + 0.5 * intensity, 0.0)
    engine *= np.float32(1.0 / (dsp.rms_of(engine) + 1e-9))
    tyres = tyre_roar(rng, m + lead, low_sr, speed)
    source = engine + np.float32(0.5 + 0.8 * intensity) * tyres
    mono = received(source, r, low_sr, lead)
    # Air absorption: the share above ~1.5 kHz fades as the car draws away or is still far.
    highs = dsp.filt(dsp.highpass(1500.0, low_sr), mono)
    dull = np.clip(closest / r, 0.0, 1.0) ** 0.7
    mono += highs * (dull - 1.0).astype(np.float32)
    mono *= (level**1.3).astype(np.float32)
    gl, gr = dsp.pan_gains(0.9 * pan)
    out = dsp.upsample_stereo(np.stack([mono * gl.astype("f4"), mono * gr.astype("f4")]), k, n)
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.3)


RECIPE = Recipe(
    name="pass_by",
    family="machines",
    kind=EventKind.SFX,
    description="A vehicle driving past, its engine pitch dropping as it goes by (Doppler).",
    tags=(
        "pass by", "passby", "drive by", "drives past", "driving past", "car passing",
        "car passes", "passing car", "car driving by", "vehicle passing", "truck passing",
        "whoosh past", "zoom by", "speeding past", "doppler", "traffic passing",
        "motorbike passing",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=5.0,
)  # fmt: skip
