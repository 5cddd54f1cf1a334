"""Alarm: an electric bell ringing (a clapper hammering a gong ~18 times a second) or beeping.

The bell's modes ring far longer than the gap between strikes, so each mode is a steady
sinusoid whose amplitude is the sum of the strikes' exponential decays: that envelope is smooth
and is built at a control rate (impulses through a one-pole per mode), then multiplies the
mode's sine at full rate. The beeper is a square-ish ~3 kHz tone gated on and off.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._machines import (
    event_times,
    oscillator,
    wavetable,
)

ACTION = ParamSpec("action", "bell", choices=("bell", "beep"), doc="Ringing bell or beeper")
# A thin bell dome: ratios after a free plate, lowest mode ~ 1.1 kHz.
_BELL_RATIOS = (1.0, 2.32, 3.7, 5.35)
_BELL_T60 = (1.2, 0.8, 0.5, 0.35)


def strikes_per_second(intensity: float) -> float:
    """Clapper rate: a buzzier ring when driven harder."""
    return 15.0 + 5.0 * intensity


def bell(req: SynthRequest) -> dsp.Audio:
    """Mode envelopes from strike impulses at a control rate, times sines at full rate."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    ctrl = dsp.low_rate_factor(sr, 2000)
    c_sr, c = sr // ctrl, n // ctrl + 2
    hz = strikes_per_second(req.number("intensity"))
    times = event_times(rng, 1.0 / hz, n / sr + 2.0, 0.05) - 2.0  # already ringing at t=0
    # Strike positions on a control grid that starts 2 s early, so the ring is settled.
    warm = 2 * c_sr
    pos = ((times + 2.0) * c_sr).astype(np.int64)
    pos = pos[pos < c + warm]
    hits = dsp.impulses(c + warm, pos, rng.uniform(0.8, 1.0, pos.shape[0]))
    # Modes rounded to harmonics of a ~50 Hz grid: one wavetable read carries several modes.
    grid = rng.uniform(950.0, 1300.0) / 22.0
    out = np.zeros(n, np.float32)
    for modes in ((0, 1), (2, 3)):  # slow and fast decaying pairs share an envelope
        amps = np.zeros(140)
        for i in modes:
            harmonic = round(22 * _BELL_RATIOS[i] * rng.uniform(0.99, 1.01))
            amps[harmonic - 1] = _BELL_RATIOS[i] ** -0.5
        t60 = float(np.mean([_BELL_T60[i] for i in modes]))
        r = float(np.exp(-6.9078 / (t60 * c_sr)))
        env = dsp.filt(np.array([[1.0 - r, 0.0, 0.0, 1.0, -r, 0.0]]), hits)[warm:]
        table = wavetable(amps, rng.uniform(0, 2 * np.pi, 140), size=1 << 16)
        out += dsp.upsample(env, ctrl, n) * oscillator(table, grid, sr, n)
    # The clapper's own metallic tick on each strike: the "brrr" of the bell.
    r = float(np.exp(-1.0 / (0.004 * c_sr)))
    tick = dsp.filt(np.array([[1.0 - r, 0.0, 0.0, 1.0, -r, 0.0]]), hits)[warm:]
    out += np.float32(0.2) * dsp.upsample(tick, ctrl, n) * dsp.white(rng, n)
    return out


def beep(req: SynthRequest) -> dsp.Audio:
    """A piezo beeper: a square-ish tone gated on and off, four beeps to a second."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    f = rng.uniform(2600.0, 3200.0)
    count = int(0.45 * sr / f)
    ks = np.arange(1, count + 1)
    tone = oscillator(wavetable(np.where(ks % 2 == 1, 1.0 / ks, 0.0)), f, sr, n)
    period = 0.5 / (1.0 + req.number("intensity"))
    u = (np.arange(n) / (period * sr) + rng.uniform()) % 1.0
    # 3 ms ramps keep the gating click-free.
    gate = np.clip(np.minimum(u, 0.5 - u) * period / 0.003, 0.0, 1.0)
    return (tone * gate).astype(np.float32)


def synth(req: SynthRequest) -> np.ndarray:
    """The bell or the beeper, through air absorption, with a little room spread."""
    sr = req.sample_rate
    intensity, distance = req.number("intensity"), req.number("distance")
    mono = bell(req) if req.word("action") == "bell" else beep(req)
    mono = dsp.filt(
        dsp.cascade(dsp.highpass(300.0, sr), dsp.lowpass(dsp.distance_cutoff(distance), sr)),
        mono,
    )
    out = dsp.widen(mono, sr, width=0.3 + 0.5 * distance)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="alarm",
    family="machines",
    kind=EventKind.AMBIENCE,
    description="An alarm going off: an electric bell ringing or a beeper beeping.",
    tags=(
        "alarm", "alarms", "alarm bell", "alarm going off", "fire alarm", "burglar alarm",
        "school bell", "ringing bell", "electric bell", "bell ringing", "beeping", "beep",
        "beeps", "beeper", "alarm clock", "warning", "klaxon", "buzzer", "smoke alarm",
        "security alarm",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, ACTION),
    typical_duration_s=15.0,
)  # fmt: skip
