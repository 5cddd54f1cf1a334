"""Aircraft: a jet flying over, its fan whine arriving first and its exhaust roar after.

A turbofan radiates two sounds in different directions. The fan's blade tones and the buzz-saw
of shaft-order tones beam forward, so an approaching jet whines; the exhaust's turbulent mixing
noise, a broad low roar, peaks about 140 degrees from the nose, so after it passes it roars and
rumbles away. Heard through the flyover geometry: Doppler falling through the pass, 1/r level,
the ground echo sweeping a comb, and the air taking the highs off as it recedes.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._flight import (
    geometry,
    hear,
    lobe,
    straight_line,
)
from soundloom_server.engine.renderers.procedural.recipes._machines import oscillator, wavetable

TYPE = ParamSpec(
    "type", "airliner", choices=("airliner", "fighter"), doc="airliner (whine, roar) or fighter"
)


def fan_tones(rng: np.random.Generator, n: int, sr: int, shaft_hz: float, blades: int) -> dsp.Audio:
    """The fan: its blade-passing tone, buzz-saw shaft orders below it and broadband fan noise."""
    orders = np.arange(1, blades + 1)
    # Shock waves off supersonic blade tips are never quite equal: every shaft order sounds.
    amps = rng.uniform(0.03, 0.15, blades) * (orders / blades) ** 2
    amps[-1] = 1.0  # the blade-passing frequency itself
    drift = 1.0 + 0.002 * dsp.slow_noise(rng, n, sr, 0.5)
    tone = oscillator(
        wavetable(amps, rng.uniform(0, 2 * np.pi, blades), size=16384), shaft_hz * drift, sr, n
    )
    hiss = dsp.filt(dsp.bandpass(1200.0, 7000.0, sr), dsp.white(rng, n))
    return tone / np.float32(dsp.rms_of(tone) + 1e-9) + np.float32(0.8) * hiss / np.float32(
        dsp.rms_of(hiss) + 1e-9
    )


def exhaust_roar(
    rng: np.random.Generator, n: int, sr: int, peak_hz: float, crackle: float
) -> dsp.Audio:
    """Jet mixing noise: a broad hump an octave or two wide, rumble below it, hiss above."""
    shape = dsp.cascade(
        dsp.pink_sos(),
        dsp.highpass(0.15 * peak_hz, sr, order=1),
        dsp.peak(peak_hz, 0.6, 8.0, sr),
        dsp.lowpass(6.0 * peak_hz, sr, order=1),
    )
    roar = dsp.filt(shape, dsp.white(rng, n))
    # Atmospheric turbulence makes a distant jet's level scintillate by a dB or two; fighters
    # add the crackle of shocklets, the jet's supersonic eddies steepening into pops.
    roar *= np.float32(1.0) + np.float32(0.15) * dsp.slow_noise(rng, n, sr, 3.0)
    if crackle > 0.0:
        times = dsp.poisson_times(rng, 60.0, n, sr)
        pops = dsp.impulses(n, times, rng.uniform(-1.0, 1.0, times.shape[0]))
        pops = dsp.filt(dsp.bandpass(800.0, 6000.0, sr), pops)
        roar += np.float32(crackle * 4.0 * dsp.rms_of(roar) / (dsp.rms_of(pops) + 1e-9)) * pops
    return roar / np.float32(dsp.rms_of(roar) + 1e-9)


def synth(req: SynthRequest) -> np.ndarray:
    """One pass: the plane is closest 40 % of the way through, left to right."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    fighter = req.word("type") == "fighter"
    span = n / sr
    speed = rng.uniform(180.0, 240.0) if fighter else rng.uniform(75.0, 95.0)
    altitude = 60.0 + 900.0 * distance**1.5 + rng.uniform(0.0, 60.0)
    path = straight_line(speed, 0.4 * span, altitude, rng.uniform(-80.0, 80.0), rng.choice([-1, 1]))
    geom = geometry(path, n, sr, max_range_m=speed * span + altitude + 200.0)
    m = geom.source_frames(sr)
    # More thrust: a faster fan (higher whine) and a louder, brighter jet.
    shaft = (95.0 if fighter else 55.0) * (0.85 + 0.3 * intensity) * rng.uniform(0.95, 1.05)
    fan = fan_tones(rng, m, sr, shaft, 18 if fighter else 24)
    roar = exhaust_roar(
        rng, m, sr, (350.0 if fighter else 180.0) * (0.8 + 0.4 * intensity), 0.3 if fighter else 0.0
    )
    forward = geom.curve(lobe(geom.heading_cos, 45.0, 45.0, 0.05), sr)
    aft = geom.curve(lobe(geom.heading_cos, 140.0, 40.0, 0.15), sr)
    source = fan * forward * np.float32(0.15) + roar * aft
    out = hear(source, sr, geom, n)
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.8)


RECIPE = Recipe(
    name="aircraft",
    family="vehicles",
    kind=EventKind.SFX,
    description="A jet flying over: fan whine approaching, a roar as it passes, rumbling away.",
    tags=(
        "aircraft", "airplane", "aeroplane", "plane", "jet", "jet plane", "jet engine",
        "airliner", "passenger jet", "plane overhead", "plane flying over", "jet flyover",
        "fighter jet", "fighter plane", "jumbo jet", "airport", "take off", "landing plane",
        "plane passing overhead", "jet roar",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, TYPE),
    typical_duration_s=10.0,
)  # fmt: skip
