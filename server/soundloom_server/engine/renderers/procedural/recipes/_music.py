"""Instruments shared by the stingers, UI tones and drum roll: brass, timpani, mallets, a hall.

Brass follows Risset's trumpet analysis: the higher a harmonic, the later and steeper it grows
with the breath, so a soft note is nearly a sine and a loud one a bright sawtooth; the bell's
radiation adds a formant. Drums and mallets are modal (van den Doel): a contact pulse into
membrane or bar modes. The hall is a late reverb, Gaussian noise decaying exponentially, darker
as it dies (air and walls absorb highs first).
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes._machines import oscillator, wavetable

A4_HZ = 440.0
# Circular membrane modes of a timpani, relative to its principal (1,1) tone: the kettle's air
# pulls them near a harmonic series (1, 1.5, 2, 2.5 ...), which is why a timpani has a pitch.
TIMPANI_RATIOS = (0.62, 1.0, 1.5, 1.99, 2.44, 2.9, 3.36, 3.8)
TIMPANI_T60 = (0.25, 2.2, 1.4, 1.0, 0.7, 0.5, 0.35, 0.25)
TIMPANI_GAIN = (0.5, 1.0, 0.55, 0.35, 0.22, 0.15, 0.1, 0.07)
# A marimba bar is undercut so its first overtones sit two octaves and a bit above the note.
MARIMBA_RATIOS = (1.0, 3.93, 9.2)
# A free metal bar (glockenspiel, chime tube): 1, 2.756, 5.404, 8.933 (Euler-Bernoulli).
BAR_RATIOS = (1.0, 2.756, 5.404, 8.933)


def note_hz(semitones_from_a4: float) -> float:
    """Equal-tempered frequency of a note counted in semitones from A4."""
    return float(A4_HZ * 2.0 ** (semitones_from_a4 / 12.0))


@functools.lru_cache(maxsize=8)
def _brass_tables(harmonics: int) -> tuple[dsp.Audio, dsp.Audio]:
    # Dark: the breath barely opens the upper harmonics; bright: a full 1/k sawtooth.
    ks = np.arange(1, harmonics + 1)
    dark = wavetable(np.where(ks <= 4, 0.9**ks / ks, 0.0), size=8192)
    bright = wavetable(1.0 / ks**0.9, size=8192)
    return dark, bright


def brass_note(
    rng: np.random.Generator,
    freq: float,
    seconds: float,
    sr: int,
    level: float = 1.0,
    swell_s: float = 0.05,
) -> dsp.Audio:
    """One brass note: a lip scoop into pitch, a swelling attack, delayed vibrato, a release."""
    n = max(1, int(seconds * sr))
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    release = min(0.08, 0.3 * seconds)
    rise = 1.0 - np.exp(-t / np.float32(swell_s))
    fall = np.clip((seconds - t) / np.float32(release), 0.0, 1.0)
    env = rise * fall * np.float32(1.0 - 0.15 * np.clip(t / max(seconds, 1e-3), 0.0, 1.0))
    # The lips start a little flat and settle within ~40 ms; vibrato arrives after ~0.25 s.
    vibrato = 0.006 * np.clip((t - 0.25) / 0.3, 0.0, 1.0) * np.sin(2 * np.pi * 5.3 * t)
    scoop = -0.035 * np.exp(-t / 0.04)
    drift = 1.0 + 0.002 * rng.standard_normal()
    inst = freq * drift * (1.0 + scoop + vibrato)
    harmonics = max(1, min(40, int(0.45 * sr / (freq * 1.05))))
    dark, bright = _brass_tables(harmonics)
    start = rng.uniform()
    low = oscillator(dark, inst, sr, n, start)
    high = oscillator(bright, inst, sr, n, start)
    # Brightness grows faster than loudness (the harmonics' nonlinear growth with pressure).
    blend = (env * np.float32(level)) ** 2
    tone = env * (low * (1.0 - blend) + high * blend)
    # Breath: a puff of noise at the tongue's release of the air, mostly in the attack.
    puff = dsp.white(rng, n) * np.exp(-t / np.float32(0.03)) * np.float32(0.06)
    return (tone + puff).astype(np.float32)


def brass_body(sr: int, formant_hz: float) -> dsp.Sos:
    """The bell's radiation: highs beamed out above the formant, lows weak, a peak at it."""
    return dsp.cascade(
        dsp.highpass(0.35 * formant_hz, sr, order=1),
        dsp.peak(formant_hz, 1.2, 6.0, sr),
        dsp.peak(2.4 * formant_hz, 2.0, 3.0, sr),
        dsp.lowpass(min(5.5 * formant_hz, 14000.0), sr, order=2),
    )


def timpani_hit(
    rng: np.random.Generator, freq: float, sr: int, length: int, force: float = 1.0
) -> dsp.Audio:
    """A felt mallet on a timpani head: a soft thud, then the pitched membrane ringing."""
    ratios = np.asarray(TIMPANI_RATIOS) * rng.uniform(0.99, 1.01, len(TIMPANI_RATIOS))
    t60 = np.asarray(TIMPANI_T60) * rng.uniform(0.85, 1.15, len(TIMPANI_T60))
    # A harder hit excites the upper modes more (shorter contact, wider spectrum).
    gains = np.asarray(TIMPANI_GAIN) * (0.6 + 0.4 * force) ** (np.arange(len(ratios)) * 0.5)
    ir = dsp.modal_ir(freq * ratios, t60, gains, length, sr)
    contact = dsp.half_sine(0.004 - 0.0015 * force, sr)
    body = dsp.convolve(contact, ir, length)
    thud = dsp.noise_burst(rng, length, sr, (40.0, 400.0), 0.001, 0.04)
    out = body / np.float32(dsp.peak_of(body) + 1e-9) + np.float32(0.25 * force) * thud
    return out.astype(np.float32)


def mallet_tone(
    rng: np.random.Generator,
    freq: float,
    seconds: float,
    sr: int,
    ratios: tuple[float, ...] = MARIMBA_RATIOS,
    t60_s: float = 0.6,
    hardness: float = 0.5,
) -> dsp.Audio:
    """A struck bar: its modes, higher ones dying faster, excited by a mallet's contact."""
    n = max(2, int(seconds * sr))
    r = np.asarray(ratios) * rng.uniform(0.997, 1.003, len(ratios))
    t60 = t60_s * r**-0.8
    gains = (0.25 + 0.5 * hardness) ** np.arange(len(r))
    ir = dsp.modal_ir(freq * r, t60, gains, n, sr)
    width = 0.0025 * 2.0 ** (-2.0 * hardness)
    out = dsp.convolve(dsp.half_sine(width, sr), ir, n)
    return out / np.float32(dsp.peak_of(out) + 1e-9)


def hall(
    rng: np.random.Generator,
    dry: dsp.Audio,
    sr: int,
    t60_s: float,
    wet: float,
    tail_hz: float = 6000.0,
) -> dsp.Audio:
    """Stereo late reverb of a (frames, 2) or mono buffer: decorrelated decaying noise per ear.

    `tail_hz` darkens the tail: walls and air absorb highs, the more so in a larger space.
    """
    frames = dry.shape[0]
    mono = dry.mean(axis=1) if dry.ndim == 2 else dry
    length = int(min(t60_s * 1.1, 6.0) * sr)
    t = np.arange(length, dtype=np.float32) / np.float32(sr)
    decay = np.exp(-6.9078 * t / np.float32(t60_s)) * np.clip(t / 0.02, 0.0, 1.0)
    out = np.zeros((frames, 2), np.float32)
    if dry.ndim == 2:
        out += dry
    else:
        out += mono[:, None] * np.float32(np.sqrt(0.5))
    for ear in range(2):
        noise = dsp.white(rng, length) * decay
        # Highs die faster: a gentle low-pass on the tail.
        noise = dsp.filt(dsp.lowpass(tail_hz, sr, order=1), noise)
        ir = noise / np.float32(np.sqrt(np.dot(noise, noise)) + 1e-9)
        out[:, ear] += np.float32(wet) * dsp.convolve(mono, ir, frames)
    return out


def triangle_env(
    t: npt.NDArray[np.float32], attack: float, release: float, end: float
) -> dsp.Audio:
    """A linear attack, a hold and a linear release ending at `end` s (0 outside)."""
    up = np.clip(t / max(attack, 1e-4), 0.0, 1.0)
    down = np.clip((end - t) / max(release, 1e-4), 0.0, 1.0)
    return (up * down).astype(np.float32)


@functools.lru_cache(maxsize=16)
def _saw_table(harmonics: int) -> dsp.Audio:
    # Building a 48-harmonic table costs more than reading it for seconds: build once.
    table = wavetable(1.0 / np.arange(1, harmonics + 1), size=8192)
    table.setflags(write=False)
    return table


def saw_ensemble(
    rng: np.random.Generator, freq: npt.ArrayLike, n: int, sr: int, voices: int, cents: float
) -> dsp.Audio:
    """A section of bowed-string-like sawtooth voices, each slightly detuned and drifting."""
    f = np.broadcast_to(np.asarray(freq, dtype=np.float64), (n,))
    table = _saw_table(max(1, min(48, int(0.45 * sr / (float(f.max()) * 1.1)))))
    out = np.zeros(n, np.float32)
    for _ in range(voices):  # a handful of players
        detune = 2.0 ** (rng.normal(0.0, cents) / 1200.0)
        drift = 1.0 + 0.003 * dsp.slow_noise(rng, n, sr, 4.0)
        out += oscillator(table, f * detune * drift, sr, n, rng.uniform())
    return out / np.float32(voices**0.5)
