"""Thunder: a near crack, then a rolling rumble of many delayed, low-passed sub-events.

A lightning channel is a few km of tortuous path; every segment sends out its own shock (an
N-wave), and the listener hears each one when its sound arrives: the nearest segment first, as a
tearing crack, the rest over seconds, further ones later, weaker and duller (air absorbs the
highs with distance). Segments cluster along the tortuous path, so the roll comes in re-swells;
echoes from clouds and terrain smear it into a rumble that decays slowly.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest

# Cutoffs (Hz) of the noise a segment's sound is made of: near segments keep their highs, far
# ones only rumble. Each segment is heard in the band that fits its distance.
_BANDS = (2000.0, 1000.0, 500.0, 250.0)
_TILT_HZ = 300.0  # corner of the brown tilt: energy falls with frequency above it
_ECHO_TAIL = 1.0  # the echo rumble's weight against the roll: more would smear the re-swells
# Below this thunder is felt more than heard: left in, infrasound would set the one-shot's peak
# level and push the audible rumble down.
_INFRA_HZ = 40.0
_STORM_DB = -30.0  # dB under the roll's RMS: faint, but the storm is never silent


def _segments(
    rng: np.random.Generator, span: float, distance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrival times (s after the first), levels and band indices of the channel's segments."""
    # Clusters along the path (the bolt's branches and kinks) make the re-swells of the roll.
    clusters = int(rng.integers(4, 8))
    centres = np.sort(rng.uniform(0.0, 0.75 * span, clusters))
    centres[0] = 0.0
    per = rng.integers(6, 16, clusters)
    at = np.repeat(centres, per) + rng.gamma(1.5, 0.08 * span / clusters, per.sum())
    at[0] = 0.0
    # Path length from the listener grows with the delay: level falls as 1/r, highs go first.
    reach = 1.0 + 6.0 * at / span + 3.0 * distance
    level = np.repeat(rng.uniform(0.4, 1.0, clusters), per) * rng.uniform(0.3, 1.0, at.size)
    level /= reach
    band = np.minimum((np.log2(reach) * 1.1 + rng.uniform(-0.5, 0.5, at.size)), len(_BANDS) - 1)
    return at, level, np.clip(band, 0, None).astype(np.int64)


def _band_envelopes(
    rng: np.random.Generator, count: int, rate: int, onset: float, distance: float
) -> np.ndarray:
    """(bands, count) envelopes at the control `rate`: each band's segments, smeared in time.

    A segment's shock arrives stretched by the path's echoes: a smooth bump (impulse through
    two equal one-poles) that rises in tens of ms near and in hundreds far, not a sharp boom.
    """
    span = max(count / rate - onset, 0.2)
    at, level, band = _segments(rng, span, distance)
    starts = ((onset + at) * rate).astype(np.int64)
    keep = starts < count
    env = np.zeros((len(_BANDS), count))
    for b in range(len(_BANDS)):
        pick = keep & (band == b)
        pulses = dsp.impulses(count, starts[pick], level[pick])
        tau = (0.05 + 0.06 * b + 0.1 * distance) * rate
        r = np.exp(-1.0 / tau)
        one_pole = np.array([[1.0 - r, 0.0, 0.0, 1.0, -r, 0.0]])
        env[b] = dsp.filt(dsp.cascade(one_pole, one_pole), pulses) * np.e  # bump peak ~ level
    return env


def _roll(rng: np.random.Generator, m: int, sr: int, onset: float, distance: float) -> np.ndarray:
    """The roll at the low rate `sr`, (2, m): band-limited noises under the segments' bumps."""
    hop = max(1, sr // 100)  # envelopes at 100 Hz
    env = _band_envelopes(rng, m // hop + 2, sr // hop, onset, distance)
    # The roll rattles at a few Hz: the overlapping echoes beat against each other.
    wobble = dsp.slow_noise(rng, env.shape[1], sr // hop, 5.0, 100)
    flutter = np.clip(1.0 + 0.45 * wobble, 0.1, None)
    # Echoes off clouds and terrain: a long low tail that follows the roll and outlasts it.
    tail_r = np.exp(-1.0 / (1.2 * sr / hop))
    tail = dsp.filt(np.array([[1.0 - tail_r, 0.0, 0.0, 1.0, -tail_r, 0.0]]), env.sum(axis=0))
    out = np.zeros((2, m), np.float32)
    for ear in range(2):
        for b, cutoff in enumerate(_BANDS):
            # Brown-tilted: thunder's energy falls with frequency, far segments' the most.
            tilt, top = dsp.brown_sos(sr, _TILT_HZ), dsp.lowpass(cutoff, sr, order=2)
            shape = dsp.cascade(tilt, top, dsp.highpass(_INFRA_HZ, sr))
            noise = dsp.filt(shape, dsp.white(rng, m))
            noise *= np.float32(1.0 / (dsp.rms_of(noise) + 1e-12))
            out[ear] += noise * dsp.upsample(env[b] * flutter, hop, m)
        rumble_shape = dsp.cascade(
            dsp.brown_sos(sr, 40.0), dsp.lowpass(400.0, sr, order=2), dsp.highpass(_INFRA_HZ, sr)
        )
        rumble = dsp.filt(rumble_shape, dsp.white(rng, m))
        rumble *= np.float32(1.0 / (dsp.rms_of(rumble) + 1e-12))
        out[ear] += rumble * dsp.upsample(_ECHO_TAIL * tail, hop, m)
    return out


def _crack(rng: np.random.Generator, length: int, sr: int, near: float) -> np.ndarray:
    """The nearest segments' shocks: an N-wave, then a tearing run of broadband bursts."""
    t = np.arange(length) / sr
    # The N-wave: a sharp rise, a linear fall through zero, a sharp return (~8 ms).
    width = rng.uniform(0.006, 0.012)
    n_wave = np.where(t < width, 1.0 - 2.0 * t / width, 0.0)
    tear = np.zeros(length)
    for offset in np.sort(rng.uniform(0.0, 0.25, int(rng.integers(4, 9)))):
        tear += rng.uniform(0.3, 1.0) * dsp.envelope_ad(t - offset, 0.002, rng.uniform(0.02, 0.08))
    crack = dsp.white(rng, length) * tear.astype(np.float32) + 0.8 * n_wave.astype(np.float32)
    crack = dsp.filt(dsp.highpass(80.0, sr), crack)
    return crack * np.float32(near / (dsp.peak_of(crack) + 1e-9))


def synth(req: SynthRequest) -> np.ndarray:
    """Crack (when near) + roll of sub-events + echo rumble; the roll at a low rate."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    duration = n / sr
    onset = 0.03 + distance * min(1.2, 0.1 * duration)  # far thunder swells in later

    k = dsp.low_rate_factor(sr, 6000)
    roll = _roll(rng, n // k + 2, sr // k, onset, distance)
    # A polyphase resampler, not linear interpolation: the roll reaches ~2 kHz, whose images
    # would otherwise ring as steady lines at multiples of the low rate.
    out = dsp.upsample_polyphase(roll, k, n, axis=1)
    out *= np.float32(1.0 / (dsp.peak_of(out) + 1e-9))

    if distance < 0.65:  # beyond a few km the crack's high frequencies are gone
        start = int(onset * sr)
        length = min(n - start, int(0.5 * sr))
        if length > 0:
            # Near, the crack is the loudest moment of the whole event.
            near = np.sqrt(1.0 - distance / 0.65) * (0.9 + 0.6 * intensity)
            crack = _crack(rng, length, sr, near)
            gl, gr = dsp.pan_gains(rng.uniform(-0.3, 0.3))
            out[start : start + length, 0] += crack * np.float32(gl)
            out[start : start + length, 1] += crack * np.float32(gr)
    # The storm the bolt came from: a steady hiss of air and far rain under the roll, there
    # before the first arrival and after the last.
    storm = dsp.filt(dsp.bandpass(400.0, 9000.0, sr), dsp.white(rng, n))
    out += dsp.widen(storm, sr, delay_s=0.017) * np.float32(
        dsp.db(_STORM_DB) * dsp.rms_of(out) / (dsp.rms_of(storm) + 1e-12)
    )
    out = dsp.filt(dsp.lowpass(dsp.distance_cutoff(distance), sr), out, axis=0)
    dsp.fade_out(out, int(min(0.4, 0.1 * duration) * sr))
    return dsp.fit_peak(out, dsp.oneshot_peak(intensity, distance))


RECIPE = Recipe(
    name="thunder",
    family="weather",
    kind=EventKind.SFX,
    description="Thunder: a sharp crack when close, then a long low rumble rolling over seconds.",
    tags=(
        "thunder",
        "thunderclap",
        "thunder clap",
        "thunderstorm",
        "thunder storm",
        "lightning",
        "lightning strike",
        "rumble",
        "rumbling",
        "thunder rumble",
        "rolling thunder",
        "storm",
        "stormy",
        "distant thunder",
        "thunder crack",
        "crack of thunder",
        "boom",
        "thunderbolt",
        "electrical storm",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=8.0,
)
