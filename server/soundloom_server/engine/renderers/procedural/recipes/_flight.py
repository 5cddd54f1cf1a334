"""Sound from a source moving through the air: delay, spreading, ground echo, air absorption.

A flying source is rendered in its own time (what it emits) and heard through the geometry: a
sample emitted at t_e from position p(t_e) arrives at t_e + r/c, so reading the source at the
emission time of each received sample gives the Doppler shift exactly; 1/r spreading sets the
level; the ground's mirror image adds a second, later path whose changing path difference sweeps
a comb (the "phasing" of every flyover); and the air absorbs highs more the further it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.renderers.procedural import dsp

SPEED_OF_SOUND = 343.0
EAR_HEIGHT_M = 1.7
CONTROL_HZ = 200.0

Trajectory = Callable[[np.ndarray], np.ndarray]  # emission times (s) -> positions (3, m), metres


@dataclass(frozen=True)
class Geometry:
    """A trajectory sampled on the control grid of emission times."""

    t0: float  # emission time (s) of the source's first sample
    times: np.ndarray  # emission times on the control grid
    direct_m: np.ndarray  # listener distance of the direct path
    mirror_m: np.ndarray  # length of the path bounced off the ground
    heading_cos: np.ndarray  # cos of the angle between the flight direction and the listener
    pan: np.ndarray  # -1 left .. 1 right, from the source's bearing

    def source_frames(self, sr: int) -> int:
        """How many source samples cover the grid."""
        return int((self.times[-1] - self.t0) * sr) + 1

    def curve(self, values: np.ndarray, sr: int) -> dsp.Audio:
        """A control-grid curve (emission time) at the source's audio rate."""
        n = self.source_frames(sr)
        return np.interp(self.t0 + np.arange(n) / sr, self.times, values).astype(np.float32)


def geometry(trajectory: Trajectory, frames: int, sr: int, max_range_m: float) -> Geometry:
    """Emission times that cover `frames` of reception, and the paths at each of them."""
    lead = max_range_m / SPEED_OF_SOUND + 0.1
    t0 = -lead
    times = np.arange(t0, frames / sr + 0.1, 1.0 / CONTROL_HZ)
    pos = trajectory(times)
    ear = np.array([0.0, 0.0, EAR_HEIGHT_M])[:, None]
    rel = pos - ear
    direct = np.sqrt((rel**2).sum(axis=0)) + 1e-3
    mirror = np.sqrt(rel[0] ** 2 + rel[1] ** 2 + (pos[2] + EAR_HEIGHT_M) ** 2) + 1e-3
    velocity = np.gradient(pos, times, axis=1)
    speed = np.sqrt((velocity**2).sum(axis=0)) + 1e-6
    heading_cos = -(velocity * rel).sum(axis=0) / (speed * direct)  # 1: flying straight at us
    pan = np.clip(rel[0] / np.sqrt(rel[0] ** 2 + rel[1] ** 2 + 25.0), -1.0, 1.0)
    return Geometry(t0, times, direct, mirror, heading_cos, pan)


def lobe(heading_cos: np.ndarray, peak_deg: float, width_deg: float, floor: float) -> np.ndarray:
    """A directivity lobe over the angle from the flight direction (0 ahead, 180 behind)."""
    angle = np.degrees(np.arccos(np.clip(heading_cos, -1.0, 1.0)))
    return floor + (1.0 - floor) * np.exp(-(((angle - peak_deg) / width_deg) ** 2))


def _read(source: dsp.Audio, at: np.ndarray) -> dsp.Audio:
    """The source at fractional sample positions (linear interpolation)."""
    return np.interp(at, np.arange(source.shape[0]), source, left=0.0, right=0.0).astype(np.float32)


def hear(
    source: dsp.Audio,
    sr: int,
    geom: Geometry,
    frames: int,
    ground: float = 0.6,
    far_m: float = 1000.0,
) -> dsp.Audio:
    """The stereo signal at the listener of a source emitting `source` along `geom`."""
    t = np.arange(frames) / sr
    out = np.zeros(frames, np.float32)
    for path, gain in ((geom.direct_m, 1.0), (geom.mirror_m, ground)):
        arrival = geom.times + path / SPEED_OF_SOUND  # monotonic while the source is subsonic
        emitted = np.interp(t, arrival, geom.times)
        spread = np.interp(t, arrival, 1.0 / path).astype(np.float32)
        out += np.float32(gain) * spread * _read(source, (emitted - geom.t0) * sr)
    arrival = geom.times + geom.direct_m / SPEED_OF_SOUND
    reach = np.interp(t, arrival, geom.direct_m)
    # Air absorption: fade toward a dark copy as the range grows (kHz lose ~dB per 100 m).
    dark = dsp.filt(dsp.lowpass(1000.0, sr, order=2), out)
    far = np.clip(np.log(reach / 100.0) / np.log(far_m / 100.0), 0.0, 1.0).astype(np.float32)
    out = out * (1.0 - far) + dark * far
    pan = np.interp(t, arrival, geom.pan)
    gl, gr = dsp.pan_gains(0.8 * pan)
    return dsp.stereo(out * gl.astype(np.float32), out * gr.astype(np.float32))


def straight_line(
    speed_mps: float, closest_s: float, altitude_m: float, offset_m: float, heading: float = 1.0
) -> Trajectory:
    """Level flight along x (left to right for heading 1), nearest the listener at `closest_s`."""

    def at(times: np.ndarray) -> np.ndarray:
        x = heading * speed_mps * (times - closest_s)
        return np.stack([x, np.full_like(x, offset_m), np.full_like(x, altitude_m)])

    return at


def orbit(
    radius_m: float, period_s: float, altitude_m: float, centre: tuple[float, float], phase: float
) -> Trajectory:
    """A steady circle (a plane loitering, a helicopter circling) around `centre`."""

    def at(times: np.ndarray) -> np.ndarray:
        angle = 2.0 * np.pi * times / period_s + phase
        x = centre[0] + radius_m * np.cos(angle)
        y = centre[1] + radius_m * np.sin(angle)
        return np.stack([x, y, np.full_like(x, altitude_m)])

    return at


def blade_pulses(
    rng: np.random.Generator,
    rate_hz: np.ndarray,
    sr: int,
    width_s: float,
    blades: int,
    spread: float,
) -> dsp.Audio:
    """One pressure pulse per blade passing (rotors, propellers), each blade its own strength.

    `rate_hz` is the per-sample blade-passing rate; the blades differ by `spread` (a rotor out
    of track), so the train also pulses once per revolution; every pulse varies a little.
    """
    phase = np.cumsum(np.asarray(rate_hz, dtype=np.float64) / sr) + rng.uniform()
    index = phase.astype(np.int64)
    frac = (phase - index).astype(np.float32)
    blade_gain = 1.0 + spread * rng.uniform(-1.0, 1.0, blades)
    blade_gain[0] = 1.0 + spread  # one blade is always the loud one
    each = blade_gain[index % blades] * rng.uniform(0.85, 1.15, int(index[-1]) + 1)[index]
    # A Gaussian pressure pulse centred in each passage; its width sets the brightness.
    period = 1.0 / np.asarray(rate_hz, dtype=np.float32)
    shape = np.exp(-(((frac - 0.5) * period / np.float32(width_s)) ** 2))
    pulses = (each.astype(np.float32) * shape).astype(np.float32)
    return pulses - np.float32(pulses.mean())
