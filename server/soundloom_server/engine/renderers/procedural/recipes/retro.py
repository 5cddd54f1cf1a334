"""Retro 8-bit game sounds: sfxr's classic presets, each take drawn fresh like sfxr's buttons.

Every preset draws its voice from ranges (as sfxr's generators do) and then mutates it slightly,
so a seed is one take and another seed is another take of the same kind of sound.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthRequest
from soundloom_server.engine.renderers.procedural.recipes._sfxr import Voice, mutate, render

Preset = Callable[[np.random.Generator, float], Voice]


def _u(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def coin(rng: np.random.Generator, intensity: float) -> Voice:
    """Pickup/coin: a square note that jumps up a fourth or fifth after a beat."""
    return Voice(
        wave="square",
        freq_hz=_u(rng, 800.0, 1300.0),
        arp_ratio=float(rng.choice([4 / 3, 3 / 2, 2.0])),
        arp_s=_u(rng, 0.06, 0.09),
        sustain_s=_u(rng, 0.08, 0.12),
        punch=_u(rng, 0.3, 0.6),
        decay_s=_u(rng, 0.15, 0.3) * (0.8 + 0.4 * intensity),
    )


def jump(rng: np.random.Generator, intensity: float) -> Voice:
    """Jump: a square note sliding steeply up."""
    return Voice(
        wave="square",
        freq_hz=_u(rng, 220.0, 400.0),
        slide=_u(rng, 3.0, 4.5) * (0.8 + 0.4 * intensity),
        sustain_s=_u(rng, 0.1, 0.16),
        decay_s=_u(rng, 0.08, 0.16),
        hpf_hz=80.0,
    )


def select(rng: np.random.Generator, intensity: float) -> Voice:
    """Blip/select: one very short gated tick on a narrow pulse (the NES pulse channel's 12.5 or
    25 % duty: nasal and buzzy). A full square fading over tens of ms is a struck bell's ding."""
    return Voice(
        wave="square",
        freq_hz=_u(rng, 700.0, 1300.0),
        duty=float(rng.choice([0.125, 0.25])),
        sustain_s=_u(rng, 0.04, 0.07),
        decay_s=_u(rng, 0.005, 0.015),
        hpf_hz=100.0,
    )


def hurt(rng: np.random.Generator, intensity: float) -> Voice:
    """Hit/hurt: a harsh noise or square burst sliding down fast."""
    noisy = bool(rng.random() < 0.5)
    return Voice(
        wave="noise" if noisy else "square",
        freq_hz=_u(rng, 400.0, 700.0) if noisy else _u(rng, 350.0, 600.0),
        slide=-_u(rng, 7.0, 11.0),
        duty=_u(rng, 0.3, 0.5),
        sustain_s=_u(rng, 0.02, 0.06),
        punch=_u(rng, 0.3, 0.6) * (0.5 + intensity),
        decay_s=_u(rng, 0.1, 0.2),
        hpf_hz=120.0,
    )


def powerup(rng: np.random.Generator, intensity: float) -> Voice:
    """Powerup: a square note sliding up with vibrato, stepping up an arpeggio at mid-way."""
    return Voice(
        wave="square",
        freq_hz=_u(rng, 250.0, 400.0),
        slide=_u(rng, 1.2, 2.0),
        vibrato_depth=_u(rng, 0.04, 0.08),
        vibrato_hz=_u(rng, 12.0, 18.0),
        arp_ratio=_u(rng, 1.3, 1.5),
        arp_s=_u(rng, 0.2, 0.3),
        sustain_s=_u(rng, 0.3, 0.4),
        decay_s=_u(rng, 0.25, 0.4),
    )


def explosion(rng: np.random.Generator, intensity: float) -> Voice:
    """Explosion: low sample-and-hold noise falling in pitch, punchy, with a long decay."""
    return Voice(
        wave="noise",
        freq_hz=_u(rng, 90.0, 180.0) * (0.8 + 0.4 * intensity),
        min_hz=15.0,
        slide=-_u(rng, 0.8, 1.5),
        sustain_s=_u(rng, 0.12, 0.25),
        punch=_u(rng, 0.5, 0.8),
        decay_s=_u(rng, 0.7, 1.0),
        phaser_s=_u(rng, 0.001, 0.004),
        phaser_sweep=-_u(rng, 0.001, 0.003),
    )


def laser(rng: np.random.Generator, intensity: float) -> Voice:
    """Laser/shoot: a saw or thin square starting high and sliding down very fast."""
    return Voice(
        wave="saw" if rng.random() < 0.5 else "square",
        freq_hz=_u(rng, 1200.0, 2200.0),
        min_hz=100.0,
        slide=-_u(rng, 7.0, 10.0),
        duty=_u(rng, 0.2, 0.4),
        duty_sweep=_u(rng, 0.0, 0.5),
        sustain_s=_u(rng, 0.06, 0.12),
        punch=_u(rng, 0.0, 0.3),
        decay_s=_u(rng, 0.1, 0.2),
        hpf_hz=150.0,
    )


def _synth_for(preset: Preset) -> Callable[[SynthRequest], np.ndarray]:
    def synth(req: SynthRequest) -> np.ndarray:
        """One mutated take of the preset, centred, at the one-shot level."""
        intensity = req.number("intensity")
        voice = mutate(preset(req.rng, intensity), req.rng)
        mono = render(voice, req.frames, req.sample_rate, req.rng)
        out = dsp.stereo(mono, mono.copy())
        dsp.fade_out(out, int(0.01 * req.sample_rate))
        # No distance: 8-bit sounds are UI/game-feel cues, not sources in a space.
        return dsp.fit_peak(out, dsp.oneshot_peak(intensity, dsp.DISTANCE.default))

    return synth


def _recipe(
    name: str, preset: Preset, description: str, tags: tuple[str, ...], duration: float
) -> Recipe:
    return Recipe(
        name=name,
        family="retro",
        kind=EventKind.SFX,
        description=description,
        tags=tags,
        synth=_synth_for(preset),
        params=(dsp.INTENSITY,),
        typical_duration_s=duration,
    )


RECIPES = (
    _recipe(
        "retro_coin", coin,
        "Retro 8-bit coin pickup: two quick square-wave notes, the second higher.",
        ("coin pickup", "8-bit coin", "collect coin", "coin collect", "coin sound", "retro coin",
         "arcade coin", "chiptune coin", "item pickup", "pickup sound", "collectible",
         "ring pickup", "gem pickup"),
        0.5,
    ),
    _recipe(
        "retro_jump", jump,
        "Retro 8-bit jump: a square-wave note sliding quickly upward.",
        ("retro jump", "8-bit jump", "jump sound", "platformer jump", "arcade jump",
         "chiptune jump", "player jumps", "boing"),
        0.5,
    ),
    _recipe(
        "retro_select", select,
        "Retro 8-bit blip for menu selection: one very short square-wave tick.",
        ("menu select", "menu blip", "blip", "ui blip", "8-bit blip", "retro blip", "menu beep",
         "cursor move", "menu cursor", "select sound", "chiptune blip"),
        0.3,
    ),
    _recipe(
        "retro_hurt", hurt,
        "Retro 8-bit hurt/damage: a harsh noise or square burst sliding down.",
        ("retro hurt", "8-bit hurt", "player hurt", "take damage", "damage sound", "8-bit damage",
         "ouch 8-bit", "arcade hurt", "chiptune hurt", "lose health"),
        0.4,
    ),
    _recipe(
        "retro_powerup", powerup,
        "Retro 8-bit power-up: a rising square-wave sweep with vibrato and an arpeggio step.",
        ("8-bit power up", "8-bit powerup", "retro powerup", "retro power up", "arcade powerup",
         "chiptune powerup", "8-bit level up", "mushroom powerup"),
        1.0,
    ),
    _recipe(
        "retro_explosion", explosion,
        "Retro 8-bit explosion: crunchy low noise falling in pitch with a long decay.",
        ("8-bit explosion", "retro explosion", "arcade explosion", "chiptune explosion",
         "pixel explosion", "8-bit boom", "enemy destroyed", "ship destroyed"),
        1.5,
    ),
    _recipe(
        "retro_laser", laser,
        "Retro 8-bit laser shot: a buzzy saw or square tone sliding down very fast.",
        ("8-bit laser", "retro laser", "arcade laser", "8-bit shoot", "8-bit shot", "retro shoot",
         "chiptune laser", "shmup shot", "space invaders shot"),
        0.5,
    ),
)  # fmt: skip
