"""Drawer: a wooden drawer sliding open or shut on its runners, ending against its stop.

The slide is rolling/sliding friction: noise whose level follows the drawer's speed, coloured by
the box's resonances, over a low rumble of the runners bumping at a rate that follows the speed.
Opening accelerates and eases out to the stop; closing is a shove that ends in a harder knock.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import normalised, phase_cycles
from soundloom_server.engine.renderers.procedural.recipes._modal import MATERIALS, strike

ACTION = ParamSpec("action", "open", choices=("open", "close"), doc="Slide open or shut")


def speed_curve(n: int, sr: int, start_s: float, slide_s: float, closing: bool) -> np.ndarray:
    """Drawer speed 0..1 over the slide: a smooth pull, or a shove that is fastest at the end."""
    x = np.clip((np.arange(n) / sr - start_s) / slide_s, 0.0, 1.0)
    inside = (x > 0.0) & (x < 1.0)
    shape = np.sin(np.pi * x) ** 0.8 if not closing else np.sin(0.5 * np.pi * x) ** 0.5
    return np.where(inside, shape, 0.0)


def synth(req: SynthRequest) -> np.ndarray:
    """Friction noise and runner rumble under the speed curve, then the stop knock."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    closing = req.word("action") == "close"
    span = n / sr
    start = 0.03
    slide = min((0.35 if closing else 0.7) * rng.uniform(0.85, 1.15), 0.6 * span)
    speed = speed_curve(n, sr, start, slide, closing).astype(np.float32)
    # Rough runners: the friction level grinds unevenly.
    grain = (1.0 + 0.4 * dsp.slow_noise(rng, n, sr, 30.0)).astype(np.float32)
    box = 1.2 - 0.5 * size  # bigger drawers resonate lower
    friction = dsp.filt(
        dsp.cascade(
            dsp.bandpass(200.0, 4000.0, sr),
            dsp.peak(260.0 * box, 4.0, 9.0, sr),
            dsp.peak(720.0 * box, 5.0, 8.0, sr),
            dsp.peak(1500.0 * box, 5.0, 6.0, sr),
        ),
        dsp.white(rng, n) * speed * grain,
    )
    # Runner bumps: the rollers or the wood grain tick past at a rate set by the speed.
    bumps_at = np.flatnonzero(np.diff(np.floor(phase_cycles(25.0 * speed, sr))) > 0) + 1
    bumps = dsp.impulses(n, bumps_at, speed[bumps_at] * rng.uniform(0.5, 1.0, bumps_at.shape[0]))
    rumble = dsp.filt(dsp.cascade(dsp.lowpass(180.0, sr), dsp.resonator(90.0, 3.0, sr)), bumps)
    mono = np.float32(0.3) * (normalised(friction) + np.float32(0.5) * normalised(rumble))
    # The stop: the drawer front (or its back) knocks the carcass, a shove hits harder.
    force = (0.6 + 0.4 * intensity) if closing else (0.3 + 0.3 * intensity)
    knock = strike(rng, MATERIALS["wood"], 0.55 + 0.3 * size, force, sr, int(0.4 * sr))
    knock += 0.6 * force * dsp.noise_burst(rng, int(0.4 * sr), sr, (40.0, 250.0), 0.002, 0.04)
    dsp.place(mono, normalised(knock), int((start + slide) * sr), 1.6 if closing else 1.0)
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
