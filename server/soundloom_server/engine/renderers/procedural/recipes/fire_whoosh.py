"""Fire whoosh: flames igniting or a fireball, a swept rush, then the flames it lit burning on.

The gas catches in one rush (0.5-1 s: the flame front racing through the premixed cloud, its band
rising and falling). A deflagration, not a detonation: the front moves far below the speed of
sound, so it swells rather than bangs. Behind the front the cloud is now a turbulent diffusion
flame, which does not die with the rush but burns on 15-20 dB under its peak: a roar whose level
puffs at 5-15 Hz (the buoyant flicker of a flame, slower for a bigger one) and the dense, small
crackle of what caught. A burn-on far under the rush leaves a lone broadband burst: a blast.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._fire import crackles

BURN = 0.5  # the flames' RMS, re the rush's
# Band centres of the filter bank the sweep glides across (a third of an octave apart-ish).
_BANDS = 160.0 * 2.0 ** (np.arange(14) / 2.6)


def _rush(req: SynthRequest, t: np.ndarray, sweep_s: float) -> tuple[dsp.Audio, float]:
    """The flame front: a band-pass bank crossfaded by a gliding Gaussian; and its peak time."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, size = req.number("intensity"), req.number("size")
    u = t / sweep_s
    # The centre rises as the gas catches, peaks a little before the loudest moment, then sinks.
    apex = rng.uniform(0.28, 0.4)
    low, high = 250.0 * 2.0 ** (-size), (1400.0 + 1800.0 * intensity) * 2.0 ** (-0.8 * size)
    rise = np.sin(0.5 * np.pi * np.clip(u / apex, 0.0, 1.0))
    fall = np.exp(-np.maximum(u - apex, 0.0) / 0.3)
    centre = np.exp(np.log(low) + (np.log(high) - np.log(low)) * rise * (0.3 + 0.7 * fall))
    attack = (apex + 0.08) * sweep_s
    swell = dsp.envelope_ad(t, attack, 0.22 * sweep_s)
    noise = dsp.white(rng, n)
    out = np.zeros(n, np.float32)
    width = 0.55  # octaves: the band's spread around the centre
    for band in _BANDS[: int(np.searchsorted(_BANDS, 0.4 * sr))]:  # bands under Nyquist
        gain = np.exp(-0.5 * (np.log2(band / centre) / width) ** 2) * swell
        if gain.max() < 1e-3:
            continue
        shaped = dsp.filt(dsp.bandpass(band / 1.25, band * 1.25, sr), noise)
        out += shaped * dsp.upsample(gain.astype(np.float32), 64, n)
    return out, attack


def _flames(req: SynthRequest, level: np.ndarray) -> dsp.Audio:
    """The diffusion flame burning on (stereo, unit RMS): a flickering roar and fuel crackle."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    size = req.number("size")
    # Buoyant flames puff at 5-15 Hz (the flicker of a pool fire, faster for smaller flames):
    # the turbulent roar's level follows, ragged, never steady.
    flicker = np.clip(1.0 + 0.7 * dsp.slow_noise(rng, n, sr, 12.0 - 5.0 * size), 0.15, None)
    roar = dsp.filt(
        dsp.cascade(dsp.pink_sos(), dsp.bandpass(250.0, 3500.0 - 1200.0 * size, sr)),
        dsp.white(rng, n),
    )
    roar *= flicker / np.float32(dsp.rms_of(roar) + 1e-9)
    out = dsp.widen(roar, sr, delay_s=0.009) * level[:, None]
    # What caught crackles: resin and moisture bursting as the fuel heats.
    # Many small ticks and no lone loud pop: a pop standing out of the roar reads as a shot.
    snaps = crackles(rng, n, sr, 4.0 * level, 80.0, 3, (2000.0, 10000.0), (0.0003, 0.0012), 3.0)
    snaps = dsp.filt(dsp.highpass(500.0, sr), snaps, axis=0)
    knee = np.float32(3.0 * dsp.rms_of(snaps) + 1e-12)
    snaps = np.tanh(snaps / knee) * knee
    out += snaps * np.float32(0.35 * dsp.rms_of(out) / (dsp.rms_of(snaps) + 1e-12))
    return out / np.float32(dsp.rms_of(out) + 1e-12)


def synth(req: SynthRequest) -> np.ndarray:
    """The rush (a swept band-pass), then the flames burning on, flickering and crackling."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    duration = n / sr
    t = np.arange(max(n // 64, 2)) * 64.0 / sr  # control curves at ~750 Hz
    sweep_s = min((0.5 + 0.5 * size) * rng.uniform(0.9, 1.1), 0.8 * duration)
    rush, attack = _rush(req, t, sweep_s)
    # The flames take over as the front passes: they rise under the rush, then hold and fade.
    burn_env = dsp.envelope_ad(t - 0.5 * attack, 1.2 * attack, 0.7 * duration)
    level = dsp.upsample(burn_env.astype(np.float32), 64, n)
    flames = _flames(req, level) * np.float32(BURN * dsp.rms_of(rush))
    stereo = dsp.widen(rush, sr, delay_s=0.006) + flames
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
