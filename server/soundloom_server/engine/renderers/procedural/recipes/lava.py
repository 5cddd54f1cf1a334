"""Lava: a pool of molten rock bubbling, its thick bubbles bursting in slow plops and blurps.

Gas rising through viscous lava arrives as slugs: the surface domes up, the stretched skin tears
and the opened cavity rings like a Helmholtz resonator (Vidal et al. on bubbles bursting at the
surface of viscous fluids): for a cavity 10-20 cm across with a hole of a few centimetres,
100-400 Hz, the bigger the bubble the lower and louder. The melt damps it within a few cycles,
and its pitch climbs as the hole widens (f ~ sqrt(hole radius)): a short ragged "blurp", the gas
rushing out adding turbulence around the tone. Each burst throws clots of spatter that land a
moment later on the crust in soft splats and ticks; smaller bubbles keep the pool gurgling
between the big ones, the chilled crust crackles as it contracts, and gas hisses faintly from
vents. Under it a recording (CC0) of a lava pool, re-cut per ear, gives the churn its texture;
its own roar under ~250 Hz (90 % of its power, heard as an eruption or artillery) is cut away,
so that the bubbles, not a roar, carry the sound.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp, samples
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._fire import crackles
from soundloom_server.engine.renderers.procedural.recipes._nature_water import strikes

_BURSTS_HZ = (1.5, 4.0)  # big bursts a second, from a quiet to a lively pool
_GURGLES_HZ = (10.0, 30.0)  # small bubbles a second
_CHURN_HP = 250.0  # the recording's roar lies under this
# Each layer's RMS against the churn's: the bubbles carry the sound, the hiss barely shows.
_CHURN_LEVEL = 1.0
_BURST_LEVEL = 0.5
_SPATTER_LEVEL = 0.3
_GURGLE_LEVEL = 0.5
_CRUST_LEVEL = 0.2
_HISS_LEVEL = 0.03
_ATTACK = 0.8  # the thinning skin gives way over about the cavity's decay time, not at once
_KNEE = 3.5  # soft-clip knee of the mix over its own RMS


def blurps(
    rng: np.random.Generator,
    n: int,
    sr: int,
    starts: np.ndarray,
    freqs: np.ndarray,
    amps: np.ndarray,
    rough: float,
) -> dsp.Audio:
    """Bursting bubbles' cavities ringing 1.5-3 periods as their pitch climbs, (n, 2).

    The gas rushing out drives the cavity with turbulence, so besides its tone each blurp is
    noise narrowed around the gliding resonance (`rough` of it): a wet, ragged plop, not a beep.
    """
    count = starts.shape[0]
    tau = rng.uniform(1.5, 3.0, count) / freqs  # the melt damps the cavity within a few cycles
    grains = dsp.Grains(starts, np.ceil(5.0 * tau * sr), n)
    t = grains.t / np.float32(sr)
    # The hole widens and the dome collapses: the pitch climbs by a third to a half.
    glide = grains.per_grain(rng.uniform(0.3, 0.5, count) / (5.0 * tau))
    phase = grains.per_grain(2.0 * np.pi * freqs) * t * (np.float32(1.0) + 0.5 * glide * t)
    phase += grains.per_grain(rng.uniform(0.0, 2.0 * np.pi, count))
    # Noise narrowed to ~+-35 Hz around the resonance: smooth noise times the tone's carrier.
    smooth = dsp.filt(dsp.lowpass(35.0, sr), dsp.white(rng, n))[grains.position]
    smooth *= np.float32(1.0 / (np.sqrt(np.mean(smooth * smooth)) + 1e-9))
    attack = np.minimum(t * grains.per_grain(_ATTACK / tau), np.float32(1.0))
    env = attack * np.exp(-t / grains.per_grain(tau))
    values = env * ((1.0 - rough) * np.sin(phase) + rough * smooth * np.cos(phase))
    gl, gr = dsp.pan_gains(rng.uniform(-0.7, 0.7, count))
    return grains.scatter(values, amps * gl, amps * gr)


def _bursts(
    rng: np.random.Generator, n: int, sr: int, rate_hz: float
) -> tuple[dsp.Audio, np.ndarray, np.ndarray]:
    """Big bubbles bursting in ragged low blurps: (audio, starts, sizes)."""
    starts = dsp.poisson_times(rng, rate_hz, n, sr)
    # Bubble sizes spread log-normally: now and then a big slug among the usual ones.
    sizes = np.exp(rng.normal(0.0, 0.4, starts.shape[0]))
    freqs = np.clip(200.0 / sizes, 80.0, 500.0)  # the bigger the cavity, the lower
    return blurps(rng, n, sr, starts, freqs, sizes**1.2, 0.6), starts, sizes


def _spatter(
    rng: np.random.Generator, n: int, sr: int, starts: np.ndarray, sizes: np.ndarray
) -> dsp.Audio:
    """Clots thrown by each burst landing on the crust 0.1-0.6 s later: soft splats, ticks."""
    per = rng.poisson(3.0 * sizes)
    flight = rng.uniform(0.1, 0.6, per.sum()) * sr
    landing = np.sort(np.repeat(starts, per) + flight.astype(np.int64))
    landing = landing[landing < n]
    amps = np.exp(rng.normal(0.0, 0.5, landing.shape[0]))
    return strikes(rng, n, sr, landing, amps, (600.0, 3500.0), (0.003, 0.012), 0.1, 0.2)


def _unit(audio: dsp.Audio) -> dsp.Audio:
    """The layer at unit RMS."""
    return audio / np.float32(dsp.rms_of(audio) + 1e-9)


def synth(req: SynthRequest) -> np.ndarray:
    """The churn + bursts + spatter + gurgling small bubbles + crust crackle + vent hiss."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    burst_hz = _BURSTS_HZ[0] + (_BURSTS_HZ[1] - _BURSTS_HZ[0]) * intensity
    bursts, starts, sizes = _bursts(rng, n, sr, burst_hz)
    spatter = _spatter(rng, n, sr, starts, sizes)
    # Smaller bubbles churning between the big ones: higher (300-900 Hz), many, quieter.
    gurgle_hz = _GURGLES_HZ[0] + (_GURGLES_HZ[1] - _GURGLES_HZ[0]) * intensity
    small = dsp.poisson_times(rng, gurgle_hz, n, sr)
    pitch = np.exp(rng.uniform(np.log(300.0), np.log(900.0), small.shape[0]))
    gurgle = blurps(rng, n, sr, small, pitch, rng.uniform(0.3, 1.0, small.shape[0]), 0.6)
    # The crust cracking as it cools: sparse sharp ticks in small clusters.
    crust = crackles(rng, n, sr, np.ones(n, np.float32), 3.0, 3, (1500.0, 6000.0),
                     (0.0008, 0.003), 12.0)  # fmt: skip
    # Gas hissing from vents, swelling and fading over seconds.
    swell = np.clip(0.6 + 0.5 * dsp.drift(rng, n, sr, 0.2), 0.1, None).astype(np.float32)
    hiss = dsp.filt(dsp.bandpass(2000.0, 7000.0, sr, order=2), dsp.white(rng, n)) * swell
    out = (
        _unit(_churn(rng, n, sr, intensity)) * np.float32(_CHURN_LEVEL)
        + _unit(bursts) * np.float32(_BURST_LEVEL)
        + _unit(spatter) * np.float32(_SPATTER_LEVEL)
        + _unit(gurgle) * np.float32(_GURGLE_LEVEL)
        + _unit(crust) * np.float32(_CRUST_LEVEL)
        + _unit(dsp.widen(hiss, sr)) * np.float32(_HISS_LEVEL)
    )
    air = dsp.cascade(dsp.highpass(40.0, sr), dsp.lowpass(dsp.distance_cutoff(distance), sr))
    out = dsp.filt(air, out)
    # Soft-clip the rare big slug or pile-up of bursts: otherwise they alone would set the
    # level of the bed, and the pool between them would be near silence.
    knee = np.float32(_KNEE * dsp.rms_of(out) + 1e-12)
    return dsp.fit_rms(np.tanh(out / knee) * knee, dsp.bed_rms(intensity, distance))


def _churn(rng: np.random.Generator, n: int, sr: int, intensity: float) -> dsp.Audio:
    """The recorded pool re-cut for each ear from seeded places, its roar cut away."""
    take = samples.choose(rng, "lava")
    speed = 2.0 ** ((intensity - 0.5) * 3.0 / 12.0 + rng.uniform(-0.3, 0.3) / 12.0)
    source = samples.to_channels(samples.at_speed(samples.load(take, sr), speed, sr), 1)
    ears = [
        samples.granular_bed(rng, source, n, sr, rng.uniform(0.8, 2.0), jitter=0.6)[:, 0]
        for _ in range(2)
    ]
    churn = dsp.stereo(ears[0] + 0.35 * ears[1], ears[1] + 0.35 * ears[0])
    return dsp.filt(dsp.highpass(_CHURN_HP, sr, order=4), churn)


RECIPE = Recipe(
    name="lava",
    family="fire",
    kind=EventKind.AMBIENCE,
    description="Bubbling lava: thick molten rock bursting in slow plops, spatter and hiss.",
    tags=(
        "lava", "magma", "molten", "molten rock", "lava flow", "lava pool", "volcano", "volcanic",
        "bubbling lava", "lava lake", "eruption",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE),
    typical_duration_s=30.0,
)  # fmt: skip
