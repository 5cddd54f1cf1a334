"""The recipe library: each recipe makes real, seeded, calibrated sound shaped by its params."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest
from recipe_audio import render
from scipy import signal

from soundloom_server.engine.loudness import integrated_lufs, true_peak_db
from soundloom_server.engine.pipeline import render_scene
from soundloom_server.engine.plan import (
    MIN_EVENT_S,
    SAMPLE_RATES,
    Event,
    EventKind,
    RenderOptions,
    ScenePlan,
)
from soundloom_server.engine.registry import get_renderer
from soundloom_server.engine.renderers.base import RenderContext
from soundloom_server.engine.renderers.procedural import dsp, recipes
from soundloom_server.engine.renderers.procedural.recipes import (
    all_recipes,
    get_recipe,
)

SR = 48000
FIRST_TWELVE = (
    "rain", "wind", "thunder", "fire", "stream", "ocean_waves", "birds", "crickets",
    "crowd_murmur", "footsteps", "door", "impact",
)  # fmt: skip


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def centroid_hz(x: np.ndarray) -> float:
    mono = x.mean(axis=1) if x.ndim == 2 else x
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(mono.shape[0], 1 / SR)
    return float((power * freqs).sum() / power.sum())


def envelope_db(x: np.ndarray, frame_s: float = 0.01) -> np.ndarray:
    hop = int(frame_s * SR)
    mono = np.abs(x).max(axis=1) if x.ndim == 2 else np.abs(x)
    frames = mono[: mono.shape[0] // hop * hop].reshape(-1, hop).max(axis=1)
    return 20 * np.log10(frames / frames.max() + 1e-9)


def onsets(x: np.ndarray, min_gap_s: float = 0.15, rise_db: float = -12.0) -> int:
    """Count rises of the 5 ms peak envelope above `rise_db` (re max) at least min_gap apart."""
    env = envelope_db(x, 0.005)
    above = np.flatnonzero((env[1:] >= rise_db) & (env[:-1] < rise_db)) + 1
    count, last = 0, -1e9
    for i in above:
        if (i - last) * 0.005 >= min_gap_s:
            count, last = count + 1, i
    return count


def test_first_twelve_recipes_are_registered_and_discovered_from_files() -> None:
    names = {r.name for r in all_recipes()}
    assert set(FIRST_TWELVE) <= names
    for info in pkgutil.iter_modules(recipes.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{recipes.__name__}.{info.name}")
        found = [getattr(module, "RECIPE", None), *getattr(module, "RECIPES", ())]
        assert any(r is not None and r.name in names for r in found), info.name
    for recipe in all_recipes():
        assert recipe.tags and recipe.description and recipe.params


ALL = tuple(r.name for r in all_recipes())


@pytest.mark.parametrize("name", ALL)
def test_recipe_is_stereo_finite_seeded_and_calibrated(name: str) -> None:
    recipe = get_recipe(name)
    assert recipe is not None
    seconds = 6.0 if recipe.kind is EventKind.AMBIENCE else min(recipe.typical_duration_s, 4.0)
    audio = render(name, seconds, seed=3)
    assert audio.shape == (int(seconds * SR), 2) and audio.dtype == np.float32
    assert np.isfinite(audio).all()
    assert np.array_equal(audio, render(name, seconds, seed=3)), "same seed, same audio"
    assert not np.array_equal(audio, render(name, seconds, seed=4)), "seed changes the take"
    if recipe.kind is EventKind.AMBIENCE:
        # Beds sit near -20 dBFS RMS at default parameters and never clip.
        assert 0.03 < rms(audio) < 0.13, rms(audio)
        assert np.abs(audio).max() <= 0.951
        # A bed fills its length: no second of it is near silence.
        seconds_rms = [rms(audio[i * SR : (i + 1) * SR]) for i in range(int(seconds))]
        assert min(seconds_rms) > 0.05 * rms(audio)  # never below -26 dB of its mean
    else:
        expected = dsp.oneshot_peak(0.5, dsp.DISTANCE.default)
        assert np.abs(audio).max() == pytest.approx(expected, rel=1e-3)
        # It ends at rest: the last 10 ms is far below its peak.
        assert np.abs(audio[-SR // 100 :]).max() < 0.05 * expected


@pytest.mark.parametrize("name", ALL)
def test_intensity_and_distance_change_the_sound(name: str) -> None:
    seconds = 3.0
    strong, faint = render(name, seconds, intensity=1.0), render(name, seconds, intensity=0.0)
    assert rms(strong) > 1.4 * rms(faint)
    if "distance" in {p.name for p in get_recipe(name).params}:
        near, far = render(name, seconds, distance=0.0), render(name, seconds, distance=1.0)
        assert centroid_hz(far) < centroid_hz(near), "air absorbs highs"
        assert rms(far) < rms(near)


@pytest.mark.parametrize("name", ALL)
def test_recipe_alone_masters_to_the_loudness_rules(name: str) -> None:
    recipe = get_recipe(name)
    event = Event(f"{name}-1", recipe.kind, recipe.description, name, 0.0, 4.0)
    plan = ScenePlan(duration_s=4.0, events=(event,))
    scene = render_scene(plan, RenderOptions(seed=2))
    assert scene.audio.shape == (4 * 48000, 2)
    assert abs(integrated_lufs(scene.audio, 48000) - -24.0) <= 0.5
    assert true_peak_db(scene.audio, 48000) <= -1.0


def test_impact_materials_ring_as_they_should() -> None:
    def ring_ratio(material: str) -> float:
        hit = render("impact", 1.5, material=material, size=0.9)  # large: no bounces
        return rms(hit[int(0.4 * SR) : int(0.8 * SR)]) / rms(hit[: int(0.1 * SR)])

    assert ring_ratio("metal") > 10 * ring_ratio("wood")
    assert ring_ratio("glass") > ring_ratio("stone")
    glass = centroid_hz(render("impact", 1.0, material="glass"))
    assert glass > 2 * centroid_hz(render("impact", 1.0, material="dirt"))
    small = centroid_hz(render("impact", 1.0, material="wood", size=0.0))
    assert small > 1.5 * centroid_hz(render("impact", 1.0, material="wood", size=1.0))


def step_period_s(x: np.ndarray) -> float:
    """The first clear period (s) of the 10 ms RMS envelope: its autocorrelation's first peak
    above 0.2 between 0.15 and 1 s (0 when nothing repeats). Steps are counted by their
    rhythm, not by envelope rises: a step on grit grinds for a third of a second and rises
    and falls within itself."""
    hop = int(0.01 * SR)
    m = x.mean(axis=1) if x.ndim == 2 else x
    env = np.sqrt((m[: m.shape[0] // hop * hop].reshape(-1, hop) ** 2).mean(axis=1))
    env = env - env.mean()
    ac = np.correlate(env, env, "full")[env.shape[0] - 1 :]
    ac = ac / (ac[0] + 1e-12)
    for i in range(15, 100):
        if ac[i] > 0.2 and ac[i] >= ac[i - 1] and ac[i] >= ac[i + 1]:
            return i * 0.01
    return 0.0


def test_footsteps_keep_pace_and_running_is_faster() -> None:
    for material in ("stone", "wood"):
        walking = step_period_s(render("footsteps", 10.0, rate=0.4, material=material))
        running = step_period_s(render("footsteps", 10.0, rate=1.0, material=material))
        assert 0.48 <= walking <= 0.65, material  # 1.8 steps/s
        assert 0.27 <= running <= 0.36, material  # 3.2 steps/s
    assert step_period_s(render("clock", 10.0)) != pytest.approx(0.55, abs=0.1)
    gravel = centroid_hz(render("footsteps", 4.0, material="gravel"))
    assert gravel > 1.5 * centroid_hz(render("footsteps", 4.0, material="dirt"))


def test_door_actions_differ_in_shape() -> None:
    def sustained(x: np.ndarray) -> float:
        return float((envelope_db(x) > -20).mean())

    creak = render("door", 3.0, action="creak")
    slam = render("door", 3.0, action="slam")
    assert sustained(creak) > 3 * sustained(slam), "a creak lasts, a slam is a hit and a tail"
    low = np.abs(np.fft.rfft(slam.mean(axis=1)))[: int(200 * 3.0)]
    assert (low**2).sum() > (np.abs(np.fft.rfft(creak.mean(axis=1)))[: int(200 * 3.0)] ** 2).sum()
    assert 2 <= onsets(render("door", 2.0, action="knock"), min_gap_s=0.1) <= 4


def test_near_thunder_cracks_and_far_thunder_only_rumbles() -> None:
    near, far = render("thunder", 6.0, distance=0.0), render("thunder", 6.0, distance=1.0)
    assert centroid_hz(near[: SR // 2]) > 2 * centroid_hz(far)
    assert centroid_hz(far) < 250


def test_wind_gustiness_varies_the_level() -> None:
    steady = envelope_db(render("wind", 20.0, gustiness=0.0), 0.25)
    gusty = envelope_db(render("wind", 20.0, gustiness=1.0), 0.25)
    assert gusty.std() > 1.5 * steady.std()


def test_renderer_gives_exact_frames_with_clickless_edges() -> None:
    renderer = get_renderer("procedural")
    event = Event("door-1", EventKind.SFX, "a door slams", "door", 0.0, 1.234)
    clip = renderer.render(event, RenderContext(sample_rate=44100, seed=9))
    assert clip.samples.shape == (round(1.234 * 44100), 2)
    assert np.abs(clip.samples[0]).max() == 0.0 and np.abs(clip.samples[-1]).max() == 0.0


@pytest.mark.parametrize("name", ALL)
def test_recipe_survives_very_short_events(name: str) -> None:
    for seconds in (0.05, 0.3):
        audio = render(name, seconds, seed=5)
        assert audio.shape == (int(seconds * SR), 2) and np.isfinite(audio).all()


@pytest.mark.parametrize("name", ALL)
def test_recipe_renders_the_shortest_event_at_the_lowest_rate(name: str) -> None:
    recipe = get_recipe(name)
    assert recipe is not None
    event = Event("e-1", recipe.kind, name, name, 0.0, MIN_EVENT_S)
    rate = min(SAMPLE_RATES)
    clip = get_renderer("procedural").render(event, RenderContext(sample_rate=rate, seed=3))
    assert clip.samples.shape == (round(MIN_EVENT_S * rate), 2)
    assert np.isfinite(clip.samples).all()


def test_drift_moves_below_one_hertz_with_unit_spread() -> None:
    # slow_noise's corner is clamped to 1 Hz; gusts and flare-ups need slower curves.
    sr = 8000
    curve = dsp.drift(np.random.default_rng(3), 600 * sr, sr, 0.1)
    assert abs(float(curve.std()) - 1.0) < 0.15
    freqs, power = signal.welch(curve[::80], sr / 80, nperseg=4096)
    assert power[freqs < 0.2].sum() > 0.9 * power.sum()
    assert power[(freqs > 0.8) & (freqs < 2.0)].sum() < 0.002 * power.sum()
