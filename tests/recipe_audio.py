"""Shared helpers of the recipe signature tests: render a recipe, make noise, measure levels."""

from __future__ import annotations

import numpy as np

from soundloom_server.engine.renderers.procedural.recipes import SynthRequest, get_recipe

SR = 48000


def render(name: str, seconds: float, seed: int = 0, **params: object) -> np.ndarray:
    """A recipe's raw synthesis (no levelling) at SR, seeded."""
    recipe = get_recipe(name)
    assert recipe is not None, name
    request = SynthRequest(
        int(seconds * SR), SR, np.random.default_rng(seed), recipe.resolve_params(params)
    )
    return np.asarray(recipe.synth(request))


def noise(seconds: float) -> np.ndarray:
    """Uniform white noise, stereo: the sound no signature should accept."""
    return np.random.default_rng(7).uniform(-0.3, 0.3, (int(seconds * SR), 2)).astype(np.float32)


def mono(x: np.ndarray) -> np.ndarray:
    """The channel mean."""
    return x.mean(axis=1) if x.ndim == 2 else x


def frame_rms(x: np.ndarray, frame_s: float) -> np.ndarray:
    """RMS of consecutive frames of `frame_s` seconds."""
    hop = int(frame_s * SR)
    m = mono(x)
    m = m[: m.shape[0] // hop * hop].reshape(-1, hop).astype(np.float64)
    return np.sqrt((m * m).mean(axis=1))
