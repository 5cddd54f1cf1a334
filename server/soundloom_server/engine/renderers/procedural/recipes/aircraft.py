"""Aircraft: a jet flying over, its fan whine heard all through the pass over the exhaust roar.

A high-bypass turbofan radiates two sounds in different directions. The fan's blade-passing
tone (24 blades at ~80 rev/s: a ~2 kHz whine, with its harmonic) leaves forward through the
inlet and, about as loud, aft through the bypass duct, so the whine is heard as the jet comes
and as it goes, Doppler-lowered after the pass; only at full thrust do supersonic blade tips add
the buzz-saw of every shaft order. The exhaust's turbulent mixing noise, a broad roar, peaks
about 140 degrees from the nose, ~10 dB down ahead. Heard from a few hundred metres below:
Doppler falling through the pass, 1/r level, the ground echo sweeping a comb, and the air
taking the highs off so the roar is a dark rumble by the time it has gone.
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


def fan_tones(
    rng: np.random.Generator, n: int, sr: int, shaft_hz: float, blades: int, buzz: float
) -> dsp.Audio:
    """The fan: its blade-passing whine and second harmonic, buzz-saw orders, a band of hiss."""
    orders = np.arange(1, 2 * blades + 1)
    # Subsonic blade tips radiate the blade-passing tone and its harmonic; supersonic tips
    # (full thrust) shed shocks that are never quite equal, so every shaft order buzzes.
    amps = buzz * rng.uniform(0.02, 0.1, orders.shape[0]) * np.minimum(orders / blades, 1.0) ** 2
    amps[blades - 1], amps[2 * blades - 1] = 1.0, rng.uniform(0.2, 0.4)
    drift = 1.0 + 0.002 * dsp.slow_noise(rng, n, sr, 0.5)
    tone = oscillator(
        wavetable(amps, rng.uniform(0, 2 * np.pi, orders.shape[0]), size=32768),
        shaft_hz * drift,
        sr,
        n,
    )
    bpf = shaft_hz * blades
    hiss = dsp.filt(dsp.bandpass(0.5 * bpf, 2.0 * bpf, sr), dsp.white(rng, n))
    return tone / np.float32(dsp.rms_of(tone) + 1e-9) + np.float32(0.3) * hiss / np.float32(
        dsp.rms_of(hiss) + 1e-9
    )


def exhaust_roar(
    rng: np.random.Generator, n: int, sr: int, peak_hz: float, crackle: float
) -> dsp.Audio:
    """Jet mixing noise: a broad hump an octave or two wide, rumble below it, hiss above."""
    shape = dsp.cascade(
        dsp.pink_sos(),
        dsp.highpass(0.15 * peak_hz, sr, order=1),
        dsp.peak(peak_hz, 0.5, 6.0, sr),
        dsp.lowpass(8.0 * peak_hz, sr, order=1),
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
    """One pass: the plane is closest 45 % of the way through, left to right or right to left."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    fighter = req.word("type") == "fighter"
    span = n / sr
    speed = rng.uniform(180.0, 240.0) if fighter else rng.uniform(75.0, 95.0)
    altitude = 250.0 + 900.0 * distance**1.5 + rng.uniform(0.0, 150.0)
    heading = rng.choice([-1, 1])
    path = straight_line(speed, 0.45 * span, altitude, rng.uniform(-80.0, 80.0), heading)
    geom = geometry(path, n, sr, max_range_m=speed * span + altitude + 200.0)
    m = geom.source_frames(sr)
    # More thrust: a faster fan (higher whine) and a louder, brighter jet.
    shaft = (120.0 if fighter else 80.0) * (0.85 + 0.3 * intensity) * rng.uniform(0.95, 1.05)
    fan = fan_tones(rng, m, sr, shaft, 18 if fighter else 24, 1.0 if fighter else 0.2)
    roar = exhaust_roar(
        rng, m, sr, (500.0 if fighter else 300.0) * (0.8 + 0.4 * intensity), 0.3 if fighter else 0.0
    )
    # The fan is heard out of the inlet ahead and, nearly as loud, out of the bypass duct behind;
    # on an airliner's high-bypass engine it is the loudest source ahead of the plane, the jet
    # behind it; a fighter's low-bypass engine is mostly jet.
    inlet = lobe(geom.heading_cos, 45.0, 50.0, 0.1)
    bypass = 0.6 * lobe(geom.heading_cos, 125.0, 35.0, 0.0)
    fan_lobe = geom.curve(np.maximum(inlet, bypass), sr)
    jet_lobe = geom.curve(lobe(geom.heading_cos, 140.0, 40.0, 0.35), sr)
    source = fan * fan_lobe * np.float32(0.15 if fighter else 0.5) + roar * jet_lobe
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
