"""Frogs: a chorus of individuals, each croaking pulse trains through its own resonance."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest


def _pulses(rng: np.random.Generator, duration: float, intensity: float) -> tuple[np.ndarray, ...]:
    """Per pulse: start s, carrier Hz, pulse length s, level, pan; frogs call rhythmically."""
    starts, carriers, widths, levels, pans = [], [], [], [], []
    for _ in range(3 + round(5 * intensity)):
        carrier = np.exp(rng.uniform(np.log(300.0), np.log(2000.0)))  # body size sets the pitch
        pulse_rate = rng.uniform(10.0, 40.0)
        period = rng.uniform(0.7, 3.0)  # one call every `period` s, each `call_s` long
        call_s = rng.uniform(0.15, 0.9)
        # Big (low) frogs are louder.
        pan, level = rng.uniform(-1.0, 1.0), rng.uniform(0.3, 1.0) * np.sqrt(700.0 / carrier)
        calls = np.arange(rng.uniform(-period, 0.0), duration, period)
        calls = calls + rng.normal(0.0, 0.08 * period, calls.shape[0])  # not a metronome
        per_call = max(1, int(call_s * pulse_rate))
        offsets = np.arange(per_call) / pulse_rate
        t = (calls[:, None] + offsets[None, :]).reshape(-1)
        # A call swells and fades over its pulses.
        shape = np.tile(
            np.sin(np.pi * (offsets + 0.5 / pulse_rate) / (per_call / pulse_rate)), calls.size
        )
        keep = (t >= 0.0) & (t < duration) & (rng.random(t.shape[0]) < 0.9)
        count = int(keep.sum())
        starts.append(t[keep])
        carriers.append(carrier * rng.uniform(0.97, 1.03, count))
        widths.append(np.full(count, 0.55 / pulse_rate))
        levels.append(level * shape[keep])
        pans.append(np.full(count, pan))
    return tuple(np.concatenate(a) for a in (starts, carriers, widths, levels, pans))


def synth(req: SynthRequest) -> np.ndarray:
    """Pulses as grains at 16 kHz (carriers under 2 kHz), over a faint wet-air bed."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(sr, 16000)
    low_sr, m = sr // k, n // k + 2
    starts, carriers, widths, levels, pans = _pulses(rng, m / low_sr, intensity)

    grains = dsp.Grains((starts * low_sr).astype(np.int64), (widths * low_sr).astype(np.int64), m)
    t = grains.t / np.float32(low_sr)
    x = t / grains.per_grain(widths)
    # Each pulse: a fast-rising, decaying tone with a little downward glide and 2nd/3rd
    # harmonics (the vocal sac's resonance is not a pure sine).
    env = np.sin(np.float32(np.pi) * x) * np.exp(-3.0 * x)
    phase = np.float32(2.0 * np.pi) * grains.per_grain(carriers) * t * (1.0 - 0.06 * x)
    values = env * (np.sin(phase) + 0.45 * np.sin(2.0 * phase) + 0.2 * np.sin(3.0 * phase))
    # Air absorption at each frog's pitch (a first-order low-pass magnitude).
    cut = dsp.distance_cutoff(distance)
    air = 1.0 / np.sqrt(1.0 + (carriers * 2.0 / cut) ** 2)
    gl, gr = dsp.pan_gains(pans)
    chorus = grains.scatter(values, levels * air * gl, levels * air * gr)

    # Wet air and distant frogs: a soft band of noise, ~18 dB under the chorus.
    bed = dsp.filt(
        dsp.cascade(dsp.bandpass(150.0, 2500.0, low_sr), dsp.lowpass(min(cut, 6000.0), low_sr)),
        dsp.white(rng, m),
    )
    chorus += dsp.widen(bed, low_sr) * np.float32(
        0.12 * dsp.rms_of(chorus) / (dsp.rms_of(bed) + 1e-12)
    )
    out = dsp.upsample_stereo(chorus.T, k, n)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="frogs",
    family="nature",
    kind=EventKind.AMBIENCE,
    description="Frogs: a chorus of croaking frogs and toads, pulsed calls from all around.",
    tags=(
        "frogs",
        "frog",
        "croaking",
        "croak",
        "croaks",
        "croaking frogs",
        "frog chorus",
        "frogs croaking",
        "ribbit",
        "ribbiting",
        "toads",
        "toad",
        "bullfrog",
        "bullfrogs",
        "tree frogs",
        "peepers",
        "spring peepers",
        "amphibians",
        "pond frogs",
        "frog calls",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)
