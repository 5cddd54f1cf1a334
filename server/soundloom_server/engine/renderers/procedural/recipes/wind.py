"""Wind: Farnell's rumble + blow + howl, all driven by slow random gust curves."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest

GUSTINESS = ParamSpec("gustiness", 0.5, doc="0 steady .. 1 violent gusts")


def _channel(rng: np.random.Generator, speed: np.ndarray, sr: int, howl_hz: float) -> np.ndarray:
    """One ear's wind at the low rate `sr`, from the wind-speed curve `speed` (0 .. ~1.5)."""
    noise = dsp.white(rng, speed.shape[0])
    pink = dsp.filt(dsp.cascade(dsp.pink_sos(), dsp.lowpass(4000.0, sr, order=2)), noise)
    # A swept low-pass (100 Hz calm .. 4 kHz gale) as a crossfade of complementary bands: a
    # per-sample coefficient sweep cannot be vectorised, but the split bands can. The lowest
    # band is the rumble.
    low = dsp.filt(dsp.cascade(dsp.lowpass(220.0, sr), dsp.highpass(18.0, sr)), pink)
    mid = dsp.filt(dsp.lowpass(1000.0, sr), pink)
    s = np.clip(speed, 0.0, None).astype(np.float32)
    s2 = s * s
    pink -= mid
    pink *= 0.9 * s2
    mid -= low
    mid *= 1.6 * s
    low *= 0.3 + 0.6 * s
    blow = low + mid + pink
    # Howl: a narrow resonance (400-800 Hz) that only sings in the stronger gusts.
    howl = dsp.filt(
        dsp.cascade(dsp.resonator(howl_hz, 18.0, sr), dsp.resonator(howl_hz, 18.0, sr)), noise
    )
    over = np.clip(s - 0.45, 0.0, None)
    blow += howl * (5.0 * over * over)
    return blow


def synth(req: SynthRequest) -> np.ndarray:
    """Gusting wind, each ear from its own noise, sharing the gust curve a moment apart."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, gustiness = req.number("intensity"), req.number("gustiness")
    k = dsp.low_rate_factor(sr, 11000)  # nothing above ~4 kHz: work at a quarter rate
    low_sr, m = sr // k, n // k + 2
    lag = int(rng.uniform(0.15, 0.4) * low_sr)  # the gust reaches one ear a little later
    drift = dsp.slow_noise(rng, m + lag, low_sr, 0.03, control_rate=50)
    gusts = dsp.slow_noise(rng, m + lag, low_sr, 0.25, control_rate=50)
    base = 0.25 + 0.6 * intensity
    speed = base * (1.0 + 0.15 * drift) + gustiness * (0.15 + 0.35 * intensity) * np.maximum(
        gusts, -0.6 - 0.4 * (1.0 - gustiness)
    )
    # Each ear hears a different obstacle whistle: one howl pitch per channel.
    left = _channel(rng, speed[lag:], low_sr, rng.uniform(400.0, 560.0))
    right = _channel(rng, speed[:m], low_sr, rng.uniform(600.0, 800.0))
    out = dsp.stereo(dsp.upsample(left, k, n), dsp.upsample(right, k, n))
    return dsp.fit_rms(out, dsp.bed_rms(intensity, 0.3))


RECIPE = Recipe(
    name="wind",
    family="weather",
    kind=EventKind.AMBIENCE,
    description="Wind: low rumble, a blow whose brightness follows the gusts, and a howling band.",
    tags=(
        "wind",
        "windy",
        "winds",
        "breeze",
        "breezy",
        "gust",
        "gusts",
        "gusty",
        "gale",
        "howling",
        "howling wind",
        "blowing",
        "blustery",
        "draft",
        "draught",
        "storm wind",
        "windstorm",
        "wind howling",
        "whistling wind",
        "air",
        "gale force",
        "squall",
        "blizzard",
        "tempest",
        "wind through trees",
        "windswept",
    ),
    synth=synth,
    params=(dsp.INTENSITY, GUSTINESS),
    typical_duration_s=30.0,
)
