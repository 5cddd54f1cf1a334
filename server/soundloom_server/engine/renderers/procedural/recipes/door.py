"""Door: latch, hinge, leaf and frame, heard in the room they are in.

A door leaf is a large, heavily damped wooden (or steel) panel: struck by its frame it gives a
low broadband thud through a few damped panel modes that differ every time, not a ringing
tone. The latch is a small steel bolt: a sharp click as it snaps into the strike plate (a slam
clicks just before the leaf lands) and a rattle of the loose hardware after. The hinge creaks
by stick-slip friction whose pulse rate follows the swing's speed, voiced by the leaf. Every
part is heard through the room's early reflections and short tail.

`open` = handle and latch, a short hinge squeak, the swing and the leaf resting on its stop;
`creak` = a long slow creak; `slam` = a fast swing, the
latch click, a heavy thud and the frame rattling; `close` = a swing, a soft thud and the latch;
`knock` = knuckles on the leaf, two to four raps.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._foley import (
    in_room,
    knock,
    room_ir,
    stick_slip,
    unit,
)

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
    """Stick-slip at the hinge: the swing speeds up and slows, unevenly, and the slip rate
    follows it; the leaf voices the slips."""
    t = np.arange(length) / sr
    speed = np.sin(np.pi * np.clip(t / (length / sr), 0, 1)) ** 0.7
    speed = np.clip(speed * (1.0 + 0.5 * dsp.slow_noise(rng, length, sr, 5.0)), 0.0, 1.2)
    base = rng.uniform(600.0, 1200.0) * (1.5 if metal else 1.0)
    # Irregular, inharmonic leaf resonances, moderately sharp: a groan, not a whistle.
    formants = tuple(base * np.array([1.0, 2.3, 3.7, 5.9]) * rng.uniform(0.93, 1.07, 4))
    return stick_slip(rng, length, sr, speed, (30.0, rng.uniform(300.0, 600.0)), formants,
                      q=(4.0, 10.0))  # fmt: skip


def squeak(rng: np.random.Generator, length: int, sr: int, metal: bool) -> dsp.Audio:
    """A hinge pin turning in its knuckle as the leaf starts to move: a short squeak.

    Dry metal on metal sticks and slips hundreds of times a second, fast enough to be heard as
    a rising, wavering squeal rather than a sawing creak; it lasts only while the hinge takes
    the leaf's weight at the start of the swing, a few hundred ms. The small knuckle and the
    leaf voice it high (1-4 kHz), the rate climbing with the speed.
    """
    t = np.arange(length) / sr
    x = np.clip(t / (length / sr), 0.0, 1.0)
    speed = np.sin(np.pi * x) ** 0.6 * np.clip(
        1.0 + 0.3 * dsp.slow_noise(rng, length, sr, 6.0), 0.3, None
    )
    base = rng.uniform(1100.0, 1800.0) * (1.3 if metal else 1.0)
    formants = tuple(base * np.array([1.0, 1.9, 3.1]) * rng.uniform(0.93, 1.07, 3))
    low = rng.uniform(120.0, 200.0)
    return stick_slip(rng, length, sr, np.clip(speed, 0.0, 1.2), (low, rng.uniform(450.0, 800.0)),
                      formants, q=(5.0, 12.0), jitter=0.01)  # fmt: skip


def latch(rng: np.random.Generator, sr: int, metal: bool) -> dsp.Audio:
    """The bolt: a sharp click as it meets the strike plate, its spring's second click a few
    tens of ms later. Bolt and plate are set in the leaf and the frame, which damp them: a
    clack of a few damped modes (1-6 kHz), not a glassy ring."""
    n = int(0.12 * sr)
    out = knock(rng, n, sr, (1200.0, 5000.0), 0.004, modes=4, q=(3.0, 8.0), attack_s=0.0002)
    second = int(rng.uniform(0.015, 0.04) * sr)
    tail = knock(rng, n - second, sr, (1500.0, 6000.0), 0.002, modes=3, q=(3.0, 8.0))
    out[second:] += np.float32(rng.uniform(0.3, 0.6)) * tail
    return unit(out)


def swing_air(rng: np.random.Generator, length: int, sr: int) -> dsp.Audio:
    """Air pushed by the leaf: a low whoosh swelling with the swing."""
    env = np.sin(np.pi * np.linspace(0.0, 1.0, length)) ** 2
    return unit(dsp.filt(dsp.bandpass(60.0, 600.0, sr), dsp.white(rng, length) * env.astype("f4")))


def thud(rng: np.random.Generator, sr: int, metal: bool, size: float, force: float) -> dsp.Audio:
    """The leaf hitting its frame: the pressure pulse of a big panel stopping (low, broadband),
    the leaf's edge cracking against the stop, the leaf's many damped bending modes, the
    frame's knock, and for steel a short clang.

    A 2 m leaf has bending modes from a few tens of Hz up, dense above ~100 Hz and damped by
    the wood within tens of ms: a dozen short modes up to 1.5 kHz over four low ones, which
    alone read as a tom. The edge meets the stop hard, wood on wood, for a few ms:
    a bright crack (1-6 kHz) that carries the slam through rain or a room's noise.
    """
    n = int((0.9 if metal else 0.6) * sr)
    t = np.arange(n) / sr
    pulse = dsp.filt(
        dsp.lowpass(250.0 + 150.0 * force, sr, order=2),
        dsp.white(rng, n) * dsp.envelope_ad(t, 0.002, 0.03 + 0.04 * size).astype(np.float32),
    )
    low = 50.0 + 40.0 * (1.0 - size)
    panel = knock(rng, n, sr, (low, 4.0 * low), 0.05 + 0.05 * size, modes=4, q=(1.5, 3.5))
    bending = knock(rng, n, sr, (2.0 * low, 1500.0), 0.03, modes=12, q=(1.0, 3.0))
    edge = dsp.filt(
        dsp.bandpass(1000.0, 6000.0, sr, order=2),
        dsp.white(rng, n) * dsp.envelope_ad(t, 0.0003, 0.006).astype(np.float32),
    )
    frame = knock(rng, n, sr, (300.0, 2500.0), 0.012, modes=3, q=(2.0, 4.0))
    out = (
        unit(pulse)
        + np.float32(0.6) * panel
        + np.float32(0.5) * bending
        + np.float32(0.3 + 0.4 * force) * unit(edge)
        + np.float32(0.35 + 0.3 * force) * frame
    )
    if metal:
        out += np.float32(0.4) * knock(rng, n, sr, (250.0, 3000.0), 0.004, modes=6, q=(60, 150))
    return unit(out)


def _add(out: dsp.Audio, sound: dsp.Audio, at_s: float, gain: float, sr: int) -> None:
    dsp.place(out, sound, int(at_s * sr), gain)


def _open(out: dsp.Audio, rng: np.random.Generator, req: SynthRequest, metal: bool) -> None:
    sr, span = req.sample_rate, req.frames / req.sample_rate
    intensity = req.number("intensity")
    creaking = req.word("action") == "creak"
    start = 0.05 if creaking else 0.25
    length = int(max(0.1, span - start - 0.1) * sr)
    if creaking:
        _add(out, creak(rng, length, sr, metal), start, 0.5 + 0.3 * intensity, sr)
        _add(out, swing_air(rng, length, sr), start, 0.12, sr)
        return
    # The handle turns and draws the bolt: its click, the leaf coming free of the frame, the
    # handle's spring returning it; the hinge squeaks as the leaf starts to move, the leaf
    # swings (air) and comes to rest against its stop with a soft thud.
    _add(out, latch(rng, sr, metal), 0.03, 0.6, sr)
    free = rng.uniform(0.16, 0.22)
    _add(out, thud(rng, sr, metal, 0.3, 0.1), free, 0.15, sr)
    _add(out, latch(rng, sr, metal), free + rng.uniform(0.05, 0.1), 0.3, sr)
    swing = min(int(rng.uniform(0.7, 1.0) * sr), length)
    squeal = int(rng.uniform(0.25, 0.45) * sr)
    _add(out, squeak(rng, squeal, sr, metal), free + 0.02, 0.35 + 0.2 * intensity, sr)
    _add(out, swing_air(rng, swing, sr), free, 0.06, sr)
    rest = free + swing / sr
    if rest < span - 0.2:
        _add(out, thud(rng, sr, metal, 0.4, 0.1), rest, 0.15, sr)


def _shut(out: dsp.Audio, rng: np.random.Generator, req: SynthRequest, metal: bool) -> None:
    sr, span = req.sample_rate, req.frames / req.sample_rate
    intensity, size = req.number("intensity"), req.number("size")
    slam = req.word("action") == "slam"
    swing = min(0.12 if slam else 0.45, 0.3 * span)
    _add(out, swing_air(rng, int(swing * sr) + 1, sr), 0.0, 0.15 if slam else 0.12, sr)
    force = (0.7 + 0.3 * intensity) if slam else 0.35 * (0.5 + intensity)
    # The bolt's bevel meets the strike plate a moment before the leaf lands on the stop.
    click_at = swing - (rng.uniform(0.004, 0.012) if slam else -0.01)
    _add(out, latch(rng, sr, metal), max(click_at, 0.0), 0.6 if slam else 0.5, sr)
    _add(out, thud(rng, sr, metal, size, force), swing, 1.0 if slam else 0.45, sr)
    if slam:
        # The frame and hardware rattle after the hit, each bounce weaker.
        gap = rng.uniform(0.025, 0.05)
        for k in range(int(rng.integers(2, 5))):
            at = swing + gap * (k + 1) * rng.uniform(0.8, 1.2)
            _add(out, latch(rng, sr, metal), at, 0.2 * 0.6**k, sr)


def _knock(out: dsp.Audio, rng: np.random.Generator, req: SynthRequest, metal: bool) -> None:
    sr = req.sample_rate
    gap = rng.uniform(0.17, 0.26)
    for k in range(int(rng.choice([2, 3, 3, 4]))):
        n = int(0.3 * sr)
        # A knuckle: a soft, short contact exciting the leaf's damped modes near the rap.
        if metal:
            rap = knock(rng, n, sr, (300.0, 3000.0), 0.003, modes=5, q=(40.0, 90.0))
        else:
            rap = knock(rng, n, sr, (120.0, 900.0), 0.012, modes=4, q=(1.5, 3.0), attack_s=0.001)
            rap += np.float32(0.6) * knock(rng, n, sr, (60.0, 200.0), 0.03, modes=2, q=(1.5, 3.0))
        rap = unit(rap + np.float32(0.2) * knock(rng, n, sr, (1500.0, 5000.0), 0.002))
        _add(out, rap, 0.03 + k * gap * rng.uniform(0.9, 1.1), dsp.db(rng.normal(0, 1.5)), sr)


def score(req: SynthRequest) -> dsp.Audio:
    """The dry mono door sound for the requested action, laid out over the event's length."""
    out = np.zeros(req.frames, np.float32)
    metal = req.word("material") == "metal"
    action = req.word("action")
    part = _open if action in ("open", "creak") else _shut if action != "knock" else _knock
    part(out, req.rng, req, metal)
    return out


def synth(req: SynthRequest) -> np.ndarray:
    """The score in its room, a little off-centre, with air absorption for distance."""
    sr, rng = req.sample_rate, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    mono = score(req)
    gl, gr = dsp.pan_gains(rng.uniform(-0.2, 0.2))
    dry = dsp.stereo(mono * np.float32(gl), mono * np.float32(gr))
    # A hallway or room: the farther the door, the more of the room is heard.
    ir = room_ir(rng, sr, rng.uniform(0.5, 0.8), 4000.0)
    out = in_room(dry, ir, 0.35 + 0.5 * distance)
    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), out)
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
