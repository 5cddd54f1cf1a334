"""Sword clash: two blades meet and scrape; each rings with dense, high, beating steel modes.

A blade is a long, thin, tapered steel plate: its bending and torsional modes crowd together
from about a kilohertz up (not the few tuned partials of a glockenspiel bar), and near-equal
mode pairs (the blade is not symmetric) beat slowly. Steel on steel is the hardest contact
there is: the clash starts with a broadband crack of noise. The edges then slide a little,
stick-slip scraping that excites the same modes unevenly, and both blades ring on for a second
or two, their highest modes dying first.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._modal import Body, body_ir
from soundloom_server.engine.renderers.procedural.recipes._weapons import ROOM, in_space, space_ir

# A medium blade: 40 modes from ~1 to 11 kHz, long steel decay (highs die first), near-equal
# pairs split by 0.6 % (beats of ~10-60 Hz: the shimmer of a clash), and a thin plate's
# radiation that favours the kilohertz range over its lowest modes.
BLADE = Body(
    (900, 11000), 40, 1.8, 0.2, 0.006, 0.0002, 0.0, (1, 2), 0.0, 0.0, (1, 2), 0.0, 0.0, 3000.0
)


def clash(rng: np.random.Generator, sr: int, m: int) -> dsp.Audio:
    """Steel on steel: a sub-millisecond broadband crack, peak 1."""
    t = np.arange(m) / sr
    crack = dsp.white(rng, m) * dsp.envelope_ad(t, 0.0001, 0.003).astype(np.float32)
    crack = dsp.filt(dsp.highpass(1500.0, sr), crack)
    return crack / np.float32(dsp.peak_of(crack) + 1e-9)


def scrape(
    rng: np.random.Generator, sr: int, m: int, seconds: float, modes_ir: dsp.Audio
) -> dsp.Audio:
    """Edge sliding on edge: stick-slip bursts at a wandering rate, through the blade's modes."""
    t = np.arange(m) / sr
    rate = 300.0 * np.clip(
        1.0 + 0.4 * dsp.slow_noise(rng, m, sr, 20.0, control_rate=1000), 0.3, None
    )
    slips = np.flatnonzero(np.diff(np.floor(np.cumsum(rate / sr))) > 0)
    env = dsp.envelope_ad(t, 0.01, seconds / 3.0)
    amps = env[slips] * rng.uniform(0.2, 1.0, slips.shape[0]) ** 2
    grit = dsp.impulses(m, slips, amps) + 0.3 * dsp.white(rng, m) * env.astype(np.float32)
    grit = dsp.filt(dsp.highpass(1500.0, sr), grit)
    rung = dsp.convolve(grit, modes_ir[: int(0.05 * sr)], m)
    return (grit * np.float32(0.3) + rung) / np.float32(dsp.peak_of(rung) + 1e-9)


def synth(req: SynthRequest) -> np.ndarray:
    """Two different blades struck together, a clash crack, the edges scraping, a room."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    m = min(n, int(3.5 * sr))
    contact = dsp.half_sine(0.0003, sr)
    rings = []
    for _ in range(2):  # two blades, each its own modes
        ring = dsp.convolve(contact, body_ir(rng, BLADE, 0.3 + 0.4 * size, sr, m), m)
        rings.append(ring / np.float32(dsp.peak_of(ring) + 1e-9))
    ring_a, ring_b = rings[0], rings[1] * np.float32(rng.uniform(0.6, 0.9))
    dry = np.zeros((n, 2), np.float32)
    at = int(0.004 * sr)
    dsp.place(dry, np.stack([0.8 * ring_a + 0.4 * ring_b, 0.4 * ring_a + 0.8 * ring_b], axis=1), at)
    crack = clash(rng, sr, min(n, int(0.03 * sr)))
    dsp.place(dry, crack[:, None] * np.float32(0.8 + 0.4 * intensity), at)
    scrape_s = rng.uniform(0.12, 0.3) * (0.6 + 0.8 * intensity)
    k = min(n - at, int((scrape_s + 0.05) * sr))
    if k > 16:
        grind = scrape(rng, sr, k, scrape_s, ring_a)
        dsp.place(dry, dsp.widen(grind * np.float32(0.3 + 0.2 * intensity), sr), at)
    ir = space_ir(rng, ROOM, sr, n) * np.float32(0.5 * (1.0 + 1.5 * distance))
    return dsp.finish_one_shot(in_space(dry, ir), sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="sword_clash",
    family="weapons",
    kind=EventKind.SFX,
    description="Swords clashing: a bright metallic ring with a scrape of steel, decaying long.",
    tags=(
        "sword clash", "swords clash", "clashing swords", "sword fight", "swordfight",
        "sword fighting", "blades clash", "clash of steel", "steel on steel", "metal on metal",
        "parry", "parries", "parrying", "clang of swords", "sword", "swords", "blade", "blades",
        "duel", "fencing", "katana", "dagger clash", "ring of steel",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=2.5,
)  # fmt: skip
