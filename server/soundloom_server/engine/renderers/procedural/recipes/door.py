"""Door: a hinge creak (stick-slip friction), latch clicks, air, and the leaf hitting its frame.

Each action is a short score of those parts: `open` = latch, creak, swing; `creak` = a long slow
creak; `slam` = a fast swing, a heavy hit, latch and frame rattle; `close` = a swing, a soft hit
and the latch; `knock` = knuckles on the leaf, two to four raps.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._modal import MATERIALS, strike

ACTION = ParamSpec(
    "action",
    "open",
    choices=("open", "creak", "slam", "close", "knock"),
    doc="What the door does: open, creak, slam, close or knock",
)
# A slam is loud by nature, a creak is not: level per action relative to the intensity's.
ACTION_LEVEL_DB = {"open": 0.0, "creak": -2.0, "slam": 3.0, "close": 0.0, "knock": 2.0}
MATERIAL = ParamSpec("material", "wood", choices=("wood", "metal"), doc="Door leaf: wood or metal")


def creak(rng: np.random.Generator, length: int, sr: int, metal: bool) -> dsp.Audio:
    """Stick-slip: the hinge sticks and slips at a rate that follows the swing's speed."""
    t = np.arange(length) / sr
    span = length / sr
    # The swing speeds up then slows; the hand's unevenness wobbles it.
    speed = np.sin(np.pi * np.clip(t / span, 0, 1)) ** 0.7
    speed = speed * np.clip(1.0 + 0.3 * dsp.slow_noise(rng, length, sr, 3.0), 0.2, None)
    base = rng.uniform(25.0, 60.0) * (2.0 if metal else 1.0)
    pulse_hz = base + rng.uniform(150.0, 350.0) * speed
    phase = np.cumsum(pulse_hz / sr)
    slips = np.flatnonzero(np.diff(np.floor(phase)) > 0) + 1
    amps = speed[slips] * rng.uniform(0.6, 1.0, slips.shape[0])
    train = dsp.impulses(length, slips, amps)
    # The leaf and frame resonate the slips into a voice: a few sharp formants.
    centres = rng.uniform(350.0, 900.0) * np.array([1.0, 2.1, 3.4, 5.2]) * (1.6 if metal else 1.0)
    tone = dsp.cascade(
        dsp.highpass(150.0, sr),
        *(dsp.peak(f, rng.uniform(12.0, 30.0), 20.0, sr) for f in centres),
        dsp.lowpass(7000.0, sr),
    )
    voice = dsp.filt(tone, train)
    return voice * np.float32(1.0 / (dsp.peak_of(voice) + 1e-9))


def latch(rng: np.random.Generator, sr: int) -> dsp.Audio:
    """The bolt: two small metallic clicks a few tens of ms apart."""
    length = int(0.2 * sr)
    out = strike(rng, MATERIALS["metal"], 0.05, 0.9, sr, length)
    second = int(rng.uniform(0.02, 0.05) * sr)
    out[second:] += 0.6 * strike(rng, MATERIALS["metal"], 0.08, 0.8, sr, length - second)
    return out * np.float32(1.0 / (dsp.peak_of(out) + 1e-9))


def swing_air(rng: np.random.Generator, length: int, sr: int) -> dsp.Audio:
    """Air pushed by the leaf: a low whoosh swelling with the swing."""
    env = np.sin(np.pi * np.linspace(0.0, 1.0, length)) ** 2
    air = dsp.filt(dsp.bandpass(80.0, 700.0, sr), dsp.white(rng, length) * env.astype(np.float32))
    return air * np.float32(1.0 / (dsp.peak_of(air) + 1e-9))


def hit(rng: np.random.Generator, sr: int, metal: bool, size: float, force: float) -> dsp.Audio:
    """The leaf against the frame: a large struck panel with a low boom under it."""
    length = int((1.4 if metal else 0.9) * sr)
    panel = strike(
        rng, MATERIALS["metal" if metal else "wood"], 0.6 + 0.4 * size, force, sr, length
    )
    t = np.arange(length) / sr
    boom = dsp.filt(
        dsp.lowpass(160.0 + 120.0 * force, sr, order=2),
        dsp.white(rng, length) * dsp.envelope_ad(t, 0.002, 0.05 + 0.08 * size).astype(np.float32),
    )
    boom *= np.float32(1.0 / (dsp.peak_of(boom) + 1e-9))
    return panel + np.float32(0.9 * force) * boom


def _add(out: dsp.Audio, sound: dsp.Audio, at_s: float, gain: float, sr: int) -> None:
    dsp.place(out, sound, int(at_s * sr), gain)


def score(req: SynthRequest) -> dsp.Audio:
    """The mono door sound for the requested action, laid out over the event's length."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    action, metal = req.word("action"), req.word("material") == "metal"
    intensity, size = req.number("intensity"), req.number("size")
    span = n / sr
    out = np.zeros(n, np.float32)
    if action in ("open", "creak"):
        start = 0.25 if action == "open" else 0.05
        length = int(max(0.1, span - start - 0.1) * sr)
        if action == "open":
            _add(out, latch(rng, sr), 0.03, 0.5, sr)
            length = min(length, int(rng.uniform(0.8, 1.6) * sr))
        _add(out, creak(rng, length, sr, metal), start, 0.6 + 0.4 * intensity, sr)
        _add(out, swing_air(rng, length, sr), start, 0.15, sr)
    elif action in ("slam", "close"):
        slam = action == "slam"
        swing = min(0.12 if slam else 0.45, 0.3 * span)
        _add(out, swing_air(rng, int(swing * sr) + 1, sr), 0.0, 0.3 if slam else 0.15, sr)
        force = (0.7 + 0.3 * intensity) if slam else 0.35 * (0.5 + intensity)
        _add(out, hit(rng, sr, metal, size, force), swing, 1.0 if slam else 0.5, sr)
        _add(out, latch(rng, sr), swing + 0.005, 0.35, sr)
        rattle = rng.uniform(0.03, 0.07)
        for k in range(int(rng.integers(2, 5)) if slam else 0):
            # The frame and hardware rattle after a slam, each bounce weaker.
            _add(out, latch(rng, sr), swing + rattle * (k + 1), 0.25 * 0.6**k, sr)
    else:
        gap = rng.uniform(0.17, 0.26)
        for k in range(int(rng.integers(2, 5))):
            knock = strike(
                rng, MATERIALS["metal" if metal else "wood"], 0.55, 0.85, sr, int(0.3 * sr)
            )
            _add(out, knock, 0.03 + k * gap * rng.uniform(0.9, 1.1), dsp.db(rng.normal(0, 1.5)), sr)
    return out


def synth(req: SynthRequest) -> np.ndarray:
    """The score, placed in stereo a little off-centre, with air absorption for distance."""
    sr = req.sample_rate
    intensity, distance = req.number("intensity"), req.number("distance")
    mono = score(req)
    mono = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), mono)
    gl, gr = dsp.pan_gains(req.rng.uniform(-0.2, 0.2))
    out = dsp.stereo(mono * np.float32(gl), mono * np.float32(gr))
    dsp.fade_out(out, int(min(0.2, 0.1 * req.frames / sr) * sr))
    peak = dsp.oneshot_peak(intensity, distance) * dsp.db(ACTION_LEVEL_DB[req.word("action")])
    return dsp.fit_peak(out, min(peak, dsp.ONESHOT_PEAK))


RECIPE = Recipe(
    name="door",
    family="foley",
    kind=EventKind.SFX,
    description="A door opening, creaking, slamming, closing or being knocked on; wood or metal.",
    tags=(
        "door", "doors", "doorway", "gate", "hatch", "door slam", "door slams", "slam", "slams",
        "slammed", "creak", "creaks", "creaking", "creaky door", "squeaky hinge", "hinge",
        "door opens", "door closes", "knock", "knocking", "knock on the door", "latch",
        "shutter", "cabinet", "cupboard", "wardrobe", "trapdoor", "portcullis",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE, ACTION, MATERIAL),
    typical_duration_s=2.0,
)  # fmt: skip
