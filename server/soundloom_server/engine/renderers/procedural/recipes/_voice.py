"""Source-filter voice model shared by the animal calls and the wordless human voices.

A voice is a glottal pulse train (pitch contour with jitter, shimmer and optional period
doubling) plus aspiration noise, filtered by a cascade of formant resonators whose frequencies
follow the gesture (a mouth opening, a meow's glide), and radiated by the lips (+6 dB/octave).
Resonators are Klatt's (unity gain at DC), so a cascade gives the formants their natural
relative levels. Formants move block by block (a few ms), with the filter state carried over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import signal

from soundloom_server.engine.renderers.procedural import dsp

# Adult male formant frequencies (Hz) of a few vowels (Peterson & Barney; F4/F5 typical values).
VOWELS: dict[str, tuple[float, ...]] = {
    "a": (730.0, 1090.0, 2440.0, 3400.0, 4500.0),  # "father"
    "ae": (660.0, 1720.0, 2410.0, 3400.0, 4500.0),  # "cat"
    "e": (530.0, 1840.0, 2480.0, 3500.0, 4500.0),  # "bed"
    "i": (270.0, 2290.0, 3010.0, 3600.0, 4600.0),  # "see"
    "o": (570.0, 840.0, 2410.0, 3300.0, 4500.0),  # "law"
    "u": (300.0, 870.0, 2240.0, 3300.0, 4500.0),  # "boot"
    "uh": (640.0, 1190.0, 2390.0, 3400.0, 4500.0),  # "but"
}
# Formant bandwidths (Hz): wider in higher formants.
BANDWIDTHS = (80.0, 100.0, 140.0, 200.0, 260.0)
# Formant scale of a vocal tract relative to an adult man's (shorter tract, higher formants).
TRACT_SCALE = {"man": 1.0, "woman": 1.17, "child": 1.32}
# Typical speaking f0 (Hz) for each voice.
SPEAKING_F0 = {"man": 115.0, "woman": 210.0, "child": 280.0}
HIGHEST_FORMANT_HZ = 14000.0  # the highest tract resonance modelled (the voice's air band)
BLOCK = 256  # formant update interval in samples (5.3 ms at 48 kHz; Klatt updated every 5 ms)


@dataclass(frozen=True)
class Source:
    """How the larynx vibrates: irregularity, brightness and roughness of the pulse train."""

    jitter: float = 0.01  # period perturbation, share of a period (rms)
    shimmer: float = 0.08  # pulse amplitude perturbation (rms, relative)
    corner_hz: float = 250.0  # glottal roll-off corner: low = soft, high = pressed / shouted
    doubling: float = 0.0  # period-doubling depth: alternate pulses weaker (rough, harsh voice)
    # Return-phase corner (Fant's Fa = 1 / 2 pi Ta): how abruptly the folds close. Above it the
    # source falls a further 6 dB/octave: low = breathy, soft; high = pressed, effortful.
    closing_hz: float = 2000.0
    # Where the aspiration's spectrum starts to fall: a gentle breath's eddies are slow (300 Hz,
    # Klatt's -6 dB/octave hiss), a forced blast's are fast and its noise is bright.
    turbulence_hz: float = 300.0


def curve(times: npt.ArrayLike, values: npt.ArrayLike, frames: int, sr: int) -> np.ndarray:
    """A piecewise-linear control curve through (time s, value) points, one value per frame."""
    t = np.arange(frames, dtype=np.float64) / sr
    return np.interp(t, np.asarray(times, np.float64), np.asarray(values, np.float64))


def formant_path(times: npt.ArrayLike, formants: npt.ArrayLike, frames: int, sr: int) -> np.ndarray:
    """Formant frequencies per block (blocks, formants) gliding through keyframes (times, F)."""
    blocks = -(-frames // BLOCK)
    t = (np.arange(blocks) + 0.5) * BLOCK / sr
    keys = np.asarray(formants, np.float64)
    times = np.asarray(times, np.float64)
    return np.stack([np.interp(t, times, keys[:, j]) for j in range(keys.shape[1])], axis=1)


def vowel(name: str, scale: float = 1.0) -> np.ndarray:
    """A vowel's formant frequencies for a tract `scale` (1 = adult man)."""
    return np.asarray(VOWELS[name], np.float64) * scale


def pulse_train(
    f0: np.ndarray, amp: np.ndarray, sr: int, rng: np.random.Generator, source: Source
) -> dsp.Audio:
    """Glottal flow pulses: one impulse per period of `f0` (Hz per frame), shaped by roll-off."""
    frames = f0.shape[0]
    phase = np.cumsum(np.maximum(f0, 1.0) / sr) + rng.uniform()
    count = int(phase[-1]) if frames else 0
    out = np.zeros(frames, np.float32)
    if count < 1:
        return out
    k = np.arange(1, count + 1, dtype=np.float64)
    at = np.clip(np.searchsorted(phase, k), 1, frames - 1)
    frac = (k - phase[at - 1]) / np.maximum(phase[at] - phase[at - 1], 1e-12)
    # Jitter moves each closure by a share of its own period.
    when = at - 1 + frac + rng.normal(0.0, source.jitter, count) * sr / np.maximum(f0[at], 1.0)
    when = np.clip(when, 0.0, frames - 1.001)
    base = np.floor(when).astype(np.int64)
    split = when - base
    gain = amp[base] * np.exp(rng.normal(0.0, source.shimmer, count))
    if source.doubling:
        gain *= 1.0 - source.doubling * (np.arange(count) % 2)
    np.add.at(out, base, (gain * (1.0 - split)).astype(np.float32))
    np.add.at(out, np.minimum(base + 1, frames - 1), (gain * split).astype(np.float32))
    # Two real poles at the corner: the glottal flow spectrum falls -12 dB/octave above it.
    r = float(np.exp(-2.0 * np.pi * source.corner_hz / sr))
    c = float(np.exp(-2.0 * np.pi * source.closing_hz / sr))
    rolloff = np.array(
        [[(1.0 - r) ** 2, 0.0, 0.0, 1.0, -2.0 * r, r * r], [1.0 - c, 0.0, 0.0, 1.0, -c, 0.0]]
    )
    return dsp.filt(rolloff, out) * np.float32(sr / (2.0 * np.pi * source.corner_hz))


def aspiration(
    rng: np.random.Generator,
    f0: np.ndarray,
    level: np.ndarray,
    sr: int,
    pulsed: float = 0.5,
    corner_hz: float = 300.0,
) -> dsp.Audio:
    """Turbulent noise at the glottis, louder in each open phase (`pulsed` 0..1 of the period).

    Above `corner_hz` its spectrum falls 6 dB/octave (Klatt's aspiration source), so after lip
    radiation it is flat: breath is a hiss, not a whistle that rises with frequency; and it has
    no rumble below.
    """
    frames = f0.shape[0]
    phase = np.cumsum(f0 / sr)
    gate = 1.0 - pulsed * (0.5 + 0.5 * np.cos(2.0 * np.pi * phase))
    c = float(np.exp(-2.0 * np.pi * corner_hz / sr))
    # Turbulence has little energy below a few hundred Hz (its eddies are small): no rumble.
    shape = dsp.cascade(np.array([[1.0 - c, 0.0, 0.0, 1.0, -c, 0.0]]), dsp.highpass(250.0, sr))
    tilted = dsp.filt(shape, dsp.white(rng, frames))
    # Unit rms again: the breath level stays a share of the voicing.
    tilted *= np.float32(1.0 / (dsp.rms_of(tilted) + 1e-12))
    return tilted * (level * gate).astype(np.float32)


def tract(
    excitation: dsp.Audio,
    formants: np.ndarray,
    sr: int,
    bandwidths: npt.ArrayLike = BANDWIDTHS,
) -> dsp.Audio:
    """A cascade of Klatt resonators whose frequencies follow `formants` (blocks, n)."""
    frames = excitation.shape[0]
    n_formants = formants.shape[1]
    bw = np.asarray(bandwidths, np.float64)[:n_formants]
    # Coefficients for every block at once; the loop below only runs the filter.
    f = np.minimum(formants, 0.45 * sr)
    r = np.exp(-np.pi * bw[None, :] / sr)
    b1, b2 = 2.0 * r * np.cos(2.0 * np.pi * f / sr), -r * r
    sos = np.zeros((formants.shape[0], n_formants, 6))
    sos[..., 0] = 1.0 - b1 - b2
    sos[..., 3] = 1.0
    sos[..., 4], sos[..., 5] = -b1, -b2
    # float64 states: a sparse pulse train cannot decay them into denormals in a one-shot.
    x = excitation.astype(np.float64)
    out = np.empty(frames, np.float64)
    zi = np.zeros((n_formants, 2))
    for i in range(formants.shape[0]):
        part = slice(i * BLOCK, min((i + 1) * BLOCK, frames))
        out[part], zi = signal.sosfilt(sos[i], x[part], zi=zi)
    return (out + higher_formants(x, formants, bw, sr)).astype(np.float32)


def higher_formants(
    excitation: np.ndarray, formants: np.ndarray, bandwidths: np.ndarray, sr: int
) -> np.ndarray:
    """The tract's resonances above the moving ones, as a parallel branch (Klatt's highs).

    A tube closed at the glottis resonates at (2k-1) c / 4L. A cascade cut off after F5 loses
    every higher pole and with them the voice's highs (-12 dB/octave per missing pole: dull and
    muffled). In series they would have to undo ~100 dB of the moving poles' roll-off, and
    amplify the tiny steps of formants moving block by block, so they run in parallel, each
    peak as high as the top moving formant's, and the source's own tilt shapes the rest. The
    tube length comes from the top moving formant; bandwidths grow with frequency (radiation
    and wall losses).
    """
    n = formants.shape[1]
    median = np.median(formants, axis=0)
    quarter = median[-1] / (2 * n - 1)  # c / 4L
    # The cascade's gain at its top formant (all sections, at the median formants).
    r = np.exp(-np.pi * bandwidths / sr)
    theta = 2.0 * np.pi * median / sr
    z = np.exp(-1j * theta[-1])
    b1, b2 = 2.0 * r * np.cos(theta), -r * r
    level = float(np.prod(np.abs((1.0 - b1 - b2) / (1.0 - b1 * z - b2 * z * z))))
    out = np.zeros_like(excitation)
    for k in range(n + 1, 96):
        f = (2 * k - 1) * quarter
        if f > min(HIGHEST_FORMANT_HZ, 0.42 * sr):
            break
        rk = np.exp(-np.pi * bandwidths[-1] * f / median[-1] / sr)
        # Alternating signs, as the cascade's phase turns by pi at each resonance.
        g = level * (1.0 - rk * rk) / 2.0 * (-1.0) ** (k - n + 1)
        peak = np.array([[g, 0.0, -g, 1.0, -2.0 * rk * np.cos(2.0 * np.pi * f / sr), rk * rk]])
        out += signal.sosfilt(peak, excitation)
    return out


def radiate(x: dsp.Audio) -> dsp.Audio:
    """Lip radiation: a first difference (+6 dB/octave), the pressure a listener hears."""
    out = np.empty_like(x)
    out[0] = x[0]
    np.subtract(x[1:], x[:-1], out=out[1:])
    return out


def voice(
    rng: np.random.Generator,
    sr: int,
    f0: np.ndarray,
    voiced: np.ndarray,
    breath: np.ndarray,
    formants: np.ndarray,
    source: Source = Source(),
    bandwidths: npt.ArrayLike = BANDWIDTHS,
) -> dsp.Audio:
    """One vocal gesture: pulses at level `voiced` plus aspiration at level `breath`, filtered."""
    pulses = pulse_train(f0, voiced, sr, rng, source)
    noise = aspiration(rng, f0, breath, sr, corner_hz=source.turbulence_hz)
    # Aspiration is scaled against the pulses' own rms so `breath` reads as a share of voicing.
    scale = dsp.rms_of(pulses) / (float(np.sqrt(np.mean(voiced**2))) + 1e-9)
    excitation = pulses + noise * np.float32(scale if scale > 0 else 1.0)
    return radiate(tract(excitation, formants, sr, bandwidths))


def reflections(
    rng: np.random.Generator,
    dry: dsp.Audio,
    sr: int,
    seconds: float,
    wet: float,
    cutoff_hz: float = 5000.0,
) -> dsp.Audio:
    """A diffuse stereo tail (decaying noise impulse responses, duller than `cutoff_hz`)."""
    n = max(2, int(seconds * sr))
    t = np.arange(n) / sr
    decay = np.exp(-6.9 * t / seconds).astype(np.float32)
    onset = np.minimum(t / 0.01, 1.0).astype(np.float32)  # no energy before the first echo
    irs = dsp.white(rng, 2 * n).reshape(2, n) * (decay * onset)
    irs = dsp.filt(dsp.lowpass(cutoff_hz, sr), irs, axis=1)
    irs *= np.float32(1.0 / np.sqrt(np.sum(irs[0] ** 2) + 1e-12))
    frames = dry.shape[0]
    out = np.stack([dry, dry], axis=1)
    for ch in range(2):
        out[:, ch] += np.float32(wet) * dsp.convolve(dry, irs[ch], frames)
    return out
