"""Electric buzz: a neon tube or faulty ballast buzzing at twice mains, with arcing crackle.

Magnetostriction makes transformer and ballast cores hum at twice the mains frequency (100 or
120 Hz). A buzz is that hum made harsh: loose laminations and the lamp's discharge rattle once
per half-cycle, each rattle a burst of broadband noise whose strength varies from cycle to
cycle, and the discharge's current is a clipped, harmonic-rich wave that wavers. Arcs add
clusters of sharp sparks. Everything is locked to the mains: the harmonics stay exact.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import oscillator, wavetable

MAINS = ParamSpec("mains", "50", choices=("50", "60"), doc="Mains frequency: 50 or 60 Hz")


def core_hum(rng: np.random.Generator, n: int, sr: int, buzz_hz: float, harsh: float) -> dsp.Audio:
    """The clipped discharge current and the core's hum: exact harmonics of the buzz (unit RMS)."""
    count = int(min(60, 0.45 * sr / buzz_hz))  # partials below Nyquist
    # Harsher (intensity) means partials fall off more slowly.
    amps = rng.uniform(0.6, 1.0, count) / np.arange(1, count + 1) ** (1.0 - 0.5 * harsh)
    amps[:3] *= 2.0  # the core's own magnetostriction hum sits in the low harmonics
    # A clipped current is one coherent wave: its harmonics are phase-locked (a hard edge
    # each half-cycle), not a random-phase wash.
    tone = oscillator(wavetable(amps, size=1 << 14), buzz_hz, sr, n)
    return tone * np.float32(1.0 / (dsp.rms_of(tone) + 1e-9))


def rattle(rng: np.random.Generator, n: int, sr: int, buzz_hz: float) -> dsp.Audio:
    """A loose lamination or the arc re-striking: a noise burst each half-cycle (unit RMS)."""
    phase = np.arange(n) * (buzz_hz / sr) + rng.uniform()
    cycle = phase.astype(np.int64)
    frac = (phase - cycle).astype(np.float32)
    # Each contact is a little harder or softer than the last; the looseness wanders slowly.
    per_cycle = np.clip(1.0 + 0.15 * rng.standard_normal(int(cycle[-1]) + 1), 0.3, 2.0)
    loose = np.clip(1.0 + 0.2 * dsp.slow_noise(rng, n, sr, 1.5), 0.3, 2.0)
    gate = per_cycle[cycle].astype(np.float32) * np.exp(np.float32(-12.0) * frac) * loose
    burst = dsp.filt(dsp.bandpass(500.0, 6000.0, sr), dsp.white(rng, n) * gate)
    return burst * np.float32(1.0 / (dsp.rms_of(burst) + 1e-9))


def sparks(rng: np.random.Generator, n: int, sr: int, intensity: float) -> dsp.Audio:
    """Arcs: a few a second, each a rapid run of cracks."""
    shapes = [
        dsp.noise_burst(rng, int(0.01 * sr), sr, (2000.0, 12000.0), 0.0002, 0.0015)
        for _ in range(6)
    ]
    out = np.zeros(n, np.float32)
    for at in dsp.poisson_times(rng, 0.2 + 0.8 * intensity, n, sr):
        offsets = np.cumsum(rng.exponential(0.012 * sr, int(rng.integers(3, 15)))).astype(int)
        for off in offsets:
            dsp.place(out, shapes[int(rng.integers(6))], int(at + off), rng.uniform(0.5, 3.0))
    return out


def synth(req: SynthRequest) -> np.ndarray:
    """Hum, per-half-cycle rattle and sparks, through the casing's resonance and the air."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    buzz_hz = 2.0 * float(req.word("mains"))
    tone = core_hum(rng, n, sr, buzz_hz, intensity)
    # The discharge wavers: slow flicker.
    tone *= np.clip(1.0 + 0.15 * dsp.slow_noise(rng, n, sr, 2.0), 0.3, 1.5).astype(np.float32)
    mono = tone + np.float32(0.1 * (1.0 + intensity)) * rattle(rng, n, sr, buzz_hz)
    mono += np.float32(0.2) * sparks(rng, n, sr, intensity)
    mono = dsp.filt(
        dsp.cascade(
            dsp.highpass(60.0, sr),
            # The rattling casing or tube: a harsh resonance a few kHz up.
            dsp.peak(rng.uniform(1800.0, 3500.0), 1.2, 6.0, sr),
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
