"""Heartbeat: "lub-dub" pairs of low thumps, the valves closing, at a resting or racing pulse.

S1 ("lub", mitral and tricuspid closure) is a low, slightly longer thump; S2 ("dub", aortic and
pulmonary closure) follows about 0.3 s later, softer and a little higher. Systole shortens less
than the whole cycle as the pulse rises, so the pair gap shrinks only with the square root of
the period. Everything lives below ~400 Hz, so it is built at a low rate.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import event_times, normalised

RATE = ParamSpec("rate", 20.0 / 110.0, doc="Pulse: 0 50 BPM (resting) .. 1 160 BPM (racing)")
REST_PERIOD_S = 60.0 / 70.0
REST_GAP_S = 0.3  # lub to dub at 70 BPM


def bpm(rate: float) -> float:
    """Beats per minute for `rate` 0..1 (default ~70)."""
    return 50.0 + 110.0 * rate


def pair_gap_s(period_s: float) -> float:
    """Lub-to-dub time: 0.3 s at rest, shrinking with the square root of the period."""
    return REST_GAP_S * float(np.sqrt(period_s / REST_PERIOD_S))


def thump(rng: np.random.Generator, sr: int, f0: float, decay: float, click: float) -> dsp.Audio:
    """A damped low sine whose pitch sags as the tissue relaxes, with a short valve click."""
    length = int(6.0 * decay * sr)
    t = np.arange(length) / sr
    freq = f0 * (1.0 + 0.4 * np.exp(-t / 0.02))
    body = np.sin(2 * np.pi * np.cumsum(freq) / sr) * dsp.envelope_ad(t, 0.008, decay)
    snap = dsp.white(rng, length) * dsp.envelope_ad(t, 0.001, 0.012).astype(np.float32)
    snap = dsp.filt(dsp.bandpass(60.0, 300.0, sr), snap)
    return normalised(body.astype(np.float32) + np.float32(click) * normalised(snap))


def synth(req: SynthRequest) -> np.ndarray:
    """Lub-dub pairs with beat-to-beat variability over a faint blood-flow whoosh."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(sr, 4000)
    low_sr, m = sr // k, n // k + 2
    period = 60.0 / bpm(req.number("rate"))
    gap = pair_gap_s(period)
    # A pounding heart (intensity) thumps harder and clicks more; the valve snap stays under the
    # thump (louder, it is a knock on a door).
    click = 0.15 + 0.25 * intensity
    lubs = [thump(rng, low_sr, rng.uniform(45.0, 60.0), 0.045, click) for _ in range(3)]
    dubs = [thump(rng, low_sr, rng.uniform(60.0, 80.0), 0.03, click) for _ in range(3)]
    mono = np.zeros(m, np.float32)
    # Heart-rate variability: ~2 % beat to beat.
    for t in event_times(rng, period, n / sr + gap, 0.02):
        level = dsp.db(rng.normal(0.0, 0.7))
        dsp.place(mono, lubs[int(rng.integers(3))], int(t * low_sr), level)
        dsp.place(mono, dubs[int(rng.integers(3))], int((t + gap) * low_sr), 0.6 * level)
    # Blood flow: a faint whoosh, 40 dB under the thumps; a chest is nearly silent between beats
    # (any louder and the bed is a rumble with knocks in it).
    flow = dsp.filt(dsp.bandpass(40.0, 250.0, low_sr), dsp.white(rng, m))
    mono += np.float32(0.005 / (dsp.rms_of(flow) + 1e-9)) * flow
    # Heard through a chest: the highs go early, far more so with distance.
    mono = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance) / 8.0, low_sr), mono)
    # Near mono, barely spread: one body in the middle.
    left = dsp.upsample(mono, k, n)
    out = dsp.stereo(left, left.copy())
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="heartbeat",
    family="people",
    kind=EventKind.AMBIENCE,
    description="A heart beating: lub-dub pairs of low thumps from a resting to a racing pulse.",
    tags=(
        "heartbeat", "heart beat", "heart beating", "heart", "pulse", "heart pounding",
        "pounding heart", "racing heart", "lub dub", "heartbeats", "thumping heart",
        "stethoscope", "cardiac", "palpitations",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, RATE),
    typical_duration_s=20.0,
)  # fmt: skip
