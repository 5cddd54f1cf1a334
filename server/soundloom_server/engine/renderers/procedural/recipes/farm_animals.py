"""Farm animals from recordings: a cow's moo, a sheep's bleat, a horse's neigh, and so on.

A voice (vocal folds driven by the lungs through a long, moving vocal tract) is the hardest
thing to synthesise convincingly, and a game needs the animal to be recognised in one call, so
these recipes play CC0 recordings (BigSoundBank) from the pack. Each seed makes another animal
of the same kind: calls drawn from the take (a take holding several moos gives several), played
a little faster or slower (a smaller or larger beast: pitch and duration move together, as a
smaller vocal tract would move them), a touch of tone and level, and, when the event is long,
further calls after natural pauses rather than a loop of the same one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soundloom_server.engine.plan import EventKind
from soundloom_server.engine.renderers.procedural import dsp, samples
from soundloom_server.engine.renderers.procedural.recipes import Recipe, SynthFn, SynthRequest


@dataclass(frozen=True)
class _Animal:
    """How one animal calls."""

    group: str  # its recordings in the pack
    pause_s: tuple[float, float]  # silence between calls
    semitones: float  # how far individuals differ in pitch
    typical_s: float
    # A call's soft onset lies under the span finder's floor (-30 dB re the take's peak): a
    # horse's whinny swells in from its breath, and cut at the floor it starts at full voice,
    # a roar. Each call starts this much earlier (never before the end of the call before it).
    lead_s: float = 0.0


def _synth_for(animal: _Animal) -> SynthFn:
    def synth(req: SynthRequest) -> np.ndarray:
        """Calls of the recorded animal, varied per seed, one after another with pauses."""
        sr, n, rng = req.sample_rate, req.frames, req.rng
        intensity, distance, size = (req.number(k) for k in ("intensity", "distance", "size"))
        take = samples.choose(rng, animal.group)
        audio = samples.load(take, sr)[:, 0]
        spans = samples.calls(take, sr)
        lead = int(animal.lead_s * sr)
        spans = tuple(
            (max(a - lead, spans[i - 1][1] if i else 0), b) for i, (a, b) in enumerate(spans)
        )
        # This individual: larger animals are lower and slower (a longer vocal tract).
        base = 2.0 ** ((0.5 - size) * 4.0 / 12.0 + rng.uniform(-1.0, 1.0) * animal.semitones / 12)
        tone = dsp.lowpass(float(rng.uniform(9000.0, 16000.0)), sr, order=1)
        pan = rng.uniform(-0.35, 0.35)
        out = np.zeros((n, 2), np.float32)
        at = int(rng.uniform(0.0, 0.03) * sr)
        first = True
        while at < n:
            a, b = spans[int(rng.integers(len(spans)))]
            speed = base * 2.0 ** (rng.uniform(-0.4, 0.4) / 12.0)  # no two calls alike
            call = samples.at_speed(audio[a:b], speed, sr)
            if not first and at + call.shape[0] > n:
                break  # a call that cannot finish is not started
            gain = dsp.db(rng.uniform(-3.0, 0.0))
            left, right = dsp.pan_gains(pan + rng.uniform(-0.1, 0.1))
            dsp.place(out, dsp.stereo(call * np.float32(left), call * np.float32(right)), at, gain)
            at += call.shape[0] + int(rng.uniform(*animal.pause_s) * sr)
            first = False
        out = dsp.filt(tone, out, axis=0)
        return dsp.finish_one_shot(out, sr, intensity, distance, fade_s=0.15)

    return synth


def _recipe(name: str, animal: _Animal, description: str, tags: tuple[str, ...]) -> Recipe:
    return Recipe(
        name=name,
        family="animals",
        kind=EventKind.SFX,
        description=description,
        tags=tags,
        synth=_synth_for(animal),
        params=(dsp.INTENSITY, dsp.DISTANCE, dsp.SIZE),
        typical_duration_s=animal.typical_s,
    )


RECIPES = (
    _recipe(
        "cow_moo",
        _Animal("cow", (0.6, 2.0), 1.0, 2.5),
        "A cow lowing: a long, low recorded moo (CC0), another beast each seed.",
        (
            "cow",
            "cows",
            "moo",
            "mooing",
            "moos",
            "cattle",
            "bull",
            "ox",
            "oxen",
            "calf",
            "lowing",
            "heifer",
            "dairy cow",
            "cowshed",
            "bovine",
        ),
    ),
    _recipe(
        "sheep_bleat",
        _Animal("sheep", (0.3, 1.2), 1.5, 1.5),
        "A sheep bleating: a short, wavering recorded baa (CC0), another animal each seed.",
        (
            "sheep",
            "bleat",
            "bleating",
            "bleats",
            "baa",
            "lamb",
            "lambs",
            "ewe",
            "flock of sheep",
            "goat",
            "goats",
            "shepherd",
        ),
    ),
    _recipe(
        "horse_neigh",
        _Animal("horse", (0.8, 2.0), 1.0, 2.0, lead_s=0.2),
        "A horse neighing: a recorded whinny (CC0), a different horse each seed.",
        (
            "horse",
            "horses",
            "neigh",
            "neighing",
            "neighs",
            "whinny",
            "whinnying",
            "nicker",
            "stallion",
            "mare",
            "pony",
            "foal",
            "stable",
            "steed",
            "colt",
        ),
    ),
    _recipe(
        "pig_grunt",
        _Animal("pig", (0.05, 0.4), 1.5, 2.5),
        "A pig grunting and oinking: recorded grunts (CC0), re-ordered each seed.",
        (
            "pig",
            "pigs",
            "oink",
            "oinking",
            "pig grunt",
            "grunting pig",
            "hog",
            "hogs",
            "swine",
            "boar",
            "piglet",
            "sow",
            "pigsty",
            "pigpen",
            "snort",
        ),
    ),
    _recipe(
        "rooster_crow",
        _Animal("rooster", (1.0, 2.5), 1.0, 2.5),
        "A rooster crowing at dawn: a recorded cock-a-doodle-doo (CC0).",
        (
            "rooster",
            "roosters",
            "cockerel",
            "cock-a-doodle-doo",
            "crowing rooster",
            "rooster crowing",
            "cock crow",
            "poultry",
            "farmyard",
            "barnyard",
        ),
    ),
    _recipe(
        "duck_quack",
        _Animal("duck", (0.3, 1.0), 1.0, 2.5),
        "Ducks quacking: recorded quacks (CC0), re-cut each seed.",
        (
            "duck",
            "ducks",
            "quack",
            "quacking",
            "quacks",
            "mallard",
            "duckling",
            "drake",
            "goose",
            "geese",
            "waterfowl",
        ),
    ),
)
