"""Long events on Stable Audio 3 inpainting weights: each segment continues the one before.

`plan_segments` cuts an event as it does for independent segments, but here the overlap is
context, not a crossfade zone: segment k+1 is inpainted with the last `overlap_s` of segment k
given as known audio (mask 1) and the rest (mask 0, the new part) generated, so the new material
continues what came before; a job's first segment may start with known audio of its own (a
recording's tail, see `recording`). An event's segments therefore run in rounds (round r holds every
event's r-th segment) and each round is batched across events. The model regenerates the known
context, so the join keeps the earlier audio and crosses to the continuation in a short fade
that ends where the context does, where both sides carry the same material.
Torch is imported inside the functions only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from soundloom_server.engine.errors import Cancelled
from soundloom_server.engine.renderers.diffusion.pipeline_calls import shadowed, trim_items
from soundloom_server.engine.renderers.diffusion.segments import join_segments, plan_segments

LAYOUT = "stable-audio-3-inpaint"
SEAM_FADE_S = 0.05  # long enough to hide a sample-level mismatch, short against the context

StepFn = Callable[[int], None]


@dataclass(frozen=True)
class Continuation:
    """One event to render: its prompt, length, scene seed and seed key (segment appended),
    and optionally audio its first segment starts with (known, mask 1: a recording's tail)."""

    prompt: str
    duration_s: float
    seed: int
    key: str
    context: np.ndarray | None = None  # (frames, model channels) at the model's rate


def render_continued(
    model: Any,
    jobs: Sequence[Continuation],
    batch_size: int,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[np.ndarray]:
    """Render every job as (frames, channels) audio, long ones as inpainted continuations."""
    from soundloom_server.engine.neural import torch_generator

    plans = [plan_segments(job.duration_s, model.max_s) for job in jobs]
    rounds = max((plan.count for plan in plans), default=0)
    schedule = []
    for r in range(rounds):
        members = [i for i, plan in enumerate(plans) if plan.count > r]
        schedule.append([members[i : i + batch_size] for i in range(0, len(members), batch_size)])
    total = sum(len(calls) for calls in schedule)
    audio: list[np.ndarray] = [np.zeros((0, model.channels), np.float32) for _ in jobs]
    done = 0
    for r, calls in enumerate(schedule):
        for call in calls:
            if cancelled is not None and cancelled():
                raise Cancelled("rendering was cancelled")

            def on_step(step: int, done: int = done) -> None:
                if cancelled is not None and cancelled():
                    raise Cancelled("rendering was cancelled")
                if progress is not None:
                    progress(min((done + (step + 1) / model.steps) / total, 1.0))

            overlaps = [round(plans[i].overlap_s * model.sample_rate) for i in call]
            known = [
                jobs[i].context if r == 0 else audio[i][-n:]
                for i, n in zip(call, overlaps, strict=True)
            ]
            segments = inpaint(
                model,
                [jobs[i].prompt for i in call],
                [plans[i].length_s for i in call],
                [torch_generator(jobs[i].seed, f"{jobs[i].key}:{r}") for i in call],
                known,
                on_step,
            )
            for i, n, segment in zip(call, overlaps, segments, strict=True):
                audio[i] = segment if r == 0 else continue_with(model, audio[i], segment, n)
            done += 1
    if progress is not None:
        progress(1.0)
    return audio


def continue_with(model: Any, before: np.ndarray, segment: np.ndarray, known: int) -> np.ndarray:
    """`before`, then `segment` past its first `known` frames (which re-make `before`'s tail)."""
    # Only whole latent frames were marked known (see `inpaint`); the rest of the tail was new.
    kept = known // model.pipe.vae.downsampling_ratio * model.pipe.vae.downsampling_ratio
    if kept == 0:
        # No context reached the model: the segment is independent, so join as the others do.
        return join_segments([before, segment], known)
    start = before.shape[0] - known + kept  # where the segment's new material begins
    fade = min(round(SEAM_FADE_S * model.sample_rate), kept)
    # Raised-cosine gains summing to one: both sides carry the same material, so no
    # equal-power bump, and the gains start and end flat so the seam has no corner.
    t = (np.arange(fade, dtype=np.float64) + 0.5) / fade
    fade_in = (0.5 - 0.5 * np.cos(np.pi * t)).astype(np.float32)[:, None]
    seam = before[start - fade : start] * (1.0 - fade_in) + segment[kept - fade : kept] * fade_in
    return np.concatenate([before[: start - fade], seam, segment[kept:]]).astype(np.float32)


def inpaint(
    model: Any,
    prompts: list[str],
    lengths_s: list[float],
    generators: list[Any],
    known: Sequence[np.ndarray | None],
    on_step: StepFn,
) -> list[np.ndarray]:
    """One pipeline call: item i is `lengths_s[i]` long and starts with `known[i]` (or nothing)."""
    import torch

    pipe = model.pipe
    ratio = int(pipe.vae.downsampling_ratio)
    longest = max(lengths_s)
    # The pipeline's own latent length for `duration=longest` (no silence padding).
    latent_length = math.ceil(longest * model.sample_rate / ratio)
    reference = torch.zeros(len(prompts), model.channels, latent_length * ratio)
    mask = torch.zeros(len(prompts), 1, latent_length)  # 1 = preserve, 0 = generate
    for b, tail in enumerate(known):
        if tail is None or tail.shape[0] == 0:
            continue
        frames = min(tail.shape[0], reference.shape[-1])
        reference[b, :, :frames] = torch.from_numpy(np.ascontiguousarray(tail[:frames].T))
        # A latent frame only partly covered by the tail would be "preserved" half silent.
        mask[b, :, : frames // ratio] = 1.0

    def callback(pipeline: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> dict:
        on_step(step)  # may raise Cancelled: the pipeline stops between steps
        return {}

    with model.lock, torch.inference_mode(), _per_item_durations(pipe, lengths_s):
        batch = pipe(
            prompt=prompts,
            duration=longest,
            audio=reference.to(model.device),
            mask=mask.to(model.device),
            num_inference_steps=model.steps,
            generator=generators,
            callback_on_step_end=callback,
            output_type="pt",
        ).audios
    return trim_items(batch.float().cpu().numpy(), lengths_s, model.sample_rate)


def _per_item_durations(pipe: Any, lengths_s: list[float]) -> Any:
    """StableAudio3: item i conditioned on lengths_s[i] (its duration embedder takes a batch)."""
    import torch

    def encode_duration(duration: float, device: Any, per_prompt: int, batch_size: int) -> Any:
        seconds = torch.tensor(lengths_s, dtype=torch.float32, device=device)
        return pipe.duration_embedder(seconds).repeat_interleave(per_prompt, dim=0)

    return shadowed(pipe, "encode_duration", encode_duration)
