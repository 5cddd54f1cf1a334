"""Electric buzz: a neon tube or faulty ballast buzzing at twice mains, with arcing crackle.

The buzz is a hard, rectified-looking waveform at 100 or 120 Hz, rich in harmonics (a table of
slowly falling partials), flickering as the discharge wavers. Arcs add bursts of sharp sparks in
clusters. The tone is read from a wavetable at full rate: the harmonics reach far up.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import oscillator, wavetable

MAINS = ParamSpec("mains", "50", choices=("50", "60"), doc="Mains frequency: 50 or 60 Hz")


def synth(req: SynthRequest) -> np.ndarray:
    """Harmonic buzz with flicker, plus clusters of spark bursts, through air absorption."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    buzz_hz = 2.0 * float(req.word("mains"))
    count = int(min(60, 0.45 * sr / buzz_hz))  # partials below Nyquist
    # Harsher (intensity) means partials fall off more slowly.
    amps = rng.uniform(0.6, 1.0, count) / np.arange(1, count + 1) ** (0.7 - 0.4 * intensity)
    table = wavetable(amps, rng.uniform(0, 2 * np.pi, count), size=1 << 14)
    tone = oscillator(table, buzz_hz, sr, n)
    tone *= np.float32(1.0 / (dsp.rms_of(tone) + 1e-9))
    # The discharge wavers: slow flicker plus occasional brief sags.
    flicker = np.clip(1.0 + 0.15 * dsp.slow_noise(rng, n, sr, 2.0), 0.3, 1.5)
    tone *= flicker.astype(np.float32)
    # Sparks come in clusters: a few arcs a second, each a rapid run of cracks.
    sparks = [
        dsp.noise_burst(rng, int(0.01 * sr), sr, (2000.0, 12000.0), 0.0002, 0.0015)
        for _ in range(6)
    ]
    mono = tone
    arc_rate = 0.3 + 2.0 * intensity
    for at in dsp.poisson_times(rng, arc_rate, n, sr):
        offsets = np.cumsum(rng.exponential(0.012 * sr, int(rng.integers(3, 15)))).astype(int)
        for off in offsets:
            dsp.place(mono, sparks[int(rng.integers(6))], int(at + off), rng.uniform(0.5, 3.0))
    mono = dsp.filt(
        dsp.cascade(
            dsp.highpass(60.0, sr),
            # The rattling casing or tube: a harsh resonance a few kHz up.
            dsp.peak(rng.uniform(1800.0, 3500.0), 1.2, 9.0, sr),
            dsp.lowpass(dsp.distance_cutoff(distance), sr),
        ),
        mono,
    )
    out = dsp.widen(mono, sr, width=0.3)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="electric_buzz",
    family="machines",
    kind=EventKind.AMBIENCE,
    description="An electrical buzz: a neon sign or faulty fluorescent light humming and sparking.",
    tags=(
        "electric buzz", "electrical buzz", "electric hum", "electrical hum",
        "neon", "neon sign", "neon hum", "fluorescent light", "flickering light", "ballast",
        "power line", "high voltage", "sparks", "sparking", "arcing", "electricity",
        "short circuit", "live wire",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, MAINS),
    typical_duration_s=30.0,
)  # fmt: skip
