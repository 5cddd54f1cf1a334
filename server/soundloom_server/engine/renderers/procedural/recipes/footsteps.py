"""Footsteps: a heel strike, then the roll onto the toe, at a human walking or running pace.

Farnell's model: each step's ground reaction force (the shoe brushing down, the heel's peak,
the roll onto the ball of the foot 60-120 ms later, the push-off) drives the surface's texture,
hundreds of tiny collisions and frictions under the sole (Cook's PhISEM: grains ringing random
resonances, so no pitch repeats from step to step). Gravel crunches bright, snow compacts in a
dense dark squeak that stops when packed, leaves crackle, grass swishes, water sloshes and
bubbles; on stone and planks it is the sole grinding grit through the whole stance, over
the weight's faint thump (boards add a low damped knock and may creak); metal clanks in a
short room. Every step is synthesised afresh, with a walker's timing, weight and
foot-to-foot differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._foley import (
    crunch,
    in_room,
    knock,
    room_ir,
    stick_slip,
    unit,
)

RATE = ParamSpec("rate", 0.4, doc="Pace: 0 creeping (1.2 steps/s) .. 0.4 walking .. 1 running")


@dataclass(frozen=True)
class Surface:
    """What a surface does under a shoe."""

    grains_hz: float  # collisions per second at full force
    band: tuple[float, float]  # range of the grains' random resonances (Hz)
    tau_s: tuple[float, float]  # grain ring times
    rub: float  # friction noise of the sole, relative to the grains
    rub_band: tuple[float, float]
    stance_s: float  # how long the texture follows the foot after the heel lands
    thump: float  # the weight's low thump (hard or springy floors)
    knock: tuple[float, float, float, float, float] = (0, 0, 0, 0, 0)  # band, decay, Q, level
    texture: float = 1.0  # level of grains and friction against the impacts
    compacts: bool = False  # snow: the crunch grows as it packs, then stops dead
    creaks: float = 0.0  # chance a board creaks under the weight
    bubbles: bool = False


SURFACES: dict[str, Surface] = {
    # A rubber sole grinding the grit on a slab: a dense, dull crunch under the whole stance
    # (the sole damps the grains: nothing above ~3.5 kHz), the weight's thump only faint. A
    # bright heel knock through the slab's modes read as a crack or a shot, not a step.
    "stone": Surface(3000.0, (250.0, 3500.0), (0.0004, 0.002), 0.5, (200.0, 2500.0), 0.3,
                     0.2),
    # Planks: the same sole grit, a little darker, and the board's low, damped knock.
    "wood": Surface(3000.0, (200.0, 3000.0), (0.0004, 0.002), 0.5, (200.0, 2500.0), 0.3,
                    0.3, (70.0, 260.0, 0.035, 5.0, 0.3), creaks=0.3),
    "metal": Surface(800.0, (1000.0, 8000.0), (0.0002, 0.0008), 0.8, (800.0, 6000.0), 0.2,
                     0.4, (350.0, 4000.0, 0.004, 45.0, 0.8), texture=0.22),
    # Loose and soft ground: the texture is the sound.
    "gravel": Surface(7000.0, (1000.0, 9000.0), (0.0002, 0.0012), 0.3, (500.0, 5000.0), 0.22,
                      0.12),
    "snow": Surface(10000.0, (300.0, 4000.0), (0.0004, 0.002), 0.4, (300.0, 3000.0), 0.22,
                    0.3, compacts=True),
    "leaves": Surface(2500.0, (1200.0, 10000.0), (0.0006, 0.003), 0.6, (2000.0, 9000.0), 0.3,
                      0.2),
    "dirt": Surface(3000.0, (250.0, 3500.0), (0.0004, 0.002), 0.5, (200.0, 2500.0), 0.3, 0.5),
    "grass": Surface(1200.0, (1500.0, 9000.0), (0.0003, 0.0015), 1.2, (1500.0, 8000.0), 0.25,
                     0.4),
    "water": Surface(2500.0, (250.0, 3000.0), (0.001, 0.004), 0.8, (300.0, 5000.0), 0.3, 0.2,
                     bubbles=True),
}  # fmt: skip
# Only a metal deck keeps a short room of its own (a ship's hold, a gangway): stone and wood
# floors are dry, and the scene's mix gives them their place (a room's sparse early taps on
# every heel made a walk on stone or planks sound like gunfire).
ROOMS = {"metal": (0.6, 5000.0, 0.25)}


def _thump(rng: np.random.Generator, n: int, sr: int, width_s: float) -> dsp.Audio:
    """The body's weight arriving through the shoe: a smooth force pulse a few ms wide whose
    energy lies below a few hundred hertz, and the floor's weaker rebound."""
    out = np.zeros(n, np.float32)
    pulse = dsp.half_sine(width_s * rng.uniform(0.8, 1.25), sr)[:n]
    out[: pulse.shape[0]] = pulse
    rebound = dsp.half_sine(1.6 * width_s, sr)[: max(n - pulse.shape[0], 0)]
    out[pulse.shape[0] : pulse.shape[0] + rebound.shape[0]] -= rng.uniform(0.3, 0.5) * rebound
    return out


def force_curve(
    t: np.ndarray, pre_s: float, toe_gap: float, toe_level: float, surface: Surface
) -> np.ndarray:
    """The step's ground force over `t` (s, 0 = heel contact), 0..1: the shoe brushing down,
    the heel's peak, the ball of the foot rolling on, the stance fading to push-off."""
    brush = np.where((t < 0) & (t > -pre_s), 0.12 * (1.0 + t / pre_s), 0.0)
    stance = surface.stance_s
    if surface.compacts:
        # Snow packs under the heel: the crunch thickens, then stops once it is compressed.
        heel = np.where(t >= 0, np.clip(0.35 + t / (0.5 * stance), 0, 1), 0.0)
        heel *= np.exp(-np.maximum(t - 0.5 * stance, 0.0) / 0.006)
    else:
        heel = dsp.envelope_ad(t, 0.006, 0.25 * stance)
    toe = toe_level * dsp.envelope_ad(t - toe_gap, 0.01, 0.45 * stance)
    return np.clip(brush + heel + toe, 0.0, 1.0)


def step_sound(
    rng: np.random.Generator, surface: Surface, weight: float, toe_gap: float, sr: int
) -> tuple[dsp.Audio, int]:
    """One step (mono) and the frame of its heel contact within it."""
    pre_s = rng.uniform(0.03, 0.07)
    pre, n = int(pre_s * sr), int((pre_s + toe_gap + 1.6 * surface.stance_s + 0.05) * sr)
    t = (np.arange(n) - pre) / sr
    toe_level = rng.uniform(0.55, 0.8)
    force = force_curve(t, pre_s, toe_gap, toe_level, surface)
    rate = surface.grains_hz * (0.6 + 0.6 * weight)
    out = unit(crunch(rng, n, sr, rate, force, surface.band, surface.tau_s))
    # The sole's friction: noise grainy in level, following the force.
    # Its level wavers as the sole catches and frees (smoothly: a stepped level would buzz).
    grit = np.clip(1.0 + 0.6 * dsp.slow_noise(rng, n, sr, 40.0, control_rate=400), 0.0, None)
    level = (force * grit).astype(np.float32)
    rub = dsp.filt(dsp.bandpass(*surface.rub_band, sr, order=2), dsp.white(rng, n) * level)
    out += np.float32(surface.rub) * unit(rub)
    out *= np.float32(surface.texture)
    toe_at = pre + int(toe_gap * sr)
    for at, strength in ((pre, 1.0), (toe_at, 0.5 * toe_level)):
        hit = np.float32(surface.thump * strength * (0.6 + 0.6 * weight)) * _thump(
            rng, n - at, sr, 0.006 if strength == 1.0 else 0.009
        )
        low, high, decay, q, gain = surface.knock
        if gain:
            body = knock(rng, n - at, sr, (low, high), decay, modes=4, q=(0.6 * q, 1.4 * q))
            hit += np.float32(gain * strength) * body
        out[at:] += hit
    if rng.random() < surface.creaks:
        out += np.float32(rng.uniform(0.1, 0.25)) * _creak(rng, n, pre, sr)
    if surface.bubbles:
        out += _bubbles(rng, n, pre, weight, sr)
    return out, pre


def _creak(rng: np.random.Generator, n: int, at: int, sr: int) -> dsp.Audio:
    """A board rubbing on its nail as the weight rolls over it: a short stick-slip creak."""
    out = np.zeros(n, np.float32)
    span = min(int(rng.uniform(0.12, 0.25) * sr), n - at - int(0.03 * sr))
    if span < 16:
        return out
    x = np.linspace(0.0, 1.0, span)
    base = rng.uniform(350.0, 800.0)
    creak = stick_slip(rng, span, sr, np.sin(np.pi * x) ** 2, (60.0, 260.0),
                       (base, 2.3 * base, 3.9 * base))  # fmt: skip
    start = at + int(0.03 * sr)
    out[start : start + span] = creak
    return out


def _bubbles(rng: np.random.Generator, n: int, at: int, weight: float, sr: int) -> dsp.Audio:
    """Air dragged under by the foot: a few Minnaert bubbles chirping up as they rise."""
    t = (np.arange(n) - at) / sr
    out = np.zeros(n, np.float32)
    count = int(rng.integers(3, 8))
    for start, f0, glide, decay, level in zip(
        rng.uniform(0.01, 0.18, count),
        rng.uniform(500.0, 2000.0, count) * (1.2 - 0.4 * weight),
        rng.uniform(4.0, 12.0, count),  # a bubble's pitch rises as it nears the surface
        rng.uniform(0.01, 0.035, count),
        rng.uniform(0.1, 0.35, count),
        strict=True,
    ):
        local = np.maximum(t - start, 0.0)
        env = dsp.envelope_ad(t - start, 0.001, decay)
        out += (level * env * np.sin(2 * np.pi * f0 * (local + 0.5 * glide * local**2))).astype(
            np.float32
        )
    return out


MATERIAL = ParamSpec(
    "material", "stone", choices=tuple(SURFACES), doc="Surface: " + ", ".join(SURFACES)
)


def step_times(rng: np.random.Generator, rate: float, duration: float) -> np.ndarray:
    """Heel-strike times (s): a pace that drifts a little, one foot slightly longer than the
    other, and each step a few percent early or late, as a real walker's."""
    interval = 1.0 / (1.2 * 2.7**rate)
    count = max(1, int((duration - 0.25) / interval) + 2)
    drift = 1.0 + 0.03 * np.sin(2 * np.pi * (rng.uniform() + np.arange(count) / rng.uniform(8, 16)))
    limp = 1.0 + rng.uniform(-0.025, 0.025) * np.where(np.arange(count) % 2, 1.0, -1.0)
    gaps = interval * drift * limp * (1.0 + rng.normal(0.0, 0.03, count))
    times = 0.04 + np.concatenate([[0.0], np.cumsum(gaps[:-1])])
    return times[times < max(duration - 0.25, 0.05)]


def toe_gap_s(rate: float) -> float:
    """Typical heel-to-toe delay (s): a slow roll when walking, nearly flat-footed when running."""
    return 0.1 - 0.06 * rate


def synth(req: SynthRequest) -> np.ndarray:
    """Heel then toe per step, every step new, alternating feet slightly apart in pan."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, rate = req.number("intensity"), req.number("distance"), req.number("rate")
    name = req.word("material")
    surface = SURFACES[name]
    centre = rng.uniform(-0.2, 0.2)
    foot_level = dsp.db(rng.uniform(-1.5, 1.5))  # one shoe lands harder than the other
    out = np.zeros((n, 2), np.float32)
    for i, t in enumerate(step_times(rng, rate, n / sr)):
        foot = 1.0 if i % 2 else -1.0
        level = dsp.db(rng.normal(0.0, 1.5)) * (foot_level if i % 2 else 1.0)
        weight = float(np.clip(intensity + rng.normal(0.0, 0.08), 0.0, 1.0))
        gl, gr = dsp.pan_gains(centre + 0.06 * foot)
        sound, heel = step_sound(rng, surface, weight, toe_gap_s(rate) * rng.uniform(0.8, 1.25), sr)
        start = int(t * sr) - heel
        if start < 0:
            sound, start = sound[-start:], 0
        dsp.place(out[:, 0], sound, start, level * gl)
        dsp.place(out[:, 1], sound, start, level * gr)
    if name in ROOMS:
        t60, damping, wet = ROOMS[name]
        out = in_room(out, room_ir(rng, sr, t60, damping), wet * (1.0 + distance))
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="footsteps",
    family="foley",
    kind=EventKind.SFX,
    description="Footsteps walking or running on wood, stone, metal, gravel, snow, leaves, "
    "dirt, grass or shallow water.",
    tags=(
        "footsteps", "footstep", "steps", "step", "walking", "walk", "walks", "running", "runs",
        "run", "pacing", "stomping", "stomp", "tread", "treading", "trudging", "trudge",
        "sneaking", "tiptoe", "tiptoeing", "jogging", "jog", "sprinting", "sprint",
        "march", "marching", "approach", "approaching footsteps", "boots", "feet", "shoes",
        "heels", "strides", "crunching", "walking on gravel", "splashing through puddles",
        "wading",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, RATE, MATERIAL),
    typical_duration_s=5.0,
)  # fmt: skip
