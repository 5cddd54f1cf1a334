"""Neural backends end to end on tiny random models built here (CPU, a minute or two)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("diffusers")
pytest.importorskip("torchsde")

from soundloom.cli import main  # noqa: E402
from soundloom_server.engine.errors import Cancelled  # noqa: E402
from soundloom_server.engine.neural.tiny import TINY_STABLE_AUDIO, build_tiny_model  # noqa: E402
from soundloom_server.engine.plan import Event, EventKind, ScenePlan, plan_to_json  # noqa: E402
from soundloom_server.engine.registry import use_model  # noqa: E402
from soundloom_server.engine.renderers.base import RenderContext  # noqa: E402
from soundloom_server.engine.renderers.diffusion import DiffusionRenderer  # noqa: E402
from soundloom_server.engine.renderers.diffusion.models import LoadedModel  # noqa: E402

# torchsde's Brownian tree warns about float rounding at sigma_min (0.29999998 < 0.3); harmless.
pytestmark = pytest.mark.filterwarnings("ignore:Should have:UserWarning")

SCENE = "rain on a tin roof, a door slams, distant thunder"
TINY_MAX_S = TINY_STABLE_AUDIO["sample_size"] * 32 / TINY_STABLE_AUDIO["sampling_rate"]


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    # Shared CI machines: tiny tensors run faster on one thread than fighting for several.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("tiny-models")
    built = {kind: build_tiny_model(kind, root / kind) for kind in ("stable-audio", "audioldm2")}
    yield built
    torch.set_num_threads(threads)
    use_model("renderer", "diffusion", None)


@pytest.fixture(autouse=True)
def few_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOUNDLOOM_DIFFUSION_STEPS", "3")


def _measure(path: Path) -> tuple[np.ndarray, int, float]:
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    return audio, rate, pyloudnorm.Meter(rate).integrated_loudness(audio)


@pytest.mark.parametrize("kind", ["stable-audio", "audioldm2"])
def test_generate_with_diffusion_writes_the_requested_length(
    kind: str, tiny_models: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "scene.wav"
    args = ["generate", SCENE, "--duration", "5", "--renderer", "diffusion"]
    assert main([*args, "--model", str(tiny_models[kind]), "-o", str(out), "-q"]) == 0
    audio, rate, loudness = _measure(out)
    assert rate == 48000 and audio.shape == (5 * 48000, 2)
    assert np.isfinite(audio).all() and abs(loudness - -24.0) <= 0.5
    sidecar = json.loads(out.with_name("scene.wav.json").read_text())
    assert set(sidecar["renderers"].values()) == {"diffusion"}


def test_hybrid_scene_records_which_backend_rendered_what(
    tiny_models: dict[str, Path], tmp_path: Path
) -> None:
    plan = ScenePlan(
        duration_s=6.0,
        style="dark fantasy",
        events=(
            Event("rain", EventKind.AMBIENCE, "rain on a roof", "rain", 0.0, 6.0, loop=True),
            Event("door", EventKind.SFX, "a door slams", "door", 1.0, 1.0, renderer="diffusion"),
            Event(
                "roar", EventKind.SFX, "a dragon roars", "thunder", 2.0, 3.5, renderer="diffusion"
            ),
        ),
    )
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(plan_to_json(plan))
    out = tmp_path / "hybrid.ogg"
    model = str(tiny_models["stable-audio"])
    assert main(["render", str(plan_path), "--model", model, "-o", str(out), "-q"]) == 0
    audio, _, loudness = _measure(out)
    assert audio.shape == (6 * 48000, 2) and abs(loudness - -24.0) <= 0.5
    sidecar = json.loads(out.with_name("hybrid.ogg.json").read_text())
    assert sidecar["renderers"] == {"rain": "procedural", "door": "diffusion", "roar": "diffusion"}


def _ctx(seed: int = 7) -> RenderContext:
    return RenderContext(sample_rate=48000, seed=seed, style="noir")


def _events() -> list[Event]:
    return [
        Event("bed", EventKind.AMBIENCE, "wind in a cave", "wind", 0.0, 5.0),  # > window: seams
        Event("hit", EventKind.SFX, "a sword hits a shield", "impact", 1.0, 0.5),
        Event("step", EventKind.SFX, "footsteps on gravel", "footsteps", 2.0, 1.5),
    ]


def test_batches_share_calls_and_seeds_follow_event_ids(tiny_models: dict[str, Path]) -> None:
    renderer = DiffusionRenderer(tiny_models["stable-audio"], device="cpu", batch_size=16)
    model = renderer.model()
    assert abs(model.max_s - TINY_MAX_S) < 1e-9 and model.steps == 3
    calls: list[int] = []
    original = LoadedModel.generate

    def counting(self: LoadedModel, prompts, lengths, generators, on_step):
        calls.append(len(prompts))
        assert len(generators) == len(prompts) and all("noir" in p for p in prompts)
        return original(self, prompts, lengths, generators, on_step)

    events = _events()
    fractions: list[float] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LoadedModel, "generate", counting)
        clips = renderer.render_batch([(e, _ctx()) for e in events], fractions.append)
    segments = 3 + 1 + 1  # 5 s on a 2.048 s window (0.512 s overlaps) takes 3 segments
    assert calls == [segments]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) >= 3
    for event, clip in zip(events, clips, strict=True):
        assert clip.samples.shape == (round(event.duration_s * 48000), 2)
        assert np.isfinite(clip.samples).all() and np.abs(clip.samples).max() <= 1.0
    # One event alone gets the same noise as inside the batch: seeds come from (seed, event id).
    alone = renderer.render(events[1], _ctx())
    np.testing.assert_allclose(alone.samples, clips[1].samples, atol=1e-4)
    other_seed = renderer.render(events[1], _ctx(seed=8))
    assert not np.allclose(other_seed.samples, clips[1].samples, atol=1e-4)


def test_cancellation_stops_between_denoising_steps(tiny_models: dict[str, Path]) -> None:
    renderer = DiffusionRenderer(tiny_models["stable-audio"], device="cpu")
    steps: list[float] = []

    def cancelled() -> bool:
        return len(steps) >= 1

    with pytest.raises(Cancelled):
        renderer.render_batch([(e, _ctx()) for e in _events()], steps.append, cancelled)
    assert len(steps) == 1


def test_tiny_llm_output_falls_back_to_rules(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "llm"
    assert main(["dev", "tiny-model", "--kind", "llm", str(folder)]) == 0
    assert (folder / "config.json").is_file() and (folder / "tokenizer.json").is_file()
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOUNDLOOM_LLM_MAX_TOKENS", "24")
        assert main(["plan", SCENE, "--planner", "llm", "--llm", str(folder)]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["planner"] == "rules" and plan["events"]
    assert plan["warnings"][0].startswith("llm planner fell back to rules after 3 attempts")


def test_backends_reports_the_diffusion_weights(
    tiny_models: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["backends", "--json", "--model", str(tiny_models["audioldm2"])]) == 0
    rows = {(r["kind"], r["name"]): r for r in json.loads(capsys.readouterr().out)}
    assert rows[("renderer", "diffusion")]["available"] is True
    assert rows[("renderer", "procedural")]["available"] is True
    assert main(["backends", "--json", "--model", str(tmp_path)]) == 0
    rows = {(r["kind"], r["name"]): r for r in json.loads(capsys.readouterr().out)}
    assert rows[("renderer", "diffusion")]["available"] is False
    assert "no weights" in rows[("renderer", "diffusion")]["reason"]


def test_diffusion_event_without_weights_is_refused_before_rendering(tmp_path: Path) -> None:
    plan = ScenePlan(
        duration_s=2.0,
        events=(Event("d", EventKind.SFX, "a door", "door", 0.0, 1.0, renderer="diffusion"),),
    )
    path = tmp_path / "plan.json"
    path.write_text(plan_to_json(replace(plan)))
    out = tmp_path / "x.wav"
    assert main(["render", str(path), "--model", str(tmp_path / "none"), "-o", str(out)]) == 2
    assert not out.exists()


def test_neural_bench_smoke_prints_both_modes() -> None:
    bench = Path(__file__).resolve().parents[1] / "bench" / "neural.py"
    result = subprocess.run(
        [sys.executable, str(bench), "--smoke"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    rows = [line for line in result.stdout.splitlines() if line.endswith("x")]
    assert [row.split()[0] for row in rows] == ["one", "batched"]
