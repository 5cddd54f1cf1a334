"""Car door: the handle and latch, the seal, and the thunk of a steel panel closing on air.

A car door is a stamped steel skin over a frame, heavily damped by trim and seals, so its
modes die within tens of ms: the "thunk". As it shuts, it pushes the cabin's air out through
the vents, a low pressure pulse felt as much as heard, and the latch's rotary catch clicks twice
(first and second detent) while the window glass rattles in its channel. Opening is the handle's
plastic click, the latch releasing with a clunk, the seal letting go (a soft suck), and the
check strap's detent clicking as the door swings out.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._modal import MATERIALS, strike

ACTION = ParamSpec(
    "action", "close", choices=("open", "close", "slam"), doc="open, close or slam the door"
)
ACTION_LEVEL_DB = {"open": -4.0, "close": 0.0, "slam": 3.0}


def _click(rng: np.random.Generator, sr: int, size: float, decay_s: float) -> dsp.Audio:
    """A small latch or detent part snapping: a brief metallic tick."""
    n = int(0.08 * sr)
    out = strike(rng, MATERIALS["metal"], size, 0.9, sr, n)
    return out * np.exp(-np.arange(n) / (decay_s * sr)).astype(np.float32)


def thunk(rng: np.random.Generator, sr: int, force: float) -> dsp.Audio:
    """The door meeting the body: a damped panel, the cabin air pulse and the glass rattle."""
    n = int(0.5 * sr)
    t = np.arange(n) / sr
    panel = strike(rng, MATERIALS["metal"], 0.95, 0.4 + 0.4 * force, sr, n)
    panel *= np.exp(-t / (0.025 + 0.02 * force)).astype(np.float32)  # trim and seals choke it
    panel = dsp.filt(dsp.lowpass(2500.0, sr), panel)
    air = dsp.filt(
        dsp.lowpass(90.0, sr, order=2),
        dsp.white(rng, n) * dsp.envelope_ad(t, 0.004, 0.06).astype(np.float32),
    )
    air *= np.float32(1.0 / (dsp.peak_of(air) + 1e-9))
    rattle = dsp.noise_burst(rng, n, sr, (1500.0, 6000.0), 0.001, 0.02) * np.float32(0.15 * force)
    return panel + np.float32(0.9) * air + rattle


def score(rng: np.random.Generator, n: int, sr: int, action: str, intensity: float) -> dsp.Audio:
    """The door's parts for the action, placed in time (mono)."""
    out = np.zeros(n, np.float32)
    span = n / sr

    def add(sound: dsp.Audio, at: float, gain: float) -> None:
        dsp.place(out, sound, int(min(at, span) * sr), gain)

    if action == "open":
        add(_click(rng, sr, 0.15, 0.008), 0.03, 0.5)  # the handle
        add(thunk(rng, sr, 0.2), 0.12, 0.4)  # the latch lets go: a light clunk
        seal = dsp.noise_burst(rng, int(0.15 * sr), sr, (200.0, 1500.0), 0.03, 0.05)
        add(seal, 0.14, 0.3)
        for k in range(2):  # the check strap's detents
            add(_click(rng, sr, 0.3, 0.01), 0.45 + 0.22 * k * rng.uniform(0.9, 1.1), 0.35)
    else:
        slam = action == "slam"
        force = (0.75 + 0.25 * intensity) if slam else 0.4 + 0.3 * intensity
        at = 0.05
        add(thunk(rng, sr, force), at, 1.0)
        gap = rng.uniform(0.008, 0.02)
        add(_click(rng, sr, 0.2, 0.006), at + 0.002, 0.4)  # first catch
        add(_click(rng, sr, 0.22, 0.006), at + 0.002 + gap, 0.3)  # second catch
    return out


def synth(req: SynthRequest) -> np.ndarray:
    """The score, a little off-centre, with air absorption and the action's level."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    action = req.word("action")
    mono = dsp.filt(
        dsp.lowpass(dsp.distance_cutoff(distance), sr), score(rng, n, sr, action, intensity)
    )
    gl, gr = dsp.pan_gains(rng.uniform(-0.25, 0.25))
    out = dsp.stereo(mono * np.float32(gl), mono * np.float32(gr))
    dsp.fade_out(out, int(min(0.1, 0.1 * n / sr) * sr))
    peak = dsp.oneshot_peak(intensity, distance) * dsp.db(ACTION_LEVEL_DB[action])
    return dsp.fit_peak(out, min(peak, dsp.ONESHOT_PEAK))


RECIPE = Recipe(
    name="car_door",
    family="vehicles",
    kind=EventKind.SFX,
    description="A car door opening, closing or slamming: latch click and a heavy panel thunk.",
    tags=(
        "car door", "car doors", "van door", "truck door", "vehicle door", "door of a car",
        "car door slams", "car door closes", "car door opens", "slams the car door",
        "shuts the car door", "taxi door", "gets into the car", "gets out of the car",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, ACTION),
    typical_duration_s=1.0,
)  # fmt: skip
