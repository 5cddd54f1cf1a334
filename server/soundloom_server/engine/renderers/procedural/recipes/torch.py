"""Torch: a hand torch or sconce, one flame's fluttering roar over its sputtering fuel.

The roar is one flame's turbulent combustion (150-1500 Hz), puffing at several Hz, with
Farnell's ragged ~25 Hz lapping on it and draughts leaning on it now and then; no bed of logs
laps under it. A hand-sized flame's eddies are small, so its roar centres near 450 Hz and falls
away steeply (12 dB/octave) under 150 Hz: the rumble below ~120 Hz belongs to a bonfire or a
blast, and brought up to full level it turned the torch into an explosion. The pitch and
resin in the wrappings boil out in spurts: a fine crackle of tiny sharp ticks and now and then
a small pop (the fire recipes' crackle), with a vapour hiss.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._fire import crackles

_SPUTTER = 1.0  # crackle RMS against the roar: the roar carries the energy


def synth(req: SynthRequest) -> np.ndarray:
    """Roar (low rate, flicker- and lapping-modulated, one noise per ear) + hiss + sputter."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")

    # Flicker: a flame tongue flaps at several Hz (puffing); a torch's one flame keeps it
    # steady-ish, and draughts lean on it now and then.
    k = dsp.low_rate_factor(sr, 12000)  # the roar reaches ~1.5 kHz: keep it far under Nyquist
    low_sr, m = sr // k, n // k + 2
    flicker = 1.0 + 0.45 * dsp.slow_noise(rng, m, low_sr, 7.0, control_rate=100)
    flicker += 0.2 * dsp.drift(rng, m, low_sr, 0.3)  # draughts
    flicker = np.clip(flicker, 0.15, None).astype(np.float32)
    # Lapping (Farnell): the flame sheet's ragged ~25 Hz flutter, clipped noise, on the roar.
    flutter = np.tanh(4.0 * dsp.filt(dsp.resonator(25.0, 2.0, low_sr), dsp.white(rng, 2 * m)))
    lapping = (1.0 + 0.35 * flutter).reshape(2, m).astype(np.float32)
    roar_shape = dsp.cascade(
        # A small flame: no rumble under its smallest eddies' ~150 Hz.
        dsp.bandpass(150.0, 1000.0 + 300.0 * intensity, low_sr, order=2),
        dsp.peak(450.0, 1.0, 4.0, low_sr),  # the combustion "body", a hand-sized flame's
    )
    roar = dsp.filt(roar_shape, dsp.white(rng, 2 * m).reshape(2, m) * flicker * lapping, axis=1)
    roar *= np.float32(1.0 / (dsp.rms_of(roar) + 1e-12))
    out = dsp.upsample_stereo(roar, k, n)

    # Hiss: the fuel (pitch, oil) vaporising, following the flicker, well under the roar.
    air = dsp.lowpass(dsp.distance_cutoff(distance), sr)
    hiss = dsp.filt(dsp.cascade(dsp.highpass(2000.0, sr), air), dsp.white(rng, n))
    hiss *= dsp.upsample(flicker, k, n) * np.float32(0.25 + 0.1 * intensity)
    out += dsp.widen(hiss, sr, delay_s=0.005)

    # The fuel sputters: pitch and resin boiling out of the wrappings crackle finely all the
    # time, and now and then a drop bursts with a pop. Tiny events: little energy, much bite.
    # It boils in spurts, as the flame licks one part of the wrapping and then another.
    spurts = np.clip(1.0 + 0.6 * dsp.drift(rng, n, sr, 0.4), 0.1, None) ** 2
    flare = dsp.upsample(flicker, k, n) ** 2 * spurts
    rate = 12.0 + 30.0 * intensity
    fine = crackles(rng, n, sr, flare, 2.0 * rate, 2, (2500.0, 10000.0), (0.0002, 0.001), 6.0)
    pops = crackles(rng, n, sr, flare, rate / 6.0, 3, (1500.0, 6000.0), (0.0008, 0.004), 5.0)
    snaps = fine + pops * np.float32(0.7 * dsp.rms_of(fine) / (dsp.rms_of(pops) + 1e-12))
    snaps = dsp.filt(dsp.cascade(dsp.highpass(300.0, sr), air), snaps, axis=0)
    # Soft-clip the rare pile-up of pops: otherwise they alone would set the level of the bed.
    knee = np.float32(6.0 * dsp.rms_of(snaps) + 1e-12)
    snaps = np.tanh(snaps / knee) * knee
    level = _SPUTTER * dsp.db(-14.0 * distance) * dsp.rms_of(out)
    out += snaps * np.float32(level / (dsp.rms_of(snaps) + 1e-12))
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="torch",
    family="fire",
    kind=EventKind.AMBIENCE,
    description="Torch: a single burning torch or sconce, a fluttering roar over sputtering fuel.",
    tags=(
        "torch",
        "torches",
        "burning torch",
        "lit torch",
        "flaming torch",
        "wall torch",
        "torchlight",
        "torchlit",
        "sconce",
        "wall sconce",
        "flambeau",
        "firebrand",
        "brand",
        "fire torch",
        "tiki torch",
        "lantern flame",
        "oil lamp",
        "flickering flame",
        "flickering",
        "flutter of flame",
        "sputtering",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)
