"""Wood creak: a moored ship's timbers and ropes creaking and groaning as the swell moves her.

The hull rolls slowly with the swell; wherever two timbers or a rope and a rail are pressed
together, friction sticks and slips (Farnell's creaking door, Cook's stick-slip): when the
sliding speed is high enough the joint chatters, from a few tens to several hundred slips a
second as it slides faster, each slip early or late and of its own strength (a perfectly
regular train is a voice or a horn, not wood), ringing the timber's few formants, low and
woody for planks, tighter and higher for a taut rope on a bollard. Every joint has its own
threshold and its own lag on the roll, so creaks come in groups each time she rolls, never
all alike. Water laps the hull below.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._foley import stick_slip

CONTROL_HZ = 100


def roll_speed(rng: np.random.Generator, m: int, intensity: float) -> np.ndarray:
    """|roll rate| on the control grid: a swell-band random roll, differentiated."""
    period = rng.uniform(5.0, 8.0)
    warm = 30 * CONTROL_HZ
    # A motion band, not dsp.bandpass, which clamps its corners to 1 Hz and up: that rocked
    # the hull once a second and every joint sawed back and forth twice a second.
    band = dsp.motion_band(0.7 / period, 1.4 / period, CONTROL_HZ)
    roll = dsp.filt(band, rng.standard_normal(m + warm))[warm:]
    speed = np.abs(np.gradient(roll))
    return speed / (np.percentile(speed, 90) + 1e-12) * (0.7 + 0.6 * intensity)


def joint(
    rng: np.random.Generator,
    speed: np.ndarray,
    n: int,
    sr: int,
    formants: tuple[float, ...],
    q: float,
    fastest_hz: float,
) -> dsp.Audio:
    """One rubbing joint (peak 1): past its threshold it sticks and slips, each slip early or
    late and of its own strength (friction is chaotic, not a glottis), the slips coming faster
    as it slides faster, up to `fastest_hz`, each ringing the timber's formants."""
    lag = int(rng.uniform(0.0, 1.5) * CONTROL_HZ)
    v = np.roll(speed, lag) * rng.uniform(0.8, 1.2)
    grip = np.clip((v - rng.uniform(0.5, 0.9)) / 0.4, 0.0, 1.0)  # below it, the joint holds
    sliding = dsp.upsample(grip, sr // CONTROL_HZ, n)
    return stick_slip(
        rng, n, sr, sliding, (30.0, fastest_hz), formants, q=(0.7 * q, 1.4 * q), jitter=0.12
    )


def synth(req: SynthRequest) -> np.ndarray:
    """A few plank joints and ropes, each panned, over water lapping at the hull."""
    rate, frames, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    k = dsp.low_rate_factor(rate, 16000)  # the creaks' formants sit below ~3 kHz
    sr, n = rate // k, frames // k + 2
    speed = roll_speed(rng, n // (sr // CONTROL_HZ) + 2, intensity)
    out = np.zeros((n, 2), np.float32)
    for i in range(5):  # three timbers, two ropes
        rope = i >= 3
        base = rng.uniform(500.0, 900.0) if rope else rng.uniform(180.0, 400.0)
        formants = tuple(base * np.array([1.0, 2.3, 3.9]) * rng.uniform(0.9, 1.1, 3))
        fastest = 600.0 * rng.uniform(0.7, 1.3)
        voice = joint(rng, speed, n, sr, formants, 8.0 if rope else 6.0, fastest)
        gl, gr = dsp.pan_gains(rng.uniform(-0.8, 0.8))
        level = rng.uniform(0.5, 1.0)
        out[:, 0] += voice * np.float32(gl * level)
        out[:, 1] += voice * np.float32(gr * level)
    lap = dsp.filt(dsp.cascade(dsp.pink_sos(), dsp.bandpass(100.0, 1500.0, sr)), dsp.white(rng, n))
    # The lapping swells and ebbs, never through silence (an envelope crossing zero flips it).
    lap *= np.clip(np.float32(1.0) + np.float32(0.6) * dsp.slow_noise(rng, n, sr, 0.5), 0.2, None)
    out += dsp.widen(lap, sr) * np.float32(0.12 * dsp.rms_of(out) / (dsp.rms_of(lap) + 1e-9))
    out = dsp.filt(dsp.lowpass(min(dsp.distance_cutoff(distance), 0.45 * sr), sr), out, axis=0)
    out = dsp.upsample_stereo(np.ascontiguousarray(out.T), k, frames)
    return dsp.fit_rms(out, dsp.bed_rms(intensity, distance))


RECIPE = Recipe(
    name="wood_creak",
    family="places",
    kind=EventKind.AMBIENCE,
    description="Wood creaking: a moored ship's timbers and ropes groaning as the swell moves it.",
    tags=(
        "wood creak", "creaking wood", "creaking timbers", "creaking ship", "ship creaking",
        "timbers creak", "hull creaking", "groaning timbers", "creaking rigging", "rigging",
        "mooring ropes", "creaking ropes", "rope creak", "old ship", "wooden ship",
        "galleon", "below decks", "creaking mast", "creaking dock", "creaking jetty",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)  # fmt: skip
