"""The diffusion renderer: diffusers text-to-audio pipelines from local weights, in batches.

Weights come from `--model PATH` (`use_model`) or $SOUNDLOOM_MODELS: a `save_pretrained` folder
of a StableAudioPipeline (Stable Audio Open layout), an AudioLDM2Pipeline or a
StableAudio3InpaintPipeline, or a folder of such folders. Nothing is downloaded. All events
given to `render_batch` become items of as few pipeline calls as possible: long events are cut
into overlapping segments (each its own item), every item gets its own generator seeded from
(scene seed, event id, segment), the scene style conditions every prompt, and progress is
reported per denoising step with cancellation between steps.
On Stable Audio 3 inpainting weights each segment instead continues the one before it (see
`continuation`), so segments of one event run in rounds; there, a `continuation` event (a plan
made by `soundloom continue --renderer diffusion`) continues its recording, whose last seconds
are the first segment's known audio (see `recording`). Other weights refuse such an event.
Registering this renderer imports no torch; loading happens on first render.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import resample_poly

from soundloom_server.engine.audio import Clip, as_channels, seconds_to_frames
from soundloom_server.engine.backend import Availability
from soundloom_server.engine.errors import Cancelled, InvalidArgument, Unavailable
from soundloom_server.engine.plan import Event, EventKind
from soundloom_server.engine.renderers.base import RenderContext
from soundloom_server.engine.renderers.diffusion.segments import join_segments, plan_segments

MODELS_ENV = "SOUNDLOOM_MODELS"
STEPS_ENV = "SOUNDLOOM_DIFFUSION_STEPS"
BATCH_ENV = "SOUNDLOOM_DIFFUSION_BATCH"
DEFAULT_BATCH = 16
CLIP_RMS_DBFS = -20.0  # every clip leaves at one nominal level so plan gains mean the same
EDGE_FADE_S = 0.004
PREFERRED = ("stable-audio", "audioldm2", "stable-audio-3-inpaint")
RECORDING = "continuation"  # the recipe of a recording's continuation (see `recording`)

ProgressFn = Callable[[float], None]
CancelFn = Callable[[], bool]


def find_model(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The pipeline folder: `path`, else $SOUNDLOOM_MODELS or the first pipeline folder in it."""
    from soundloom_server.engine.renderers.diffusion.models import pipeline_layout

    if path:
        folder = Path(path).expanduser()
        models_root = os.environ.get(MODELS_ENV, "")
        if not folder.exists() and models_root and (Path(models_root) / folder).exists():
            folder = Path(models_root) / folder  # a model named inside the models folder
        return folder
    root = os.environ.get(MODELS_ENV, "")
    if not root:
        return None
    base = Path(root).expanduser()
    if pipeline_layout(base):
        return base
    found = sorted(
        (p for p in base.iterdir() if p.is_dir() and pipeline_layout(p)) if base.is_dir() else (),
        key=lambda p: (PREFERRED.index(pipeline_layout(p) or "stable-audio"), p.name),
    )
    return found[0] if found else base


def model_availability(path: str | os.PathLike[str] | None = None) -> Availability:
    """Whether the diffusion renderer can run: packages, then weights at the path."""
    from soundloom_server.engine.neural import gpu_available, install_hint, missing_packages
    from soundloom_server.engine.renderers.diffusion.models import pipeline_layout

    missing = missing_packages()
    if missing:
        return Availability(False, install_hint(missing))
    folder = find_model(path)
    if folder is None:
        return Availability(False, f"no weights: pass --model PATH or set ${MODELS_ENV}")
    if not folder.is_dir():
        return Availability(False, f"no weights at {folder}")
    if pipeline_layout(folder) is None:
        return Availability(
            False,
            f"no weights at {folder} (expected a StableAudioPipeline, AudioLDM2Pipeline or "
            "StableAudio3InpaintPipeline save_pretrained folder with model_index.json)",
        )
    note = "" if gpu_available() else "no GPU: runs on the CPU, slowly"
    return Availability(True, note)


@functools.lru_cache(maxsize=2)
def _loaded(folder: str, device: str, steps: int | None) -> Any:
    from soundloom_server.engine.renderers.diffusion.models import load_model

    return load_model(Path(folder), device, steps, None)


@dataclass(frozen=True)
class _Item:
    """One pipeline item: a segment of an event."""

    event_index: int
    segment: int
    prompt: str
    length_s: float
    key: str


def event_prompt(event: Event, style: str) -> str:
    """The text that conditions an event: its caption, then the scene's style."""
    parts = [event.caption.strip()]
    if event.kind is EventKind.AMBIENCE:
        parts.append("continuous ambience")
    if style.strip():
        parts.append(style.strip())
    return ", ".join(parts)


class DiffusionRenderer:
    """Renders events with a local diffusers text-to-audio pipeline, many events per call."""

    name = "diffusion"
    version = "2"  # 2: continuation events continue their recording on SA3 inpainting weights
    lane = "neural"
    batches = True  # one pipeline call for many events
    streams = False

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        device: str | None = None,
        steps: int | None = None,
        batch_size: int | None = None,
        loaded: Any = None,
    ) -> None:
        self.model_path = model_path
        self.loaded = loaded  # a LoadedModel already in memory (benchmarks, notebooks)
        self.device = device
        self.steps = steps or (int(os.environ[STEPS_ENV]) if os.environ.get(STEPS_ENV) else None)
        env_batch = os.environ.get(BATCH_ENV, "")
        self.batch_size = batch_size or int(env_batch or DEFAULT_BATCH)

    def model_folder(self) -> Path | None:
        """The pipeline folder this renderer would load (for cache keys)."""
        return find_model(self.model_path)

    def availability(self) -> Availability:
        """Whether packages and weights are present (and whether there is a GPU)."""
        if self.loaded is not None:
            return Availability(True)
        return model_availability(self.model_path)

    def check(self, event: Event, index: int) -> None:
        """Refuse to start a scene this renderer cannot render here; any caption is fine, and a
        `continuation` event needs Stable Audio 3 inpainting weights and its recording."""
        available = self.availability()
        if not available.available:
            raise Unavailable(f"events[{index}].renderer diffusion: {available.reason}")
        if not event.caption.strip():
            raise InvalidArgument(f"events[{index}].caption", "must not be empty for diffusion")
        if event.recipe == RECORDING:
            from soundloom_server.engine.renderers.clip import check_params
            from soundloom_server.engine.renderers.diffusion.models import pipeline_layout
            from soundloom_server.engine.renderers.diffusion.recording import (
                refuse_unless_inpainting,
            )

            folder = self.model_folder()
            if self.loaded is not None:
                layout, folder = self.loaded.layout, "the loaded model"
            else:
                layout = pipeline_layout(folder) if folder is not None else None
            refuse_unless_inpainting(layout, f"events[{index}]", folder)
            check_params(event, index)

    def model(self) -> Any:
        """The loaded pipeline adapter (loaded once per folder and device)."""
        from soundloom_server.engine.neural import select_device

        if self.loaded is not None:
            return self.loaded
        folder = find_model(self.model_path)
        if folder is None:
            raise Unavailable(f"diffusion: no weights: pass --model PATH or set ${MODELS_ENV}")
        return _loaded(str(folder.resolve()), select_device(self.device), self.steps)

    def render(self, event: Event, ctx: RenderContext) -> Clip:
        """Render one event (a batch of one)."""
        return self.render_batch([(event, ctx)])[0]

    def render_batch(
        self,
        items: Sequence[tuple[Event, RenderContext]],
        progress: ProgressFn | None = None,
        cancelled: CancelFn | None = None,
    ) -> list[Clip]:
        """Render events together: their segments share pipeline calls of `batch_size` items."""
        from soundloom_server.engine.neural import torch_generator

        if not items:
            return []
        model = self.model()
        if model.layout == "stable-audio-3-inpaint":
            return self._render_continued(model, items, progress, cancelled)
        for event, _ in items:
            if event.recipe == RECORDING:  # reached without `check` (a direct call)
                from soundloom_server.engine.renderers.diffusion.recording import (
                    refuse_unless_inpainting,
                )

                refuse_unless_inpainting(model.layout, f"events[{event.id}]", self.model_folder())
        work: list[_Item] = []
        cuts = []
        for i, (event, ctx) in enumerate(items):
            cut = plan_segments(event.duration_s, model.max_s)
            cuts.append(cut)
            prompt = event_prompt(event, ctx.style)
            work.extend(
                _Item(i, k, prompt, cut.length_s, f"diffusion:{event.id}:{k}")
                for k in range(cut.count)
            )
        # Longest first: items of like length share a call, so short one-shots are not padded to
        # a long bed's window on models without length conditioning.
        work.sort(key=lambda item: -item.length_s)
        calls = [work[i : i + self.batch_size] for i in range(0, len(work), self.batch_size)]
        outputs: dict[tuple[int, int], np.ndarray] = {}
        for number, call in enumerate(calls):
            generators = [torch_generator(items[c.event_index][1].seed, c.key) for c in call]

            def on_step(step: int, number: int = number) -> None:
                if cancelled is not None and cancelled():
                    raise Cancelled("rendering was cancelled")
                if progress is not None:
                    progress(min((number + (step + 1) / model.steps) / len(calls), 1.0))

            if cancelled is not None and cancelled():
                raise Cancelled("rendering was cancelled")
            audio = model.generate(
                [c.prompt for c in call], [c.length_s for c in call], generators, on_step
            )
            for c, clip in zip(call, audio, strict=True):
                outputs[(c.event_index, c.segment)] = clip
        clips = []
        for i, (event, ctx) in enumerate(items):
            segments = [outputs[(i, k)] for k in range(cuts[i].count)]
            joined = join_segments(segments, round(cuts[i].overlap_s * model.sample_rate))
            clips.append(_finish(event, ctx, joined, model.sample_rate))
        if progress is not None:
            progress(1.0)
        return clips

    def _render_continued(
        self,
        model: Any,
        items: Sequence[tuple[Event, RenderContext]],
        progress: ProgressFn | None,
        cancelled: CancelFn | None,
    ) -> list[Clip]:
        """Render on inpainting weights: long events as continuations across their seams, a
        recording's continuation from the recording's last seconds."""
        from soundloom_server.engine.renderers.diffusion.continuation import (
            Continuation,
            render_continued,
        )
        from soundloom_server.engine.renderers.diffusion.recording import (
            RecordingContext,
            finish_recording,
            recording_context,
            recording_prompt,
        )

        jobs: list[Continuation] = []
        contexts: list[RecordingContext | None] = []  # None: an event continuing nothing
        for e, ctx in items:
            key = f"diffusion:{e.id}"
            if e.recipe != RECORDING:
                contexts.append(None)
                jobs.append(Continuation(event_prompt(e, ctx.style), e.duration_s, ctx.seed, key))
                continue
            context = recording_context(e, model)
            contexts.append(context)
            # The context is rendered too (and cut off after): the model remakes what it keeps.
            length = context.seconds(model.sample_rate) + e.duration_s
            prompt = recording_prompt(e, ctx.style)
            jobs.append(Continuation(prompt, length, ctx.seed, key, context.audio))
        audio = render_continued(model, jobs, self.batch_size, progress, cancelled)
        clips = []
        for (e, ctx), a, context in zip(items, audio, contexts, strict=True):
            if context is None:
                clips.append(_finish(e, ctx, a, model.sample_rate))
            else:
                clips.append(finish_recording(e, ctx, a, model.sample_rate, context))
        return clips


def _finish(event: Event, ctx: RenderContext, audio: np.ndarray, rate: int) -> Clip:
    """Model-rate audio -> the scene's rate and length, stereo, finite, at the nominal level."""
    audio = np.nan_to_num(audio, nan=0.0, posinf=0.0, neginf=0.0)
    if rate != ctx.sample_rate:
        g = math.gcd(rate, ctx.sample_rate)
        audio = resample_poly(audio, ctx.sample_rate // g, rate // g, axis=0).astype(np.float32)
    frames = seconds_to_frames(event.duration_s, ctx.sample_rate)
    fitted = np.zeros((frames, audio.shape[1]), dtype=np.float32)
    fitted[: min(frames, audio.shape[0])] = audio[:frames]
    fitted = as_channels(fitted, 2)
    rms = float(np.sqrt(np.mean(np.square(fitted, dtype=np.float64))))
    if rms > 1e-9:
        gain = 10.0 ** (CLIP_RMS_DBFS / 20.0) / rms
        peak = float(np.max(np.abs(fitted))) * gain
        fitted = fitted * np.float32(gain / max(peak / 0.99, 1.0))
    n = min(seconds_to_frames(EDGE_FADE_S, ctx.sample_rate), frames // 2)
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]
        fitted[:n] *= ramp
        fitted[-n:] *= ramp[::-1]
    return Clip(event.id, np.ascontiguousarray(fitted, dtype=np.float32), ctx.sample_rate)
