"""Impact: a struck object heard in a room: the contact's noise, the body's modes, the debris.

Each material is its own model (van den Doel): a contact force whose length sets the brightness,
a bank of modes drawn at random inside the material's band for this object (no two objects ring
alike, and no fixed ratio set that the ear hears as a tuned instrument), decaying at the
material's rate with higher modes dying faster. Wood knocks on a few low, quickly damped modes;
metal rings long on dense inharmonic modes that beat in close pairs; stone is dead and gritty;
glass is bright and short; earth is a soft thud that throws up crumbs. A small room answers.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._modal import Body, body_ir, size_scale
from soundloom_server.engine.renderers.procedural.recipes._weapons import ROOM, in_space, space_ir

BODIES: dict[str, Body] = {
    "wood": Body((140, 2200), 16, 0.08, 0.7, 0.0, 0.0012, 0.5, (500, 5000), 0.004, 0.0,
                 (1, 2), 0.45, 0.9, 700.0),
    "metal": Body((300, 9000), 24, 1.8, 0.35, 0.004, 0.0003, 0.35, (2000, 12000), 0.003,
                  0.0, (1, 2), 0.6, 0.7, 250.0),
    "stone": Body((500, 6000), 8, 0.03, 0.4, 0.0, 0.0006, 1.0, (800, 9000), 0.006, 0.4,
                  (1500, 9000), 0.5, 1.0, 400.0),
    "glass": Body((1500, 9000), 8, 0.45, 0.5, 0.002, 0.0003, 0.3, (3000, 14000), 0.002, 0.0,
                  (1, 2), 0.55, 0.7),
    "dirt": Body((60, 400), 6, 0.06, 0.6, 0.0, 0.008, 0.6, (150, 2500), 0.02, 0.5,
                 (600, 5000), 0.0, 0.6),
}  # fmt: skip

MATERIAL = ParamSpec(
    "material",
    "wood",
    choices=tuple(BODIES),
    doc="What is struck: wood, metal, stone, glass or dirt (a soft thud)",
)


def _bounces(
    rng: np.random.Generator, intensity: float, size: float, body: Body
) -> list[tuple[float, float]]:
    """(time s, level) of the strike and, for small hard things, their rebounds.

    A rebound from height h flies 2*sqrt(2h/g) s; each hop keeps `restitution` of the speed, so
    gaps and levels shrink geometrically. Big or soft things stop dead on the first hit.
    """
    hits = [(0.005, 1.0)]
    if body.restitution <= 0.0 or size > 0.4:
        return hits
    drop_m = 0.05 + 0.4 * intensity * rng.uniform(0.7, 1.3)
    gap = 2.0 * np.sqrt(2.0 * drop_m / 9.81)
    t, level = 0.005, 1.0
    for _ in range(int(rng.integers(1, 4))):
        gap *= body.restitution * rng.uniform(0.9, 1.1)
        level *= body.restitution * rng.uniform(0.8, 1.0)
        t += gap
        if gap < 0.015:
            break
        hits.append((t, level))
    return hits


def _contact(
    rng: np.random.Generator,
    body: Body,
    size: float,
    hardness: float,
    sr: int,
    length: int,
    hits: list[tuple[float, float]],
) -> tuple[dsp.Audio, dsp.Audio]:
    """(force into the body, the contact's own noise) for every hit."""  # fmt: skip
    force = np.zeros(length, np.float32)
    noise = np.zeros(length, np.float32)
    width = body.contact_s * 2.0 ** (2.0 * (0.5 - hardness)) * (0.7 + 0.6 * size)
    pulse = dsp.half_sine(width, sr)
    grit_len = int((body.grit_s * 6.0 + width) * sr)
    t = np.arange(grit_len) / sr
    for at_s, level in hits:
        start = int(at_s * sr)
        if start >= length:
            break
        dsp.place(force, pulse * np.float32(level), start)
        env = dsp.envelope_ad(t, width * 0.5, body.grit_s * rng.uniform(0.7, 1.3))
        dsp.place(
            noise, dsp.white(rng, grit_len) * env.astype(np.float32) * np.float32(level), start
        )
    # Smaller objects and harder strikes scratch higher.
    shift = np.sqrt(size_scale(size)) * (0.7 + 0.6 * hardness)
    band = dsp.bandpass(body.grit_hz[0] * shift, body.grit_hz[1] * min(shift, 1.5), sr)
    return force, dsp.filt(band, noise)


def _debris(
    rng: np.random.Generator, body: Body, intensity: float, sr: int, length: int, at: int
) -> dsp.Audio:
    """Chips or crumbs thrown up by the hit, landing over the next few hundred ms (PhISEM)."""
    span = int(0.35 * sr)
    count = int(rng.poisson(10 + 30 * intensity))
    # Most land soon after the hit: an exponentially falling rate.
    offsets = (rng.exponential(0.08, count) * sr).astype(np.int64)
    times = at + offsets[offsets < span]
    times = times[times < length]
    amps = rng.pareto(2.5, times.shape[0]) * np.exp(-(times - at) / (0.15 * sr))
    grains = dsp.filt(dsp.bandpass(*body.debris_hz, sr, order=2), dsp.impulses(length, times, amps))
    return grains


def synth(req: SynthRequest) -> np.ndarray:
    """The strike and its rebounds on one body, the contact noise, debris, the room."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    body = BODIES[req.word("material")]
    hits = _bounces(rng, intensity, size, body)
    force, grit = _contact(rng, body, size, intensity, sr, n, hits)
    ring = dsp.convolve(force, body_ir(rng, body, size, sr, n), n)
    mono = ring / np.float32(dsp.peak_of(ring) + 1e-9)
    mono += grit * np.float32(body.grit * (0.5 + intensity) / (dsp.peak_of(grit) + 1e-9))
    if body.debris > 0.0:
        chips = _debris(rng, body, intensity, sr, n, int(hits[0][0] * sr))
        mono += chips * np.float32(body.debris / (dsp.peak_of(chips) + 1e-9))
    gl, gr = dsp.pan_gains(rng.uniform(-0.25, 0.25))
    dry = dsp.stereo(mono * np.float32(gl), mono * np.float32(gr))
    ir = space_ir(rng, ROOM, sr, n, t60_scale=rng.uniform(0.8, 1.2))
    ir *= np.float32(body.wet * (1.0 + 1.5 * distance))
    out = in_space(dry, ir)
    # Air absorption: far strikes lose their highs.
    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), out, axis=0)
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
