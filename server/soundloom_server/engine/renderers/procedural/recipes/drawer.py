"""Drawer: a wooden drawer sliding open or shut on its runners, ending against its stop.

The drawer is a small open wooden box: everything it does is voiced by its few hollow box
modes (a few hundred hertz, a new set each time) and none of it is a boom. The slide is wood
rubbing wood: friction noise whose level follows the drawer's speed, grainy where the runner
catches, with the runner's ticks (the grain and joints passing the rail) at a rate that
follows the speed; whatever is inside shifts and rattles. Opening accelerates and eases out
to the stop, closing is a shove that ends harder; the stop is the box front (or back)
knocking the carcass: a short hollow thock, a bright contact click, the contents jostling.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._foley import knock
from soundloom_server.engine.renderers.procedural.recipes._machines import normalised

ACTION = ParamSpec("action", "open", choices=("open", "close"), doc="Slide open or shut")


def speed_curve(n: int, sr: int, start_s: float, slide_s: float, closing: bool) -> np.ndarray:
    """Drawer speed 0..1 over the slide: a smooth pull, or a shove that is fastest at the end."""
    x = np.clip((np.arange(n) / sr - start_s) / slide_s, 0.0, 1.0)
    inside = (x > 0.0) & (x < 1.0)
    shape = np.sin(np.pi * x) ** 0.8 if not closing else np.sin(0.5 * np.pi * x) ** 0.5
    return np.where(inside, shape, 0.0)


def box_modes(rng: np.random.Generator, size: float) -> tuple[float, ...]:
    """The box's few hollow modes (Hz): lower for a bigger drawer, different every drawer."""
    low = 260.0 * (1.3 - 0.6 * size)
    return tuple(low * np.array([1.0, 1.7, 2.6, 4.1]) * rng.uniform(0.9, 1.1, 4))


def synth(req: SynthRequest) -> np.ndarray:
    """Friction and runner ticks under the speed curve, voiced by the box; then the stop."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    closing = req.word("action") == "close"
    span = n / sr
    start = 0.03
    slide = min((0.35 if closing else 0.7) * rng.uniform(0.85, 1.15), 0.6 * span)
    speed = speed_curve(n, sr, start, slide, closing).astype(np.float32)
    modes = box_modes(rng, size)
    box = dsp.cascade(
        dsp.highpass(150.0, sr),
        *(dsp.peak(f, rng.uniform(3.0, 6.0), 8.0, sr) for f in modes),
        dsp.lowpass(6000.0, sr),
    )
    # Wood on wood: the rub catches and frees unevenly, a rough level wavering ~15 times a s.
    grain = np.clip(1.0 + 0.7 * dsp.slow_noise(rng, n, sr, 15.0, control_rate=600), 0.1, None)
    rub = dsp.filt(dsp.bandpass(300.0, 3000.0, sr, order=2), dsp.white(rng, n))
    friction = dsp.filt(box, rub * (speed * grain).astype(np.float32))
    # Runner ticks: knots and joints passing the rail, irregular, more while it moves fast
    # (a regular train of them would be a motor, or a machine gun).
    ticks_at = dsp.thin(rng, dsp.poisson_times(rng, 40.0, n, sr), speed)
    amps = speed[ticks_at] * rng.uniform(0.3, 1.0, ticks_at.shape[0])
    ticks = dsp.filt(
        dsp.cascade(dsp.highpass(600.0, sr), dsp.lowpass(4000.0, sr)),
        dsp.impulses(n, ticks_at, amps),
    )
    mono = np.float32(0.3) * (normalised(friction) + np.float32(0.1) * normalised(ticks))
    # The stop: the box knocks the carcass (a short hollow thock through its own modes, no
    # low boom), the contact's click, and the contents jostling a moment after.
    force = (0.6 + 0.4 * intensity) if closing else (0.3 + 0.3 * intensity)
    at = int((start + slide) * sr)
    m = int(0.3 * sr)
    thock = knock(rng, m, sr, (modes[0], modes[-1]), 0.02 + 0.01 * size, modes=4, q=(2.5, 5.0))
    click = knock(rng, m, sr, (1500.0, 5000.0), 0.002, modes=3, q=(2.0, 5.0))
    stop = thock + np.float32(0.1 + 0.1 * force) * click
    # The wood and the drawer's contents damp the hit's top: a dull thunk, not a crack.
    stop = dsp.filt(dsp.lowpass(3000.0, sr), stop)
    for _ in range(int(rng.integers(2, 5))):  # the contents shifting
        lag = int(rng.uniform(0.01, 0.15) * sr)
        bit = knock(rng, m - lag, sr, (800.0, 4000.0), 0.003, modes=2, q=(3.0, 8.0))
        stop[lag:] += np.float32(rng.uniform(0.05, 0.2)) * bit
    dsp.place(mono, normalised(stop), at, 1.6 if closing else 1.0)
    out = dsp.widen(mono, sr, delay_s=0.009, width=0.35)
    return dsp.finish_one_shot(out, sr, intensity, distance)


RECIPE = Recipe(
    name="drawer",
    family="foley",
    kind=EventKind.SFX,
    description="A wooden drawer sliding open or shut on its runners and bumping its stop.",
    tags=(
        "drawer", "drawers", "drawer opens", "drawer closes", "opening a drawer",
        "closing a drawer", "sliding drawer", "slide open", "slide shut", "desk drawer",
        "chest of drawers", "dresser", "filing cabinet", "rummaging", "sliding",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE, ACTION),
    typical_duration_s=1.5,
)  # fmt: skip
