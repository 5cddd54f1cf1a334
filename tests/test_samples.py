"""The recording pack: provenance for every file, seeded variation, seamless granular beds."""

from __future__ import annotations

import hashlib
import threading
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from soundloom_server.engine.renderers.procedural import samples
from soundloom_server.engine.renderers.procedural.samples import build_pack

SR = 48000
PACKAGE = Path(str(resources.files(samples)))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def test_every_file_has_provenance_and_every_entry_its_file() -> None:
    entries = {e["file"]: e for e in samples.manifest()["files"]}
    on_disk = {p.relative_to(PACKAGE / "pack").as_posix() for p in (PACKAGE / "pack").rglob("*")}
    on_disk = {p for p in on_disk if not (PACKAGE / "pack" / p).is_dir()}
    assert on_disk, "the pack is empty"
    assert on_disk - set(entries) == set(), "files without provenance"
    assert set(entries) - on_disk == set(), "manifest entries without their file"
    for name, entry in entries.items():
        assert entry["licence"]["name"] in samples.ALLOWED_LICENCES, name
        assert entry["licence"]["evidence"]["text"].strip(), name
        source = entry["source"]
        assert source["package"] and source["version"] and source["path"], name
        assert entry["processing"], name
        blob = (PACKAGE / "pack" / name).read_bytes()
        assert hashlib.sha256(blob).hexdigest() == entry["sha256"], f"{name} changed"
    total = sum((PACKAGE / "pack" / n).stat().st_size for n in entries)
    assert total < 10_000_000


def test_the_build_refuses_licences_that_oblige_a_game() -> None:
    copyright_text = (
        "Files: *\nCopyright: x\nLicense: public-domain\n\n"
        "Files: sounds/credit.wav\nCopyright: y\nLicense: CC-BY-3.0\n"
    )
    assert build_pack.dep5_evidence(copyright_text, "sounds/free.wav")[0] == "public-domain"
    assert build_pack.dep5_evidence(copyright_text, "sounds/credit.wav")[0] == "CC-BY-3.0"
    assert "CC-BY-3.0" not in samples.ALLOWED_LICENCES
    block = build_pack.Block("README", "Someone", "CC0-1.0")
    with pytest.raises(SystemExit):
        build_pack.block_evidence("Someone (CC BY 3.0)\n  a.ogg\n", block, "a.ogg")
    assert "CC0" in build_pack.block_evidence("Someone (CC0 1.0)\n  a.*.ogg\n", block, "a.1.ogg")


def test_groups_list_their_takes() -> None:
    assert {"explosion", "river", "cow", "restaurant_crowd"} <= set(samples.groups())
    assert len(samples.takes("explosion")) >= 5
    with pytest.raises(KeyError):
        samples.takes("no such sound")


def test_loading_resamples_and_keeps_the_duration() -> None:
    take = next(t for t in samples.takes("explosion") if t.sample_rate == 44100)
    native = samples.load(take, 44100)
    for rate in (48000, 22050):
        audio = samples.load(take, rate)
        assert audio.dtype == np.float32 and audio.shape[1] == take.channels
        assert audio.shape[0] / rate == pytest.approx(native.shape[0] / 44100, abs=1e-3)
        assert rms(audio) == pytest.approx(rms(native), rel=0.1)
    assert samples.load(take, 48000) is samples.load(take, 48000), "decoded once"
    assert not samples.load(take, 48000).flags.writeable


def test_concurrent_loads_decode_once_and_agree() -> None:
    take = samples.takes("sheep")[0]
    results: list[np.ndarray] = []
    threads = [
        threading.Thread(target=lambda: results.append(samples.load(take, 32000))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r is results[0] for r in results)


def test_variations_differ_by_seed_and_repeat_for_a_seed() -> None:
    def take(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        return samples.render(samples.vary(rng, "footstep_snow", layer_chance=0.5), SR)

    renders = [take(seed) for seed in range(8)]
    assert np.array_equal(renders[0], take(0))
    for i in range(len(renders)):
        for j in range(i):
            same = renders[i].shape == renders[j].shape and np.allclose(renders[i], renders[j])
            assert not same, f"seeds {i} and {j} gave the same footstep"


def test_speed_changes_pitch_and_length_together() -> None:
    take = samples.takes("cow")[0]
    base = samples.load(take, SR)
    up = samples.at_speed(base, 2 ** (2 / 12), SR)
    assert up.shape[0] == pytest.approx(base.shape[0] / 2 ** (2 / 12), rel=0.01)


def test_a_long_granular_bed_from_a_short_take_is_stationary_and_loops() -> None:
    source = samples.load(samples.takes("fuse")[0], SR)  # ~3.6 s
    frames = 60 * SR
    bed = samples.granular_bed(np.random.default_rng(1), source, frames, SR, grain_s=0.06)
    assert bed.shape == (frames, source.shape[1]) and bed.dtype == np.float32
    seconds = np.array([rms(bed[i * SR : (i + 1) * SR]) for i in range(60)])
    assert seconds.min() > 0.5 * seconds.mean(), "no silent gaps"
    assert seconds.std() < 0.25 * seconds.mean(), "stationary"
    tenth = frames // 10
    assert rms(bed[:tenth]) == pytest.approx(rms(bed[-tenth:]), rel=0.1)
    # Seamless: the step across the loop point is no bigger than the steps inside the bed.
    mono = bed.mean(axis=1)
    steps = np.abs(np.diff(mono))
    assert abs(mono[0] - mono[-1]) <= np.percentile(steps, 99.9)
    other = samples.granular_bed(np.random.default_rng(2), source, frames, SR, grain_s=0.06)
    assert not np.allclose(bed, other)
    again = samples.granular_bed(np.random.default_rng(1), source, frames, SR, grain_s=0.06)
    assert np.array_equal(bed, again)


def test_granular_bed_survives_tiny_lengths() -> None:
    source = samples.load(samples.takes("sheep")[0], SR)
    for frames in (0, 1, 100, SR // 20):
        bed = samples.granular_bed(np.random.default_rng(0), source, frames, SR)
        assert bed.shape == (frames, source.shape[1]) and np.isfinite(bed).all()
