"""Crowd murmur (walla): a recorded room of diners, re-cut per seed, over synthesised babble.

Real conversation (its prosody, laughter, cutlery, the room) is what formant synthesis cannot
reach, so the body is a CC0 restaurant recording: several streams cut from it at random places
(a few seconds each, cross-faded at equal power so it loops and never repeats the same way),
each a little detuned so they read as different tables, spread across the stereo field.
The synthesised voices (glottal pulses through vowel formants, by syllable) fill in under it
and follow the crowd's density.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp, samples
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest

# Formant frequencies and bandwidths (Hz) of three vowels, averaged adult values (Peterson-Barney).
_VOWELS = (
    ((730.0, 80.0), (1090.0, 90.0), (2440.0, 120.0)),  # a
    ((300.0, 50.0), (2200.0, 110.0), (2950.0, 140.0)),  # i
    ((570.0, 70.0), (840.0, 80.0), (2410.0, 120.0)),  # o
)


def _formant(freq: float, bandwidth: float, sr: int) -> np.ndarray:
    """Klatt's cascade resonator: two poles, unity gain at DC."""
    r = np.exp(-np.pi * bandwidth / sr)
    b1, b2 = 2.0 * r * np.cos(2.0 * np.pi * freq / sr), -r * r
    return np.array([[1.0 - b1 - b2, 0.0, 0.0, 1.0, -b1, -b2]])


def _babble(req: SynthRequest) -> np.ndarray:
    """Syllables of glottal pulses per voice, grouped by vowel, each group through its formants."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    # 8 kHz holds the first three formants; walla is heard through a room, not close up.
    k = dsp.low_rate_factor(sr, 8000)
    low_sr, m = sr // k, n // k + 2
    duration = n / sr

    # Each voice talks in turns of 1-5 s at 3-6 syllables per second, pausing between turns.
    parts: list[tuple[np.ndarray, ...]] = []
    for _ in range(4 + round(36 * intensity)):
        f0 = rng.uniform(95.0, 140.0) if rng.random() < 0.5 else rng.uniform(170.0, 250.0)
        rate = rng.uniform(3.0, 6.0)
        gl, gr = dsp.pan_gains(rng.uniform(-1.0, 1.0))
        count = int((duration + 4.0) * rate) + 1
        onsets = np.cumsum(rng.uniform(0.75, 1.25, count) / rate) - rng.uniform(2.0, 4.0)
        turns = int(duration / 2.0) + 4
        edges = np.cumsum(rng.uniform(1.0, 5.0, 2 * turns)) - rng.uniform(0.0, 6.0)
        turn = np.searchsorted(edges, onsets)
        talking = turn % 2 == 0  # even segments talk, odd ones listen
        # Intonation falls through a turn; each syllable is stressed differently.
        into = (onsets - edges[np.clip(turn - 1, 0, None)]) / (
            edges[np.clip(turn, None, 2 * turns - 1)] - edges[np.clip(turn - 1, 0, None)] + 1e-9
        )
        pitch = f0 * (1.1 - 0.2 * np.clip(into, 0.0, 1.0)) * rng.uniform(0.93, 1.07, count)
        stress = rng.uniform(0.3, 1.0) * rng.uniform(0.5, 1.0, count)
        length = rng.uniform(0.55, 0.8, count) / rate
        vowel = rng.integers(0, len(_VOWELS), count)
        keep = talking & (onsets + length > 0.0) & (onsets < duration)
        parts.append(
            tuple(x[keep] for x in (onsets, length, pitch, vowel, stress * gl, stress * gr))
        )
    start, length, f0s, vowel, g_left, g_right = (
        np.concatenate(x) for x in zip(*parts, strict=True)
    )

    # Glottal pulses: one impulse per period inside each syllable, shaped by a syllable envelope.
    pulses = np.maximum((length * f0s).astype(np.int64), 1)
    syl = np.repeat(np.arange(start.shape[0]), pulses)
    index = np.arange(syl.shape[0]) - np.repeat(np.cumsum(pulses) - pulses, pulses)
    u = (index + 0.5) / pulses[syl]
    times = start[syl] + index / f0s[syl] * rng.uniform(0.99, 1.01, syl.shape[0])  # jitter
    env = np.sin(np.pi * u) ** 0.7
    inside = (times >= 0.0) & (times < (m - 1) / low_sr)  # turns already under way at t=0
    syl, env, pos = syl[inside], env[inside], (times[inside] * low_sr).astype(np.int64)

    # Channels-first (2, m) buffers keep every low-rate pass contiguous.
    voiced = np.zeros((2, m), np.float32)
    for v, formants in enumerate(_VOWELS):
        sel = vowel[syl] == v
        excite = np.zeros((2, m), np.float32)
        np.add.at(excite[0], pos[sel], (env * g_left[syl])[sel])
        np.add.at(excite[1], pos[sel], (env * g_right[syl])[sel])
        voiced += dsp.filt(
            dsp.cascade(*(_formant(f, b, low_sr) for f, b in formants)), excite, axis=1
        )

    # Consonants: a short noise burst at each syllable onset (fricatives and plosives).
    heard = start >= 0.0
    onsets = (start[heard] * low_sr).astype(np.int64)
    decay = np.array([[1.0, 0.0, 0.0, 1.0, -np.exp(-1.0 / (0.025 * low_sr)), 0.0]])
    bursts = np.zeros((2, m), np.float32)
    strength = rng.uniform(0.0, 1.0, onsets.shape[0]) * np.float32(0.004)
    np.add.at(bursts[0], onsets, g_left[heard] * strength)
    np.add.at(bursts[1], onsets, g_right[heard] * strength)
    bursts = dsp.filt(decay, bursts, axis=1)
    bursts *= dsp.white(rng, 2 * m).reshape(2, m)
    voiced += bursts

    # Shared by every voice (linear, so applied once to the sum): glottal roll-off, lip
    # radiation (+6 dB/octave) and air absorption with distance.
    shared = dsp.cascade(
        np.array([[1.0, -1.0, 0.0, 1.0, 0.0, 0.0]]),
        dsp.lowpass(300.0, low_sr, order=1),
        dsp.highpass(120.0, low_sr, order=2),
        dsp.lowpass(dsp.distance_cutoff(distance), low_sr),
    )
    return dsp.upsample_stereo(dsp.filt(shared, voiced, axis=1), k, n)


def _tables(rng: np.random.Generator, n: int, sr: int, intensity: float) -> np.ndarray:
    """Streams re-cut from the restaurant recording, each detuned and panned: busier = more."""
    out = np.zeros((n, 2), np.float32)
    streams = 2 + round(3 * intensity)
    for pan in np.linspace(-0.8, 0.8, streams) + rng.uniform(-0.2, 0.2, streams):
        take = samples.choose(rng, "restaurant_crowd")
        speed = float(2.0 ** (rng.uniform(-1.0, 1.0) / 12.0))
        source = samples.at_speed(samples.load(take, sr), speed, sr)
        # Segments of whole phrases (1.5-3 s), not short grains: a voice cut every 80 ms
        # stutters; one cut every couple of seconds is just another conversation.
        stream = samples.granular_bed(rng, source, n, sr, grain_s=rng.uniform(1.5, 3.0), jitter=0.6)
        left, right = dsp.pan_gains(pan)
        out[:, 0] += stream[:, 0] * np.float32(left)
        out[:, 1] += stream[:, 0] * np.float32(right)
    return out


def synth(req: SynthRequest) -> np.ndarray:
    """Recorded tables (re-cut, detuned, panned) over synthesised babble; air for distance."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    tables = _tables(rng, n, sr, intensity)
    babble = _babble(req)
    # The synthetic voices sit under the recording (-14 dB at a quiet crowd, -8 dB when busy).
    scale = dsp.rms_of(tables) / (dsp.rms_of(babble) + 1e-12) * dsp.db(-14.0 + 6.0 * intensity)
    out = tables + babble * np.float32(scale)
    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), out, axis=0)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="crowd_murmur",
    family="people",
    kind=EventKind.AMBIENCE,
    description="Crowd walla: a recorded room of chattering diners, re-cut per seed, over babble.",
    tags=(
        "crowd",
        "crowd murmur",
        "murmur",
        "murmuring",
        "walla",
        "chatter",
        "chattering",
        "people talking",
        "talking",
        "voices",
        "background voices",
        "conversation",
        "conversations",
        "people",
        "babble",
        "hubbub",
        "pub",
        "bar",
        "restaurant",
        "cafe",
        "market",
        "marketplace",
        "busy street",
        "crowded",
        "audience",
        "gathering",
        "party",
        "inn",
        "banquet",
        "chatting",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)
