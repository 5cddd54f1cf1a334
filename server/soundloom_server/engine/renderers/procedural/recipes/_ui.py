"""Parts shared by the interface sounds: a stereo one-shot from mono, tone sequences, clicks.

Interface sounds are tiny physical objects or instruments heard up close: a switch snapping, a
soft mallet on a small bar, a tuned bell. They are placed at the centre, dry but for a short
room, and end at rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes._music import mallet_tone


def finish(
    mono: dsp.Audio, sr: int, intensity: float, distance: float, width: float = 0.2
) -> dsp.Audio:
    """A near-centred stereo one-shot at the standard peak, resting at its end."""
    return dsp.finish_one_shot(
        dsp.widen(mono, sr, delay_s=0.007, width=width), sr, intensity, distance, 0.03
    )


def notes(
    rng: np.random.Generator,
    n: int,
    sr: int,
    pitches_hz: Sequence[float],
    step_s: float,
    ring_s: float,
    ratios: tuple[float, ...],
    hardness: float,
) -> dsp.Audio:
    """Struck notes one after another, `step_s` apart, each ringing for `ring_s`."""
    tones = [
        mallet_tone(rng, f, ring_s, sr, ratios, t60_s=ring_s, hardness=hardness)
        for f in pitches_hz  # two or three notes
    ]
    return sequence(tones, n, sr, step_s)


def sequence(tones: Sequence[dsp.Audio], n: int, sr: int, step_s: float) -> dsp.Audio:
    """Mono notes one after another, `step_s` apart from 5 ms in, each a little softer."""
    out = np.zeros(n, np.float32)
    for i, tone in enumerate(tones):
        dsp.place(out, tone, int((0.005 + i * step_s) * sr), 0.85**i)
    return out


def switch_click(rng: np.random.Generator, sr: int, body_hz: float, decay_s: float) -> dsp.Audio:
    """A snap-action switch: a broadband snap ringing a small plastic housing (peak 1)."""
    n = int(max(0.03, 8 * decay_s) * sr)
    t = np.arange(n) / sr
    snap = dsp.white(rng, n) * np.exp(-t / decay_s).astype(np.float32)
    housing = dsp.cascade(
        dsp.highpass(600.0, sr, order=1),
        dsp.peak(body_hz, 4.0, 12.0, sr),
        dsp.peak(2.3 * body_hz, 5.0, 8.0, sr),
        dsp.lowpass(14000.0, sr),
    )
    out = dsp.filt(housing, snap)
    return out / np.float32(dsp.peak_of(out) + 1e-9)
