"""Screaming: a long, very high, rough cry, rising, held and breaking off.

A scream (Arnal et al. 2015) is phonation at the top of the range, pushed into irregular
vibration: pitch two to four times speech, deep "roughness" (amplitude modulation at 30-150 Hz
from subharmonics and chaotic fold motion), an open "aa" or spread "ee" vowel, and a contour that
jumps up, holds and breaks off. The roughness is chaotic, band-limited noise on the level, with
little period doubling: a regular flutter and deep doubling, and a long fall, make a groan.
"""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import ParamSpec, Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes import _voice as vox

ROUGH = 0.4  # depth of the chaotic flutter
VOICE = ParamSpec(
    "voice", "woman", choices=tuple(vox.TRACT_SCALE), doc="Who screams: man, woman, child"
)


def synth(req: SynthRequest) -> np.ndarray:
    """One scream: a rough high source through a wide-open vowel, with a large room's tail."""
    sr, n, rng = req.sample_rate, req.frames, req.rng
    intensity, distance = req.number("intensity"), req.number("distance")
    who = req.word("voice")
    length = min(rng.uniform(1.0, 1.6), 0.85 * n / sr)
    f0 = vox.SPEAKING_F0[who] * rng.uniform(3.2, 4.0) * (0.85 + 0.3 * intensity)
    rise = rng.uniform(0.08, 0.2)
    # It jumps up, holds at the top of the range (sagging a little as the breath runs out) and
    # breaks off at the end; a long fall would be a moan.
    f0_curve = vox.curve(
        [0.0, rise, 0.5 * length, 0.85 * length, length],
        [0.8 * f0, 1.05 * f0, f0, 0.95 * f0, 0.75 * f0],
        n,
        sr,
    )
    f0_curve *= 1.0 + 0.03 * dsp.slow_noise(rng, n, sr, 8.0)
    # Roughness (Arnal et al.): the level flutters chaotically at 30-150 Hz as the folds vibrate
    # irregularly; a regular flutter and strong period doubling make the cry a groan.
    chaos = dsp.filt(dsp.bandpass(30.0, 150.0, sr), dsp.white(rng, n))
    chaos *= np.float32(1.0 / (dsp.rms_of(chaos) + 1e-12))
    flutter = np.clip(1.0 - ROUGH * np.abs(chaos), 0.0, 1.0)
    voiced = vox.curve([0.0, 0.03, 0.7 * length, length], [0.0, 1.0, 0.9, 0.0], n, sr) * flutter
    # Forced air: the turbulence at the straining glottis is half as loud as the voice (a clean
    # held tone this high is an alarm's).
    breath = 0.5 * voiced + vox.curve([0.0, 0.01, 0.05], [0.0, 0.6, 0.0], n, sr)
    scale = vox.TRACT_SCALE[who] * rng.uniform(0.95, 1.05)
    # A spread "eh" vowel with the jaw wide open (F1 raised): bright, piercing.
    shape = vox.vowel("e", scale) * np.array([1.3, 1.1, 1.0, 1.0, 1.0])
    formants = vox.formant_path([0.0, length], [shape, shape * 0.95], n, sr)
    source = vox.Source(jitter=0.02, shimmer=0.15, corner_hz=2500.0, doubling=0.15)
    mono = vox.voice(rng, sr, f0_curve, voiced, breath, formants, source, (120, 150, 200, 260, 320))
    out = vox.reflections(rng, mono, sr, 1.0, 0.15 + 0.3 * distance)
    out = out * np.array(dsp.pan_gains(rng.uniform(-0.2, 0.2)), np.float32)[None, :]
    return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.2)


RECIPE = Recipe(
    name="scream",
    family="voices",
    kind=EventKind.SFX,
    description="Someone screaming: a long, piercing, rough high cry of terror or pain.",
    tags=(
        "scream", "screams", "screaming", "screamed", "shriek", "shrieks", "shrieking",
        "screech of terror", "terrified scream", "bloodcurdling scream", "horror scream",
        "woman screaming", "man screaming", "cry of pain", "howl of pain", "wail of terror",
    ),
    synth=synth,
    params=(dsp.INTENSITY, dsp.DISTANCE, VOICE),
    typical_duration_s=2.0,
)  # fmt: skip
