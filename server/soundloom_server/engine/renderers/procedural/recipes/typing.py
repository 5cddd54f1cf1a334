"""Typing: someone typing on a keyboard, keys clacking in bursts of words, the space bar thocking.

Each keystroke is the switch's tiny contact click and, 3-8 ms later, the key cap hitting the
bottom of its travel: a plastic clack ringing the cap's and plate's damped modes (1-5 kHz,
~10 ms, a new set every key, so no two strokes are alike) over the case's lower "thock"; and,
60-120 ms later, the softer clack of its return. The room's quiet tone runs underneath.
Typists go in bursts: letters at 6-10 a second within a word, the
bigger space bar (a lower, rattling stroke) between words, pauses to think between sentences,
now and then a run of backspaces. A typewriter instead slams a type bar onto the platen for
each letter, rings its bell near the line's end and throws the carriage back.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._foley import knock, unit
from soundloom_server.engine.renderers.procedural.recipes._machines import room_tone
from soundloom_server.engine.renderers.procedural.recipes._music import mallet_tone

STYLE = ParamSpec(
    "style", "keyboard", choices=("keyboard", "laptop", "typewriter"), doc="what is typed on"
)
# (case resonance Hz, its Q, click share, length s) per style.
KEY_BODY = {"keyboard": (650.0, 3.0, 1.0, 0.05), "laptop": (1400.0, 2.0, 0.8, 0.03),
            "typewriter": (900.0, 4.0, 1.0, 0.09)}  # fmt: skip


def keystroke(rng: np.random.Generator, sr: int, style: str, space: bool) -> dsp.Audio:
    """One key going down (peak 1): the switch's tiny click, then, a few ms later, the cap
    bottoming out: a plastic clack through the cap's and plate's damped modes (a new set each
    key) over the case's lower thock."""
    body_hz, q, click, length = KEY_BODY[style]
    if space:
        body_hz, length = body_hz * 0.6, length * 1.6  # a long cap on stabiliser wires
    n = int(max(length, 0.05) * sr)
    out = np.zeros(n, np.float32)
    # The switch: a contact leaf snapping (1-2 ms, bright).
    snap = knock(rng, n, sr, (3000.0, 9000.0), 0.0012, modes=2, q=(2.0, 5.0), attack_s=0.0001)
    out += np.float32(0.4 * click) * snap
    # The cap bottoming out: plastic modes (1-5 kHz, 8-20 ms) and the case's thock.
    travel = int(rng.uniform(0.003, 0.008) * sr)
    cap = knock(rng, n - travel, sr, (1000.0, 5000.0), 0.012, modes=4, q=(3.0, 8.0))
    case = knock(rng, n - travel, sr, (0.7 * body_hz, 1.4 * body_hz), 0.02,
                 modes=2, q=(q, 2.0 * q))  # fmt: skip
    out[travel:] += cap + np.float32(0.9 if space else 0.6) * case
    if space:  # the stabiliser wires rattle in their clips
        rattle = knock(rng, n - travel, sr, (2000.0, 6000.0), 0.004, modes=3, q=(8.0, 20.0))
        out[travel + int(0.01 * sr) :] += np.float32(0.3) * rattle[: n - travel - int(0.01 * sr)]
    return unit(out)


def schedule(rng: np.random.Generator, seconds: float, speed: float) -> list[tuple[float, bool]]:
    """(time, is space) of each keystroke: words, spaces, pauses, backspace runs."""
    keys: list[tuple[float, bool]] = []
    t = rng.uniform(0.0, 0.3) - 1.0  # start mid-sentence
    interval = 1.0 / (3.0 + 10.0 * speed)  # a hunt-and-peck to a touch typist
    while t < seconds:
        for _ in range(int(rng.integers(2, 9))):  # one word
            keys.append((t, False))
            t += interval * rng.lognormal(0.0, 0.3)
        keys.append((t, True))
        t += interval * rng.lognormal(0.2, 0.3)
        if rng.random() < 0.12:  # a thought, a sentence end
            t += rng.uniform(0.4, 1.4)
        elif rng.random() < 0.05:  # a typo: a run of backspaces
            for _ in range(int(rng.integers(2, 5))):
                keys.append((t, False))
                t += interval * 0.8
    return [k for k in keys if k[0] >= 0.0]


def synth(req: SynthRequest) -> np.ndarray:
    """Keystrokes (down and up) from the schedule, a few take variants, over room tone."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, style = req.number("intensity"), req.number("distance"), req.word("style")
    letters = [keystroke(rng, sr, style, False) for _ in range(6)]
    spaces = [keystroke(rng, sr, style, True) for _ in range(2)]
    out = np.zeros((n, 2), np.float32)
    for typed, (at, space) in enumerate(schedule(rng, n / sr, intensity), start=1):
        sound = (spaces if space else letters)[typed % (2 if space else 6)]
        level = rng.uniform(0.6, 1.0) * (1.1 if space else 1.0)
        # Keys sit across the board: letters spread a little left and right of centre.
        gl, gr = dsp.pan_gains(0.0 if space else rng.uniform(-0.35, 0.35))
        start = int(at * sr)
        dsp.place(out, dsp.stereo(sound * np.float32(gl), sound * np.float32(gr)), start, level)
        if style != "typewriter":  # the key's return, softer and higher
            up = int((at + rng.uniform(0.06, 0.12)) * sr)
            dsp.place(
                out, dsp.stereo(sound * np.float32(gl), sound * np.float32(gr)), up, 0.3 * level
            )
        if style == "typewriter" and typed % 60 == 55:  # the margin bell
            bell = mallet_tone(
                rng, rng.uniform(2200.0, 2800.0), 0.8, sr, (1.0, 2.65, 5.1), 0.7, 0.9
            )
            dsp.place(out, dsp.stereo(bell, bell), start + int(0.05 * sr), 0.5)
    out += room_tone(rng, n, sr, 3000.0) * np.float32(0.02 * (dsp.rms_of(out) + 1e-6) / 0.1 + 1e-4)
    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), out, axis=0)
    # Keystrokes are sparse and sharp, so a bed of them meets the peak ceiling before its RMS
    # target: level it as the default setting would be, then apply intensity and distance as
    # gains relative to that (still under the ceiling).
    default = dsp.bed_rms(dsp.INTENSITY.default, dsp.DISTANCE.default)
    out = dsp.fit_rms(out, default)
    return dsp.fit_rms(out, dsp.rms_of(out) * dsp.bed_rms(intensity, distance) / default)


RECIPE = Recipe(
    name="typing",
    family="ui",
    kind=EventKind.AMBIENCE,
    description="Typing on a keyboard: bursts of clacking keys and a thocking space bar.",
    tags=(
        "typing",
        "typist",
        "keyboard",
        "keyboard typing",
        "computer keyboard",
        "keystrokes",
        "keys clacking",
        "mechanical keyboard",
        "laptop keyboard",
        "typewriter",
        "hacker",
        "office typing",
        "typing on a keyboard",
        "someone typing",
        "types",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, STYLE),
    typical_duration_s=20.0,
)
