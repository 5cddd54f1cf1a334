"""Stable Audio 3 inpainting weights: long events continue across seams (tiny random model, CPU)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
diffusers = pytest.importorskip("diffusers")
if not hasattr(diffusers, "StableAudio3InpaintPipeline"):
    pytest.skip("this diffusers has no StableAudio3InpaintPipeline", allow_module_level=True)

from soundloom.cli import main  # noqa: E402
from soundloom_server.engine.neural.tiny_sa3 import TINY_SA3  # noqa: E402
from soundloom_server.engine.plan import Event, EventKind  # noqa: E402
from soundloom_server.engine.registry import use_model  # noqa: E402
from soundloom_server.engine.renderers.base import RenderContext  # noqa: E402
from soundloom_server.engine.renderers.diffusion import DiffusionRenderer  # noqa: E402

SCENE = "rain on a tin roof, a door slams, distant thunder"
RATIO = TINY_SA3["patch_size"] * int(np.prod(TINY_SA3["strides"]))  # samples per latent frame


@pytest.fixture(scope="session")
def tiny_sa3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # Shared CI machines: tiny tensors run faster on one thread than fighting for several.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("tiny-sa3") / "model"
    # Built through the CLI, so `dev tiny-model --kind stable-audio-3-inpaint` is covered too.
    assert main(["dev", "tiny-model", "--kind", "stable-audio-3-inpaint", str(folder)]) == 0
    assert '"StableAudio3InpaintPipeline"' in (folder / "model_index.json").read_text()
    yield folder
    torch.set_num_threads(threads)
    use_model("renderer", "diffusion", None)


@pytest.fixture(autouse=True)
def few_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOUNDLOOM_DIFFUSION_STEPS", "3")


def test_generate_with_sa3_inpaint_writes_the_requested_length(
    tiny_sa3: Path, tmp_path: Path
) -> None:
    out = tmp_path / "scene.wav"
    args = ["generate", SCENE, "--duration", "5", "--renderer", "diffusion"]
    assert main([*args, "--model", str(tiny_sa3), "-o", str(out), "-q"]) == 0
    audio, rate = sf.read(out, dtype="float32", always_2d=True)
    loudness = pyloudnorm.Meter(rate).integrated_loudness(audio)
    assert rate == 48000 and audio.shape == (5 * 48000, 2)
    assert np.isfinite(audio).all() and abs(loudness - -24.0) <= 0.5


def test_long_event_is_inpainted_from_the_previous_tail(tiny_sa3: Path) -> None:
    renderer = DiffusionRenderer(tiny_sa3, device="cpu", batch_size=16)
    model = renderer.model()
    assert model.layout == "stable-audio-3-inpaint" and model.max_s == TINY_SA3["max_s"]
    calls: list[dict[str, Any]] = []
    pipeline_class = type(model.pipe)
    original = pipeline_class.__call__

    def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        calls.append({**kwargs, "out": result.audios.float().clone()})
        return result

    bed = Event("bed", EventKind.AMBIENCE, "wind in a cave", "wind", 0.0, 5.0)  # > 2 s window
    hit = Event("hit", EventKind.SFX, "a sword hits a shield", "impact", 1.0, 0.5)
    ctx = RenderContext(sample_rate=48000, seed=7, style="noir")
    fractions: list[float] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline_class, "__call__", recording)
        clips = renderer.render_batch([(bed, ctx), (hit, ctx)], fractions.append)

    # 5 s on a 2 s window with 0.5 s of context: 3 segments of 2 s. Round 0 holds both events'
    # first segments; rounds 1 and 2 hold the bed's continuations only.
    assert [len(c["prompt"]) for c in calls] == [2, 1, 1]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    rate = model.sample_rate
    context = round(0.5 * rate)
    assert not calls[0]["mask"].any()  # nothing known: plain generation
    for before, call in itertools.pairwise(calls):
        mask = call["mask"][0, 0]
        known = context // RATIO
        assert bool((mask[:known] == 1).all()) and not mask[known:].any()  # new part masked
        # The known audio is the previous segment's tail, at the start of the window.
        tail = before["out"][0, :, round(2.0 * rate) - context : round(2.0 * rate)]
        torch.testing.assert_close(call["audio"][0, :, :context], tail)
        assert not call["audio"][0, :, context:].any()

    samples = clips[0].samples
    assert samples.shape == (5 * 48000, 2) and np.isfinite(samples).all()
    # Continuous across each seam: no step there larger than the largest step elsewhere.
    steps = np.abs(np.diff(samples, axis=0)).max(axis=1)
    near = np.zeros(steps.shape, dtype=bool)
    for seam_s in (1.5, 3.0):  # where each continuation's new material begins
        centre = round(seam_s * 48000)
        near[centre - 4800 : centre + 4800] = True
    assert steps[near].max() <= steps[~near].max()
    assert clips[1].samples.shape == (round(0.5 * 48000), 2)
