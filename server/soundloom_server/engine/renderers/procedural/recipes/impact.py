"""Impact: a struck object by modal synthesis, with a few bounces when it is hard and light."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._modal import MATERIALS, strike

MATERIAL = ParamSpec(
    "material",
    "wood",
    choices=tuple(MATERIALS),
    doc="What is struck: wood, metal, stone, glass or dirt (a soft thud)",
)


def _bounces(
    rng: np.random.Generator, intensity: float, size: float, material: str
) -> list[tuple[float, float]]:
    """(time s, level) of the strike and its rebounds: a dropped object loses energy each hop."""
    hits = [(0.005, 1.0)]
    if material == "dirt" or size > 0.8:
        return hits  # soft or heavy things stop dead
    restitution = {"metal": 0.6, "glass": 0.55, "stone": 0.5, "wood": 0.45}[material]
    gap = 0.05 + 0.25 * intensity * (1.0 - size)
    t, level = 0.005, 1.0
    for _ in range(int(rng.integers(0, 4))):
        gap *= restitution * rng.uniform(0.85, 1.1)
        level *= restitution * rng.uniform(0.8, 1.0)
        t += gap
        if gap < 0.012:
            break
        hits.append((t, level))
    return hits


def synth(req: SynthRequest) -> np.ndarray:
    """The main strike and its rebounds on one ringing body, panned near the centre."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    name = req.word("material")
    hits = _bounces(rng, intensity, size, name)
    mono = strike(rng, MATERIALS[name], size, intensity, sr, n, hits)
    # Air absorption: far strikes lose their highs.
    mono = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), mono)
    gl, gr = dsp.pan_gains(rng.uniform(-0.25, 0.25))
    out = dsp.stereo(mono * np.float32(gl), mono * np.float32(gr))
    dsp.fade_out(out, int(min(0.2, 0.2 * n / sr) * sr))
    return dsp.fit_peak(out, dsp.oneshot_peak(intensity, distance))


RECIPE = Recipe(
    name="impact",
    family="impacts",
    kind=EventKind.SFX,
    description="A struck object: wood knock, metal clang, stone clack, glass ping or dull thud.",
    tags=(
        "impact", "hit", "strike", "struck", "thud", "thump", "clang", "clank", "clunk", "bang",
        "knock", "smack", "whack", "collision", "crash into", "drop", "dropped", "falls", "fall",
        "clatter", "bump", "slam into", "metal hit", "wood hit", "pipe", "anvil", "beam",
        "hammer blow", "ping", "tink", "clack",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE, MATERIAL),
    typical_duration_s=1.5,
)  # fmt: skip
