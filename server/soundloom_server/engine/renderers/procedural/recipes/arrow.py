"""Arrow: the bow's release, the arrow's flight, and its thunk into a wooden target.

On release the limbs snap forward and stop the string dead: a dull knock of the riser and
limbs, the string's slap, and a few cycles of string vibration that the limbs and silencers
damp within a tenth of a second (a bow is not a harp: no ringing note). The fletching rushes
through the air, loudest as the arrow passes the listener. At the target, the head punches in:
a pointed head parts the fibres rather than splitting the board, so the strike is the board's
damped thud with only a faint, mid-band tick of torn fibre (a bright crack at the end of a swish
is a whip's), and the shaft quivers: held at one end it bends at its first cantilever mode
(14-22 Hz) and knocks dully, wood in wood, against its hole for a quarter second until it
settles (without that quiver, too, a hit right after a swish is a whip's). The open range
answers with a soft tail.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._modal import Body, body_ir
from soundloom_server.engine.renderers.procedural.recipes._weapons import (
    FIELD,
    in_space,
    space_ir,
    swing,
)

TARGET = ParamSpec(
    "target", "wood", choices=("wood", "none"), doc="What it hits: a wooden target, or nothing"
)
# A thick target board or tree trunk: low, heavily damped modes.
_BOARD = Body(
    (120, 1800), 12, 0.07, 0.6, 0.0, 0.001, 0.0, (1, 2), 0.0, 0.0, (1, 2), 0.0, 0.0, 300.0
)
# Bow limbs and riser: a long damped beam, heard as a short low knock.
_LIMBS = Body((70, 600), 6, 0.06, 0.5, 0.0, 0.002, 0.0, (1, 2), 0.0, 0.0, (1, 2), 0.0, 0.0, 0.0)


def release(rng: np.random.Generator, sr: int, size: float, m: int) -> dsp.Audio:
    """Limbs stopping the string: a low knock, the string's slap, a brief damped vibration."""
    t = np.arange(m) / sr
    knock = dsp.convolve(dsp.half_sine(0.002, sr), body_ir(rng, _LIMBS, size, sr, m), m)
    slap = dsp.white(rng, m) * dsp.envelope_ad(t, 0.0003, 0.004).astype(np.float32)
    slap = dsp.filt(dsp.bandpass(400.0, 4000.0, sr), slap)
    # The string: a few harmonics of a low note, silenced in ~0.1 s by the limbs' dampers.
    f0 = rng.uniform(90.0, 140.0) * 2.0 ** (-0.6 * (size - 0.5))
    k = np.arange(1, 9)
    string = dsp.modal_ir(f0 * k, rng.uniform(0.06, 0.1) * k**-0.5, 1.0 / k, m, sr)
    return (
        knock / (dsp.peak_of(knock) + 1e-9)
        + 0.6 * slap / (dsp.peak_of(slap) + 1e-9)
        + 0.3 * string / (dsp.peak_of(string) + 1e-9)
    ).astype(np.float32)


def thunk(rng: np.random.Generator, sr: int, intensity: float, m: int) -> dsp.Audio:
    """The head punching into wood: the board's thud, a faint fibre tick, the shaft's quiver."""
    t = np.arange(m) / sr
    crack = dsp.white(rng, m) * dsp.envelope_ad(t, 0.0002, 0.006).astype(np.float32)
    crack = dsp.filt(dsp.bandpass(800.0, 5000.0, sr), crack)
    board = dsp.convolve(dsp.half_sine(0.0012, sr), body_ir(rng, _BOARD, 0.6, sr, m), m)
    # The shaft, held by its head, flexes at its first cantilever mode and knocks against the
    # hole each cycle, unevenly; the knocks are wood on wood, dull, and carry the hit's tail.
    rate = rng.uniform(14.0, 22.0)
    settle = rng.uniform(0.16, 0.28)
    beats = np.arange(0.015, min(m / sr, 4.0 * settle), 1.0 / rate)
    beats = beats + rng.normal(0.0, 0.004, beats.shape[0])
    beats = beats[(beats > 0.0) & (beats * sr < m)]
    rattle = dsp.impulses(m, (beats * sr).astype(np.int64), np.exp(-beats / settle))
    rattle = dsp.filt(dsp.bandpass(150.0, 1200.0, sr), rattle)
    out = (
        board / (dsp.peak_of(board) + 1e-9)
        + (0.08 + 0.05 * intensity) * crack / (dsp.peak_of(crack) + 1e-9)
        + 0.6 * rattle / (dsp.peak_of(rattle) + 1e-9)
    )
    return out.astype(np.float32)


def synth(req: SynthRequest) -> np.ndarray:
    """Release at the start, the flight's swish, then (unless it misses) the thunk."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    duration = n / sr
    dry = np.zeros((n, 2), np.float32)
    dsp.place(dry, release(rng, sr, size, min(n, int(0.3 * sr)))[:, None], int(0.003 * sr))
    # Heard from beside the flight path: the arrow whizzes past (the loudest part, the
    # fletching's rush peaking as it passes) and strikes a target a few metres beyond.
    flight = min(rng.uniform(0.3, 0.45), 0.45 * duration)
    swish = swing(rng, flight, rng.uniform(1800.0, 2800.0), sr, q=1.4, peak_at=0.6)
    dsp.place(dry, swish * np.float32(3.0 + 1.5 * intensity), int(0.01 * sr))
    if req.word("target") == "wood":
        hit_at = int((0.02 + flight) * sr)
        length = min(int(0.6 * sr), n - hit_at)
        if length > 16:
            gl, gr = dsp.pan_gains(rng.choice([-0.5, 0.5]))
            hit = thunk(rng, sr, intensity, length) * np.float32(0.5)
            dsp.place(dry, dsp.stereo(hit * np.float32(gl), hit * np.float32(gr)), hit_at)
    ir = space_ir(rng, FIELD, sr, n, t60_scale=0.5) * np.float32(0.6 * (1.0 + distance))
    return dsp.finish_one_shot(in_space(dry, ir), sr, intensity, distance, fade_s=0.15)


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
