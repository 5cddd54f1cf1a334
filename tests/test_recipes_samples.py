"""Signatures of the recipes backed by recordings: real takes, varied per seed, never repeated."""

from __future__ import annotations

import numpy as np
import pytest
from recipe_audio import render

from soundloom_server.engine.renderers.procedural import samples

SR = 48000
ANIMALS = ("cow_moo", "sheep_bleat", "horse_neigh", "pig_grunt", "rooster_crow", "duck_quack")
BEDS = ("river", "waterfall", "lava")


def frame_rms(x: np.ndarray, frame_s: float) -> np.ndarray:
    hop = int(frame_s * SR)
    m = x.mean(axis=1)[: x.shape[0] // hop * hop].reshape(-1, hop)
    return np.sqrt((m**2).mean(axis=1))


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


@pytest.mark.parametrize("name", ANIMALS)
def test_an_animal_is_its_recording_varied_per_seed(name: str) -> None:
    calls = [render(name, 1.5, seed=s).mean(axis=1) for s in range(4)]
    # Each seed is another individual: speed (pitch) and tone differ, so no two takes align.
    for i in range(len(calls)):
        for j in range(i):
            assert abs(correlation(calls[i], calls[j])) < 0.9, (i, j)

    # Larger animals are lower: the spectral centroid drops with size.
    def centroid(x: np.ndarray) -> float:
        power = np.abs(np.fft.rfft(x.mean(axis=1))) ** 2
        return float((power * np.fft.rfftfreq(x.shape[0], 1 / SR)).sum() / power.sum())

    assert centroid(render(name, 1.5, size=1.0)) < centroid(render(name, 1.5, size=0.0))


def test_a_neigh_swells_in_from_its_breath() -> None:
    # Its first 50 ms lie 35 dB under its peak: the call keeps the onset under the span floor.
    for seed in range(3):
        level = 20 * np.log10(frame_rms(render("horse_neigh", 2.0, seed=seed), 0.05) + 1e-12)
        assert level[0] < level.max() - 35.0, seed


def test_long_animal_events_call_again_after_pauses() -> None:
    level = frame_rms(render("cow_moo", 12.0, seed=1), 0.1)
    loud = level > 0.1 * level.max()
    starts = np.flatnonzero(loud[1:] & ~loud[:-1])
    assert len(starts) >= 2, "more than one moo in 12 s"
    assert (~loud).mean() > 0.1, "with pauses between them"


@pytest.mark.parametrize("name", BEDS)
def test_a_recorded_bed_is_stationary_wide_and_seed_dependent(name: str) -> None:
    bed = render(name, 20.0, seed=1)
    seconds = frame_rms(bed, 1.0)
    assert seconds.min() > 0.4 * seconds.mean(), "no gaps where segments join"
    assert correlation(bed[:, 0], bed[:, 1]) < 0.9, "decorrelated ears: a wide source"
    other = render(name, 20.0, seed=2)
    assert abs(correlation(bed[:, 0], other[:, 0])) < 0.5, "another seed, another cut"


def test_crowd_murmur_is_recorded_tables_with_speech_rhythm() -> None:
    crowd = render("crowd_murmur", 12.0, seed=1)
    # Speech: the level swings at the syllable rate (3-8 Hz), far more than a steady hiss.
    level = frame_rms(crowd, 0.02)
    spectrum = np.abs(np.fft.rfft(level - level.mean())) ** 2
    freqs = np.fft.rfftfreq(level.shape[0], 0.02)
    syllabic = spectrum[(freqs >= 2.0) & (freqs < 8.0)].sum()
    assert syllabic > 0.3 * spectrum[freqs >= 0.5].sum()
    assert correlation(crowd[:, 0], crowd[:, 1]) < 0.9, "tables spread across the room"
    busy, quiet = render("crowd_murmur", 6.0, intensity=1.0), render("crowd_murmur", 6.0)
    assert busy.std() > quiet.std()


def test_explosion_body_is_a_recording_that_changes_with_the_seed() -> None:
    used: list[str] = []
    original = samples.render

    def spy(variation: samples.Variation, sr: int, channels: int = 2) -> np.ndarray:
        used.append(variation.take.name)
        return original(variation, sr, channels)

    samples.render = spy  # type: ignore[assignment]
    try:
        blasts = [render("explosion", 2.0, seed=s) for s in range(6)]
    finally:
        samples.render = original  # type: ignore[assignment]
    assert len(used) == 6 and len(set(used)) >= 2, used
    for i in range(1, len(blasts)):
        assert abs(correlation(blasts[0][:, 0], blasts[i][:, 0])) < 0.9
