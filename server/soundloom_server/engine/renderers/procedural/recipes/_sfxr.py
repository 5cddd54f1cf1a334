"""An sfxr-style retro voice: oscillator, punchy envelope, slides, arpeggio, filters and phaser.

The parameter set follows the sfxr/jsfxr model (square/saw/sine/noise oscillators, an envelope of
attack, sustain with punch and decay, frequency slide and delta slide, vibrato, an arpeggio step,
duty sweep, repeat, phaser, low-/high-pass with sweep) but in physical units, and every stage is
evaluated over the whole buffer: the instantaneous frequency is built as one curve and the phase
is its cumulative sum. Only the swept filters step block by block (10 ms).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import numpy as np
import numpy.typing as npt
from scipy import signal

from soundloom_server.engine.renderers.procedural import dsp

WAVES = ("square", "saw", "sine", "triangle", "noise")
NOISE_STEPS = 32  # sfxr's noise draws a new value 32 times per period: its "pitch"
SWEEP_BLOCK_S = 0.01


@dataclass(frozen=True)
class Voice:
    """One sfxr sound: all times in seconds, slides in octaves per second."""

    wave: str = "square"
    freq_hz: float = 440.0
    min_hz: float = 30.0  # a downward slide stops here (sfxr ends the sound; we hold)
    slide: float = 0.0  # octaves / s
    delta_slide: float = 0.0  # octaves / s^2
    vibrato_depth: float = 0.0  # fraction of the frequency
    vibrato_hz: float = 0.0
    arp_ratio: float = 1.0  # frequency multiplier once `arp_s` has passed
    arp_s: float = 0.0  # 0: no arpeggio step
    repeat_s: float = 0.0  # slides and arpeggio restart every `repeat_s` (0: never)
    duty: float = 0.5
    duty_sweep: float = 0.0  # duty change per second
    attack_s: float = 0.0
    sustain_s: float = 0.1
    punch: float = 0.0  # sustain starts at 1 + 2*punch and settles to 1
    decay_s: float = 0.2
    lpf_hz: float = 0.0  # 0: off
    lpf_sweep: float = 0.0  # octaves / s
    lpf_q: float = 0.707
    hpf_hz: float = 0.0  # 0: off
    hpf_sweep: float = 0.0  # octaves / s
    phaser_s: float = 0.0  # comb delay; 0 with no sweep: off
    phaser_sweep: float = 0.0  # delay change per second

    @property
    def length_s(self) -> float:
        """Attack + sustain + decay."""
        return self.attack_s + self.sustain_s + self.decay_s


# Fields that are not mutated: choices, switches and the filters' "off" zeros.
_FIXED = {"wave", "min_hz", "lpf_hz", "hpf_hz", "phaser_s", "arp_s", "repeat_s", "arp_ratio"}


def mutate(voice: Voice, rng: np.random.Generator, amount: float = 0.05) -> Voice:
    """sfxr's "mutate": every continuous parameter nudged a little, so each take differs."""
    changes: dict[str, float] = {}
    for f in fields(voice):
        value = getattr(voice, f.name)
        if f.name in _FIXED or not isinstance(value, float) or value == 0.0:
            continue
        changes[f.name] = value * float(1.0 + rng.uniform(-amount, amount))
    changes["duty"] = float(np.clip(changes.get("duty", voice.duty), 0.05, 0.5))
    return replace(voice, **changes)


def _blep(p: np.ndarray, dt: np.ndarray) -> np.ndarray:
    """PolyBLEP residual at a unit jump (phase p in [0,1), step dt): removes most aliasing."""
    out = np.zeros_like(p)
    a = p < dt
    x = p[a] / dt[a]
    out[a] = 2.0 * x - x * x - 1.0
    b = p > 1.0 - dt
    x = (p[b] - 1.0) / dt[b]
    out[b] = x * x + 2.0 * x + 1.0
    return out


def oscillator(
    wave: str,
    freq: npt.NDArray[np.float64],
    sr: int,
    rng: np.random.Generator,
    duty: npt.ArrayLike = 0.5,
) -> npt.NDArray[np.float64]:
    """A waveform following the instantaneous frequency curve `freq` (Hz per sample)."""
    if wave == "noise":
        # Sample-and-hold noise clocked at 32x the frequency: low notes rumble, high ones hiss.
        clock = np.cumsum(np.minimum(freq * NOISE_STEPS, sr) / sr)
        steps = clock.astype(np.int64)
        return rng.uniform(-1.0, 1.0, int(steps[-1]) + 1 if steps.size else 1)[steps]
    phase = np.cumsum(freq / sr)
    p = phase - np.floor(phase)
    if wave == "sine":
        return np.sin(2.0 * np.pi * p)
    if wave == "triangle":
        return 4.0 * np.abs(p - 0.5) - 1.0
    dt = np.minimum(freq / sr, 0.5)
    if wave == "saw":
        return 2.0 * p - 1.0 - _blep(p, dt)
    d = np.broadcast_to(np.clip(duty, 0.02, 0.5), p.shape)
    square = np.where(p < d, 1.0, -1.0)
    return square + _blep(p, dt) - _blep(np.mod(p - d, 1.0), dt)


def envelope(voice: Voice, t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """sfxr's envelope: linear attack, punchy sustain, linear decay to silence."""
    a, s, d = max(voice.attack_s, 1e-4), voice.sustain_s, max(voice.decay_s, 1e-3)
    rise = np.clip(t / a, 0.0, 1.0)
    punch = 1.0 + 2.0 * voice.punch * np.clip(1.0 - (t - a) / max(s, 1e-6), 0.0, 1.0)
    fall = np.clip(1.0 - (t - a - s) / d, 0.0, 1.0)
    return np.where(t < a, rise, np.where(t < a + s, punch, fall))


def resonant_lowpass(freq: float, q: float, sr: int) -> dsp.Sos:
    """An RBJ low-pass biquad with resonance `q` (cheap to redesign per sweep block)."""
    w = 2.0 * np.pi * min(max(freq, 20.0), 0.45 * sr) / sr
    alpha, cw = np.sin(w) / (2.0 * q), np.cos(w)
    a0 = 1.0 + alpha
    b = (1.0 - cw) / (2.0 * a0)
    return np.array([[b, 2.0 * b, b, 1.0, -2.0 * cw / a0, (1.0 - alpha) / a0]])


def resonant_highpass(freq: float, q: float, sr: int) -> dsp.Sos:
    """An RBJ high-pass biquad."""
    w = 2.0 * np.pi * min(max(freq, 5.0), 0.45 * sr) / sr
    alpha, cw = np.sin(w) / (2.0 * q), np.cos(w)
    a0 = 1.0 + alpha
    b = (1.0 + cw) / (2.0 * a0)
    return np.array([[b, -2.0 * b, b, 1.0, -2.0 * cw / a0, (1.0 - alpha) / a0]])


def resonant_bandpass(freq: float, q: float, sr: int) -> dsp.Sos:
    """An RBJ band-pass biquad with 0 dB peak gain."""
    w = 2.0 * np.pi * min(max(freq, 20.0), 0.45 * sr) / sr
    alpha, cw = np.sin(w) / (2.0 * q), np.cos(w)
    a0 = 1.0 + alpha
    return np.array([[alpha / a0, 0.0, -alpha / a0, 1.0, -2.0 * cw / a0, (1.0 - alpha) / a0]])


def sweep_filter(
    x: npt.ArrayLike,
    design: Callable[[float], dsp.Sos],
    hz_at: Callable[[np.ndarray], np.ndarray],
    sr: int,
    block_s: float = SWEEP_BLOCK_S,
) -> npt.NDArray[np.float64]:
    """A filter whose corner follows `hz_at(t)`, redesigned every block with its state carried.

    Works on (frames,) or (frames, channels) buffers; a 10 ms step is below what the ear resolves
    of a sweep, and noise-like material hides the tiny switching transients.
    """
    x = np.asarray(x, dtype=np.float64)
    block = max(1, int(block_s * sr))
    starts = np.arange(0, x.shape[0], block)
    corners = hz_at((starts + block / 2) / sr)
    out = np.empty_like(x)
    zi = None
    for start, hz in zip(starts, corners, strict=True):
        sos = design(float(hz))
        if zi is None:
            zi = np.zeros((sos.shape[0], 2, *x.shape[1:]))
        out[start : start + block], zi = signal.sosfilt(
            sos, x[start : start + block], axis=0, zi=zi
        )
    return out


def render(voice: Voice, frames: int, sr: int, rng: np.random.Generator) -> dsp.Audio:
    """The voice from the buffer's start, squeezed in time if it would outlast `frames`."""
    squeeze = min(1.0, 0.97 * frames / sr / max(voice.length_s, 1e-3))
    if squeeze < 1.0:
        # Faster stages and proportionally faster slides keep the gesture, only shorter.
        voice = replace(
            voice,
            attack_s=voice.attack_s * squeeze,
            sustain_s=voice.sustain_s * squeeze,
            decay_s=voice.decay_s * squeeze,
            arp_s=voice.arp_s * squeeze,
            repeat_s=voice.repeat_s * squeeze,
            slide=voice.slide / squeeze,
            delta_slide=voice.delta_slide / squeeze**2,
        )
    n = min(frames, int(np.ceil(voice.length_s * sr)) + 1)
    t = np.arange(n) / sr
    tp = np.mod(t, voice.repeat_s) if voice.repeat_s > 0 else t
    freq = voice.freq_hz * np.exp2(voice.slide * tp + 0.5 * voice.delta_slide * tp * tp)
    if voice.arp_s > 0:
        freq = np.where(tp >= voice.arp_s, freq * voice.arp_ratio, freq)
    if voice.vibrato_depth > 0:
        freq = freq * (1.0 + voice.vibrato_depth * np.sin(2.0 * np.pi * voice.vibrato_hz * t))
    freq = np.clip(freq, voice.min_hz, 0.45 * sr)
    y = oscillator(voice.wave, freq, sr, rng, voice.duty + voice.duty_sweep * t)
    y *= envelope(voice, t)
    if voice.lpf_hz > 0:
        lpf_design = lambda hz: resonant_lowpass(hz, voice.lpf_q, sr)  # noqa: E731
        y = sweep_filter(y, lpf_design, lambda s: voice.lpf_hz * np.exp2(voice.lpf_sweep * s), sr)
    if voice.hpf_hz > 0:
        hpf_design = lambda hz: resonant_highpass(hz, 0.707, sr)  # noqa: E731
        y = sweep_filter(y, hpf_design, lambda s: voice.hpf_hz * np.exp2(voice.hpf_sweep * s), sr)
    if voice.phaser_s > 0 or voice.phaser_sweep != 0:
        # sfxr's phaser: the signal plus a copy delayed by a sweeping offset (a flanger).
        delay = np.clip(voice.phaser_s + voice.phaser_sweep * t, 0.0, 0.02)
        idx = np.arange(n) - np.rint(delay * sr).astype(np.int64)
        y = y + np.where(idx >= 0, y[np.maximum(idx, 0)], 0.0)
    out = np.zeros(frames, np.float32)
    out[:n] = y
    return out
