"""Dog barking: bursts of short, harsh voiced barks whose pitch and formants follow the dog's size.

A bark is a sudden, pressed, irregular phonation (Farnell's "animal voice": a glottal source
through a short tract): a turbulent onset as the larynx blows open, a voiced burst whose pitch
leaps up and falls, and a mouth that opens wide then closes ("w-uff"). Bigger dogs have longer
vocal tracts (lower, closer formants), heavier folds (lower pitch) and longer barks.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes import _voice as vox

BARKS = ParamSpec("barks", 3.0, low=1.0, high=6.0, doc="Barks in the burst: 1 .. 6")
SPEED_OF_SOUND = 350.0  # m/s in a warm, moist vocal tract


def tube_formants(length_m: float, count: int = 5) -> np.ndarray:
    """Resonances of a tube closed at the larynx and open at the mouth: (2n-1) c / 4L."""
    return (2.0 * np.arange(1, count + 1) - 1.0) * SPEED_OF_SOUND / (4.0 * length_m)


def _bark(rng: np.random.Generator, sr: int, size: float, effort: float) -> dsp.Audio:
    """One bark (mono, peak 1): noisy onset, a pitch leap and fall, an opening-closing mouth."""
    length_s = (0.12 + 0.12 * size) * rng.uniform(0.8, 1.25)
    n = int((length_s + 0.04) * sr)
    # A medium dog barks near 450 Hz; heavier folds (a bigger dog) vibrate slower.
    f0 = 450.0 * 2.3 ** (0.5 - size) * rng.uniform(0.9, 1.1) * (0.95 + 0.1 * effort)
    # Pitch: a jump up into the bark within its first quarter, then a fall of ~25 %.
    f0_curve = vox.curve([0.0, 0.25 * length_s, length_s], [0.85 * f0, f0, 0.75 * f0], n, sr)
    # The mouth snaps shut: the bark is cut off, not left to ring down with its falling pitch.
    env = vox.curve(
        [0.0, 0.012, 0.6 * length_s, 0.8 * length_s, length_s], [0.0, 1.0, 0.9, 0.3, 0.0], n, sr
    )
    # A bark is forced air: turbulence all through it (nearly as loud as the voice: a harsh
    # call), strongest as the larynx blows open.
    breath = env * (0.8 + vox.curve([0.0, 0.01, 0.04], [0.0, 0.8, 0.0], n, sr))
    # Vocal tract 16-25 cm from a terrier to a mastiff.
    tube = tube_formants(0.2 * 1.5 ** (size - 0.5)) * rng.uniform(0.93, 1.07)
    formants = vox.formant_path(
        [0.0, 0.3 * length_s, length_s], [0.85 * tube, 1.1 * tube, 0.85 * tube], n, sr
    )
    # Harsh phonation: irregular periods and subharmonics (the folds vibrate chaotically).
    source = vox.Source(
        jitter=0.04,
        shimmer=0.12,
        corner_hz=1000.0 + 400.0 * effort,
        doubling=rng.uniform(0.0, 0.35),
        closing_hz=2500.0 + 1500.0 * effort,  # an abrupt, pressed closure
        turbulence_hz=3000.0,  # forced air, fast eddies
    )
    # Broad formants: a dog's tract is lossy and its mouth wide, not a tuned tube.
    wet = vox.voice(rng, sr, f0_curve, env, breath, formants, source, (160, 220, 300, 380, 450))
    # A muzzle-sized mouth radiates little below the voice's fundamental: no thump.
    wet = dsp.filt(dsp.highpass(0.6 * f0, sr), wet)
    return wet * np.float32(1.0 / (dsp.peak_of(wet) + 1e-9))


def synth(req: SynthRequest) -> np.ndarray:
    """A burst of barks at irregular spacing, the first strongest, with a yard's reflections."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance, size = req.number("intensity"), req.number("distance"), req.number("size")
    mono = np.zeros(n, np.float32)
    t = rng.uniform(0.01, 0.03)
    # Small dogs yap quickly; big ones leave longer gaps between barks.
    gap = 0.22 + 0.25 * size
    for i in range(round(req.number("barks"))):
        if t * sr >= n:
            break
        bark = _bark(rng, sr, size, intensity)
        dsp.place(mono, bark, int(t * sr), rng.uniform(0.7, 1.0) if i else 1.0)
        t += bark.shape[0] / sr + gap * rng.uniform(0.7, 1.3)
    # An open yard: a short, sparse tail (a room's long ring would make each bark a drum).
    out = vox.reflections(rng, mono, sr, 0.3, 0.1 + 0.25 * distance)
    out = out * np.array(dsp.pan_gains(rng.uniform(-0.2, 0.2)), np.float32)[None, :]
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)


RECIPE = Recipe(
    name="dog_bark",
    family="animals",
    kind=EventKind.SFX,
    description="A dog barking: a burst of sharp, harsh woofs, from a yappy terrier to a hound.",
    tags=(
        "dog", "dogs", "bark", "barks", "barking", "dog barking", "barking dog", "woof", "woofs",
        "bow wow", "yap", "yapping", "yappy", "puppy", "hound", "guard dog", "watchdog", "mutt",
        "terrier", "chihuahua", "german shepherd", "rottweiler", "labrador", "bulldog",
        "kennel", "arf",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE, BARKS),
    typical_duration_s=1.6,
)  # fmt: skip
