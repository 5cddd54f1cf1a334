"""`soundloom continue --renderer diffusion`: a clip continued on Stable Audio 3 inpainting
weights, its last seconds the first segment's known audio (tiny random model, CPU, 3 steps)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
diffusers = pytest.importorskip("diffusers")
if not hasattr(diffusers, "StableAudio3InpaintPipeline"):
    pytest.skip("this diffusers has no StableAudio3InpaintPipeline", allow_module_level=True)

from soundloom import AssetCache, Client  # noqa: E402
from soundloom.cli import main  # noqa: E402
from soundloom.continuation_client import ClipJob, upload  # noqa: E402
from soundloom_server.engine.continuation.job import ContinueRequest, prepare  # noqa: E402
from soundloom_server.engine.continuation.source import clip_at_rate  # noqa: E402
from soundloom_server.engine.neural.tiny_sa3 import TINY_SA3, build_tiny_sa3  # noqa: E402
from soundloom_server.engine.plan import plan_from_json  # noqa: E402
from soundloom_server.engine.registry import get_renderer, use_model  # noqa: E402
from soundloom_server.service.continuation import prepare_upload  # noqa: E402

SR = 48000
CLIP_S = 3.0
NEW_S = 2.0  # with the lead and 1 s of context, past the tiny 2 s window: two segments
MODEL_SR = TINY_SA3["sampling_rate"]
RATIO = TINY_SA3["patch_size"] * int(np.prod(TINY_SA3["strides"]))  # samples per latent frame
CONTEXT_S = TINY_SA3["max_s"] / 2  # half the window (under the 10 s cap)


@pytest.fixture(scope="session")
def tiny_sa3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # Shared CI machines: tiny tensors run faster on one thread than fighting for several.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield build_tiny_sa3(tmp_path_factory.mktemp("tiny-sa3-continue") / "model")
    torch.set_num_threads(threads)
    use_model("renderer", "diffusion", None)


@pytest.fixture(autouse=True)
def few_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOUNDLOOM_DIFFUSION_STEPS", "3")


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three seconds of a hum over noise, stereo, at a level far from the -20 dBFS nominal."""
    rng = np.random.default_rng(5)
    t = np.arange(int(CLIP_S * SR)) / SR
    hum = 0.02 * np.sin(2 * np.pi * 180.0 * t)[:, None]
    audio = 0.01 * rng.standard_normal((t.size, 2)) + hum
    path = tmp_path_factory.mktemp("clip") / "hum_and_hiss.wav"
    sf.write(path, audio.astype(np.float32), SR, subtype="PCM_24")
    return path


@dataclass(frozen=True)
class Continued:
    """One CLI run: its files, its plan and the pipeline calls it made."""

    out: Path
    plan: dict[str, Any]
    sidecar: dict[str, Any]
    calls: list[dict[str, Any]]


def run_continue(clip: Path, model: Path, out: Path, *extra: str) -> int:
    args = ["continue", str(clip), "--duration", str(NEW_S), "--renderer", "diffusion"]
    return main([*args, "--model", str(model), "-o", str(out), "-q", *extra])


@pytest.fixture(scope="module")
def continued(
    tiny_sa3: Path, clip: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Continued]:
    folder = tmp_path_factory.mktemp("continued")
    out, plan_path = folder / "out.wav", folder / "plan.json"
    pipeline_class = diffusers.StableAudio3InpaintPipeline
    original = pipeline_class.__call__
    calls: list[dict[str, Any]] = []

    def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOUNDLOOM_DIFFUSION_STEPS", "3")
        patch.setattr(pipeline_class, "__call__", recording)
        assert run_continue(clip, tiny_sa3, out, "--plan-out", str(plan_path)) == 0
    sidecar = json.loads(out.with_name("out.wav.json").read_text())
    yield Continued(out, json.loads(plan_path.read_text()), sidecar, calls)


def seam_of(sidecar: dict[str, Any]) -> float:
    return next(m["time_s"] for m in sidecar["markers"] if m["label"].startswith("seam"))


def rms_db(audio: np.ndarray) -> float:
    return float(10.0 * np.log10(np.mean(np.square(audio, dtype=np.float64))))


def test_the_clips_tail_is_the_first_segments_known_audio(continued: Continued, clip: Path) -> None:
    clip_event, continuation = continued.plan["events"]
    assert (clip_event["renderer"], continuation["renderer"]) == ("clip", "diffusion")
    params = continuation["params"]
    # What the clip sounds like, in words the plan shows and an editor may change.
    resembles = continued.plan["warnings"][-1].rsplit("recipes ", 1)[1].split(", ")
    assert params["prompt"] == ", ".join(r.replace("_", " ") for r in resembles)
    # Two segments in two rounds: the first continues the clip, the second the first.
    assert len(continued.calls) == 2
    first = continued.calls[0]
    assert first["prompt"][0].startswith(params["prompt"])
    start = params["seam_s"] - params["lead_s"]  # clip time where the event begins
    context = round(CONTEXT_S * MODEL_SR)
    assert context % RATIO == 0
    at_model_rate = clip_at_rate(str(clip), params["sha256"], MODEL_SR, "clip").samples
    end = round(start * MODEL_SR)
    tail = torch.from_numpy(np.ascontiguousarray(at_model_rate[end - context : end].T))
    torch.testing.assert_close(first["audio"][0, :, :context], tail)
    assert not first["audio"][0, :, context:].any()
    mask = first["mask"][0, 0]
    assert bool((mask[: context // RATIO] == 1).all()) and not mask[context // RATIO :].any()
    assert continued.calls[1]["mask"][0, 0, 0] == 1  # the next segment continues the first


def test_length_rate_seam_and_level_are_the_clips(continued: Continued, clip: Path) -> None:
    audio, rate = sf.read(continued.out, dtype="float32", always_2d=True)
    seam = seam_of(continued.sidecar)
    assert rate == SR and audio.shape == (round((seam + NEW_S) * SR), 2)
    assert np.isfinite(audio).all()
    at = round(seam * SR)
    before, after = audio[at - SR : at], audio[at : at + SR]
    # The new part comes at the clip's level, not at the -20 dBFS of text-to-audio clips.
    assert abs(rms_db(after) - rms_db(before)) <= 3.0
    source, _ = sf.read(clip, dtype="float32", always_2d=True)
    assert abs(rms_db(before) - rms_db(source[at - SR : at])) <= 1.0  # the clip left as it is


def test_same_seed_same_bytes(continued: Continued, clip: Path, tiny_sa3: Path) -> None:
    again = continued.out.with_name("again.wav")
    assert run_continue(clip, tiny_sa3, again) == 0
    assert again.read_bytes() == continued.out.read_bytes()


def test_the_plan_renders_the_same_and_moves_back_to_the_clip_renderer(
    continued: Continued, tiny_sa3: Path
) -> None:
    plan_path = continued.out.with_name("plan.json")
    again = continued.out.with_name("rendered.wav")
    options = continued.sidecar["options"]
    args = ["render", str(plan_path), "-o", str(again), "-q", "--model", str(tiny_sa3)]
    assert main([*args, "--loudness", options["loudness"]]) == 0
    first, _ = sf.read(continued.out, dtype="float32")
    second, _ = sf.read(again, dtype="float32")
    assert np.array_equal(first, second)
    # Edited back to the procedural continuation, the same params (prompt included) still check.
    event = plan_from_json(plan_path.read_text()).events[1]
    get_renderer("clip").check(event, 1)


def test_the_sdk_continues_on_diffusion_as_the_cli_does(
    continued: Continued, clip: Path, tiny_sa3: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SOUNDLOOM_MODELS", str(tiny_sa3))
    use_model("renderer", "diffusion", None)  # the weights from $SOUNDLOOM_MODELS
    with Client(cache=AssetCache(tmp_path / "cache")) as client:
        asset = client.continue_clip(clip, duration=NEW_S, renderer="diffusion", format="wav")
    a, _ = sf.read(asset.path, dtype="float32")
    b, _ = sf.read(continued.out, dtype="float32")
    assert np.array_equal(a, b)


def test_the_remote_header_carries_the_renderer(clip: Path, tmp_path: Path) -> None:
    job = ClipJob(clip, NEW_S, "then rain", False, True, {"renderer": "diffusion"})
    header = next(iter(upload(job)())).header
    plan, options, _ = prepare_upload(header, clip.read_bytes(), tmp_path / "clips")
    assert options.renderer == "diffusion"
    assert [e.renderer for e in plan.events[:2]] == ["clip", "diffusion"]
    assert plan.events[1].params["prompt"].endswith("then rain")
    plain = prepare(ContinueRequest(str(clip), NEW_S)).planned.plan
    assert plain.events[1].renderer == "clip" and "prompt" not in plain.events[1].params


@pytest.mark.parametrize("pipeline", ["StableAudioPipeline", "AudioLDM2Pipeline"])
def test_other_weights_refuse_a_continuation(
    pipeline: str, clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "weights"
    folder.mkdir()
    # The refusal comes from the folder's layout, before any weights would load.
    (folder / "model_index.json").write_text(json.dumps({"_class_name": pipeline}))
    out = tmp_path / "out.wav"
    assert run_continue(clip, folder, out) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "events[1].renderer diffusion" in error and "Stable Audio 3 inpainting" in error
    assert not out.exists()
