"""Pass-by: a vehicle driving past, its engine pitch dropping (Doppler) as it goes left to right.

The source moves along a straight road at speed v, closest to the listener (distance d) mid-
event. Received frequency is f * c / (c - v cos(theta)) with theta between the velocity and the
line to the listener (ahead: higher, behind: lower); level follows d / r and the pan follows the
bearing. Engine harmonics and tyre/wind noise are built at a low rate and panned per sample.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import oscillator, wavetable

SPEED_OF_SOUND = 343.0


def geometry(
    t: np.ndarray, at_s: float, speed: float, closest: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Doppler factor, level d/r, pan -1..1) over time for a straight pass at `at_s`."""
    x = speed * (t - at_s)  # along the road, negative while approaching from the left
    r = np.sqrt(x * x + closest * closest)
    cos_theta = -x / r  # velocity component towards the listener, as a share of the speed
    doppler = SPEED_OF_SOUND / (SPEED_OF_SOUND - speed * cos_theta)
    return doppler, closest / r, np.clip(x / r, -1.0, 1.0)


def synth(req: SynthRequest) -> np.ndarray:
    """Doppler-shifted engine harmonics and tyre noise, level and pan from the geometry."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(sr, 12000)
    low_sr, m = sr // k, n // k + 2
    t = np.arange(m) / low_sr
    span = n / sr
    speed = (12.0 + 28.0 * intensity) * rng.uniform(0.9, 1.1)
    closest = 4.0 + 36.0 * distance
    # Closest approach a little before the middle: the receding tail is the longer part.
    doppler, level, pan = geometry(t, rng.uniform(0.4, 0.5) * span, speed, closest)
    engine_hz = rng.uniform(70.0, 120.0) * (1.0 + 0.01 * dsp.slow_noise(rng, m, low_sr, 1.0))
    ks = np.arange(1, 13)
    amps = rng.uniform(0.5, 1.0, 12) / ks**0.9
    engine = oscillator(
        wavetable(amps, rng.uniform(0, 2 * np.pi, 12)), engine_hz * doppler, low_sr, m
    )
    engine = dsp.filt(dsp.lowpass(1500.0, low_sr), engine)
    tyres = dsp.filt(dsp.bandpass(300.0, 3000.0, low_sr), dsp.white(rng, m))
    tyres *= np.float32(dsp.rms_of(engine) / (dsp.rms_of(tyres) + 1e-9))
    # Tyre and wind noise grow with speed.
    mono = engine + np.float32(0.3 + 0.5 * intensity) * tyres
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
