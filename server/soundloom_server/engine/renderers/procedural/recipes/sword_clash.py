"""Sword clash: two blades meet and scrape; both ring with bright, inharmonic, beating modes."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest

# A free bar's partials (1, 2.756, 5.404, 8.933) plus the blade's plate-like modes between them.
BAR = np.array([1.0, 2.756, 5.404, 8.933])


def _blade(
    rng: np.random.Generator, base: float, size: float, sr: int, m: int
) -> tuple[dsp.Audio, np.ndarray]:
    """One blade's ring (impulse response) and its mode frequencies."""
    ratios = np.sort(np.concatenate([BAR, rng.uniform(1.3, 8.0, 5)]))
    freqs = base * ratios * rng.uniform(0.99, 1.01, ratios.shape[0])
    # Long steel rings for seconds; higher modes die faster.
    t60 = (2.5 + 2.0 * size) * rng.uniform(0.8, 1.2, ratios.shape[0]) * ratios**-0.3
    gains = rng.uniform(0.4, 1.0, ratios.shape[0]) / np.sqrt(ratios)
    return dsp.modal_ir(freqs, t60, gains, m, sr), freqs


def synth(req: SynthRequest) -> np.ndarray:
    """Two detuned blades struck together, plus a metallic scrape as the edges slide."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    m = min(n, int(3.5 * sr))
    base = rng.uniform(700.0, 1000.0) * 2.0 ** (-0.8 * (size - 0.5))
    ring_a, modes = _blade(rng, base, size, sr, m)
    # The second blade is nearly the same steel: near-coincident modes beat slowly.
    ring_b, _ = _blade(rng, base * rng.uniform(1.004, 1.02), size, sr, m)
    out = np.zeros((n, 2), np.float32)
    at = int(0.004 * sr)
    ring_a *= np.float32(1.0 / (dsp.peak_of(ring_a) + 1e-9))
    ring_b *= np.float32(rng.uniform(0.6, 0.9) / (dsp.peak_of(ring_b) + 1e-9))
    dsp.place(out, np.stack([0.8 * ring_a + 0.4 * ring_b, 0.4 * ring_a + 0.8 * ring_b], axis=1), at)

    # The scrape: rough noise through the blades' own resonances (edge dragging on edge).
    scrape_s = rng.uniform(0.12, 0.3) * (0.6 + 0.8 * intensity)
    k = min(n, int((scrape_s + 0.05) * sr))
    t = np.arange(k) / sr
    rough = np.clip(1.0 + 0.8 * dsp.slow_noise(rng, k, sr, 60.0, control_rate=1000), 0.0, None)
    env = dsp.envelope_ad(t, 0.005, scrape_s / 3.0).astype(np.float32) * rough
    sections = [dsp.peak(f, 30.0, 14.0, sr) for f in modes[modes < 0.45 * sr][:6]]
    scrape = dsp.filt(
        dsp.cascade(dsp.bandpass(1500.0, 9000.0, sr), *sections), dsp.white(rng, k) * env
    )
    scrape *= np.float32((0.25 + 0.2 * intensity) / (dsp.peak_of(scrape) + 1e-9))
    dsp.place(out, scrape, at)
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


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
