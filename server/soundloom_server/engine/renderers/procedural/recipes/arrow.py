"""Arrow: a bowstring twangs, the arrow hisses through the air and thunks into a wooden target."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._modal import MATERIALS, strike
from soundloom_server.engine.renderers.procedural.recipes._weapons import swing

TARGET = ParamSpec(
    "target", "wood", choices=("wood", "none"), doc="What it hits: a wooden target, or nothing"
)


def _twang(rng: np.random.Generator, sr: int, size: float, m: int) -> dsp.Audio:
    """A plucked bowstring: harmonic modes (pluck at the nocking point), quickly damped."""
    f0 = rng.uniform(100.0, 140.0) * 2.0 ** (-0.6 * (size - 0.5))
    k = np.arange(1, 16)
    where = rng.uniform(0.12, 0.2)  # pluck position along the string: shapes the harmonics
    gains = np.abs(np.sin(np.pi * k * where)) / k
    t60 = rng.uniform(0.25, 0.4) * k**-0.5
    string = dsp.modal_ir(f0 * k * (1.0 + 0.0004 * k * k), t60, gains, m, sr)
    string *= np.float32(1.0 / (dsp.peak_of(string) + 1e-9))
    # The limbs snapping forward: a short low knock under the string.
    t = np.arange(m) / sr
    limb = np.sin(2.0 * np.pi * 75.0 * t) * dsp.envelope_ad(t, 0.001, 0.008)
    return (string + 0.25 * limb).astype(np.float32)


def synth(req: SynthRequest) -> np.ndarray:
    """Twang at the start, the flight's swish, then (unless it misses) the thunk and a quiver."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    duration = n / sr
    out = np.zeros((n, 2), np.float32)
    twang = _twang(rng, sr, size, min(n, int(0.6 * sr)))
    dsp.place(out, twang * np.float32(0.8), int(0.003 * sr))

    flight = min(rng.uniform(0.3, 0.5), 0.45 * duration)
    swish = swing(rng, flight, rng.uniform(1800.0, 2800.0), sr, q=2.0, peak_at=0.7)
    dsp.place(out, swish * np.float32(0.3 + 0.2 * intensity), int(0.02 * sr))

    if req.word("target") == "wood":
        hit_at = int((0.02 + flight) * sr)
        length = min(int(0.5 * sr), n - hit_at)
        if length > 0:
            thunk = strike(rng, MATERIALS["wood"], 0.35, 0.7 + 0.3 * intensity, sr, length)
            thunk *= np.float32(1.0 / (dsp.peak_of(thunk) + 1e-9))
            # The shaft quivers in the target: a buzzing few-hundred-hertz flutter.
            t = np.arange(length) / sr
            quiver = np.sin(2.0 * np.pi * rng.uniform(180.0, 260.0) * t) * (
                0.5 + 0.5 * np.sin(2.0 * np.pi * rng.uniform(18.0, 26.0) * t)
            )
            quiver *= dsp.envelope_ad(t, 0.005, 0.08)
            dsp.place(out, thunk + np.float32(0.2) * quiver.astype(np.float32), hit_at)
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="arrow",
    family="weapons",
    kind=EventKind.SFX,
    description="An arrow shot: bowstring twang, a hiss of flight and a thunk into a target.",
    tags=(
        "arrow", "arrows", "bow", "bow and arrow", "bowstring", "archer", "archery", "longbow",
        "crossbow", "bolt", "arrow shot", "shoots an arrow", "fires an arrow", "arrow hits",
        "arrow thunk", "twang", "volley of arrows",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE, TARGET),
    typical_duration_s=1.2,
)  # fmt: skip
