"""Fire whoosh: flames igniting or a fireball, band-passed noise swelling as its centre rises.

The gas catches in one rush (0.5-1 s: the flame front racing through the cloud, its band rising
and falling), then what caught burns on, a lower, fluttering roar fading over the rest of the
event; the rumble of the burning gas stays under the rush (louder, it is a blast).
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest

BURN = 0.4  # the flames burning on after the rush, re its peak
# Band centres of the filter bank the sweep glides across (a third of an octave apart-ish).
_BANDS = 160.0 * 2.0 ** (np.arange(14) / 2.6)


def synth(req: SynthRequest) -> np.ndarray:
    """A fixed band-pass bank crossfaded by a gliding Gaussian: a vectorised swept band-pass."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    duration = n / sr
    t = np.arange(max(n // 64, 2)) * 64.0 / sr  # control curves at ~750 Hz
    # The gas catches in one rush (a whoosh, 0.5-1 s), then what caught burns on, fading.
    sweep_s = min((0.5 + 0.5 * size) * rng.uniform(0.9, 1.1), 0.8 * duration)
    u = t / sweep_s
    # The centre rises as the gas catches, peaks a little before the loudest moment, then sinks.
    apex = rng.uniform(0.28, 0.4)
    low, high = 250.0 * 2.0 ** (-size), (1400.0 + 1800.0 * intensity) * 2.0 ** (-0.8 * size)
    rise = np.sin(0.5 * np.pi * np.clip(u / apex, 0.0, 1.0))
    fall = np.exp(-np.maximum(u - apex, 0.0) / 0.3)
    centre = np.exp(np.log(low) + (np.log(high) - np.log(low)) * rise * (0.3 + 0.7 * fall))
    attack = (apex + 0.08) * sweep_s
    swell = dsp.envelope_ad(t, attack, 0.22 * sweep_s) + BURN * dsp.envelope_ad(
        t, attack, 0.35 * duration
    )
    # Flames flutter: the roar's level wavers at several Hz.
    flutter = np.clip(
        1.0 + 0.25 * rng.standard_normal(t.shape[0]).cumsum() / np.sqrt(t.size), 0.5, 1.5
    )
    flutter *= 1.0 + 0.2 * np.sin(2.0 * np.pi * rng.uniform(7.0, 11.0) * t)

    noise = dsp.white(rng, n)
    out = np.zeros(n, np.float32)
    width = 0.55  # octaves: the band's spread around the centre
    for band in _BANDS[: int(np.searchsorted(_BANDS, 0.4 * sr))]:  # bands under Nyquist
        gain = np.exp(-0.5 * (np.log2(band / centre) / width) ** 2) * swell * flutter
        if gain.max() < 1e-3:
            continue
        shaped = dsp.filt(dsp.bandpass(band / 1.25, band * 1.25, sr), noise)
        out += shaped * dsp.upsample(gain.astype(np.float32), 64, n)

    # Roar: the low body of burning gas, following the swell; stereo from two noises.
    k = dsp.low_rate_factor(sr, 2000)
    m = n // k + 2
    body_env = np.interp(np.arange(m) * k / sr, t, swell).astype(np.float32)
    body = dsp.filt(
        dsp.cascade(dsp.bandpass(50.0, 300.0, sr // k), dsp.lowpass(300.0, sr // k)),
        dsp.white(rng, 2 * m).reshape(2, m) * body_env,
        axis=1,
    )
    body *= np.float32((0.25 + 0.35 * size) * dsp.rms_of(out) / (dsp.rms_of(body) + 1e-12))
    stereo = dsp.widen(out, sr, delay_s=0.006) + dsp.upsample_stereo(body, k, n)
    stereo = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), stereo, axis=0)
    dsp.fade_out(stereo, int(min(0.3, 0.15 * duration) * sr))
    return dsp.fit_peak(stereo, dsp.oneshot_peak(intensity, distance))


RECIPE = Recipe(
    name="fire_whoosh",
    family="fire",
    kind=EventKind.SFX,
    description="Fire whoosh: flames igniting or a fireball, a roaring swell that rises and fades.",
    tags=(
        "fire whoosh",
        "whoosh",
        "fwoosh",
        "woosh",
        "fireball",
        "fire ball",
        "ignite",
        "ignites",
        "igniting",
        "ignition",
        "flames burst",
        "burst of flame",
        "flare up",
        "flares up",
        "catches fire",
        "bursts into flames",
        "flamethrower",
        "fire breath",
        "breathes fire",
        "dragon fire",
        "fire spell",
        "combust",
        "combustion",
        "gas ignition",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
    typical_duration_s=2.0,
)
