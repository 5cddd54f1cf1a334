"""Loading diffusers audio pipelines from local folders and calling them in batches.

One adapter per layout hides the pipelines' differences behind `generate(prompts, lengths,
generators, steps, on_step)`: Stable Audio Open conditions every item on its own length (the
pipeline takes one length per call, so the duration encoder is given per-item lengths), AudioLDM2
has no length conditioning (the batch is made at its longest item and each item is cut), Stable
Audio 3 inpainting weights are called through `continuation.inpaint` (nothing known here).
Everything here imports torch/diffusers, so only the renderer's render calls reach it.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from soundloom_server.engine.renderers.diffusion.pipeline_calls import shadowed, trim_items

StepFn = Callable[[int], None]

# model_index.json `_class_name` -> layout.
LAYOUTS = {
    "StableAudioPipeline": "stable-audio",
    "AudioLDM2Pipeline": "audioldm2",
    "StableAudio3InpaintPipeline": "stable-audio-3-inpaint",  # long events: see continuation.py
}


def pipeline_layout(folder: Path) -> str | None:
    """The layout of the pipeline saved in `folder` (from model_index.json), or None."""
    try:
        index = json.loads((folder / "model_index.json").read_text())
    except (OSError, ValueError):
        return None
    return LAYOUTS.get(str(index.get("_class_name", "")))


@dataclass
class LoadedModel:
    """A pipeline on a device, with its output rate, channels and longest window."""

    layout: str
    pipe: Any
    device: str
    sample_rate: int
    channels: int
    max_s: float
    steps: int
    guidance_scale: float
    lock: threading.Lock

    def generate(
        self,
        prompts: list[str],
        lengths_s: list[float],
        generators: list[Any],
        on_step: StepFn,
    ) -> list[np.ndarray]:
        """One pipeline call for all prompts: (frames, channels) float32 per item at its length."""
        import torch

        if self.layout == "stable-audio-3-inpaint":
            from soundloom_server.engine.renderers.diffusion.continuation import inpaint

            return inpaint(self, prompts, lengths_s, generators, [None] * len(prompts), on_step)

        def callback(step: int, timestep: Any, latents: Any) -> None:
            on_step(step)  # may raise Cancelled: the pipeline stops between steps

        longest = max(lengths_s)
        # What both layouts' pipelines take alike; they name the length and the output apart.
        call = functools.partial(
            self.pipe,
            prompt=prompts,
            num_inference_steps=self.steps,
            guidance_scale=self.guidance_scale,
            generator=generators,
            callback=callback,
            callback_steps=1,
        )
        with self.lock, torch.inference_mode():
            if self.layout == "stable-audio":
                with _per_item_durations(self.pipe, lengths_s):
                    audio = call(audio_end_in_s=longest, output_type="pt").audios
                batch = audio.float().cpu().numpy()  # (batch, channels, frames)
            else:
                mono = call(audio_length_in_s=longest, output_type="np").audios  # (batch, frames)
                batch = np.asarray(mono, dtype=np.float32)[:, None, :]
        return trim_items(batch, lengths_s, self.sample_rate)


def _per_item_durations(pipe: Any, lengths_s: list[float]) -> Any:
    """StableAudioPipeline: item i conditioned on lengths_s[i] (`encode_duration` takes lists)."""
    original = pipe.encode_duration

    def encode_duration(start: Any, end: Any, device: Any, cfg: bool, batch_size: int) -> Any:
        return original([0.0] * len(lengths_s), list(lengths_s), device, cfg, batch_size)

    return shadowed(pipe, "encode_duration", encode_duration)


def load_model(folder: Path, device: str, steps: int | None, guidance: float | None) -> LoadedModel:
    """Load the pipeline saved in `folder` onto `device` (bf16 on a GPU, float32 on the CPU)."""
    from soundloom_server.engine.neural import diffusers_from_pretrained, select_dtype

    layout = pipeline_layout(folder)
    dtype = select_dtype(device)
    if layout == "stable-audio":
        from diffusers import StableAudioPipeline

        pipe = diffusers_from_pretrained(StableAudioPipeline, folder, dtype)
        rate = int(pipe.vae.config.sampling_rate)
        channels = int(pipe.vae.config.audio_channels)
        max_s = pipe.transformer.config.sample_size * pipe.vae.hop_length / rate
        default_steps, default_guidance = 100, 7.0
    elif layout == "audioldm2":
        from diffusers import AudioLDM2Pipeline

        pipe = diffusers_from_pretrained(AudioLDM2Pipeline, folder, dtype)
        rate = int(pipe.vocoder.config.sampling_rate)
        channels = 1
        upsample = float(np.prod(pipe.vocoder.config.upsample_rates)) / rate
        max_s = pipe.unet.config.sample_size * pipe.vae_scale_factor * upsample
        default_steps, default_guidance = 200, 3.5
    elif layout == "stable-audio-3-inpaint":
        from diffusers import StableAudio3InpaintPipeline

        pipe = diffusers_from_pretrained(StableAudio3InpaintPipeline, folder, dtype)
        rate = int(pipe.vae.config.sampling_rate)
        channels = int(pipe.vae.config.audio_channels)
        # The DiT has no fixed window; durations past the embedder's range are clamped, so the
        # longest length the model is conditioned on is its window.
        max_s = pipe.duration_embedder.config.max_val
        # The pipeline's own defaults: 8 ping-pong steps distilled, 100 Euler steps otherwise.
        default_steps = 8 if pipe.scheduler.config.get("stochastic_sampling") else 100
        default_guidance = 1.0  # no classifier-free guidance in this pipeline
    else:
        raise ValueError(f"{folder} holds no pipeline of a known layout ({', '.join(LAYOUTS)})")
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return LoadedModel(
        layout=layout,
        pipe=pipe,
        device=device,
        sample_rate=rate,
        channels=channels,
        max_s=float(max_s),
        steps=steps or default_steps,
        guidance_scale=default_guidance if guidance is None else guidance,
        lock=threading.Lock(),
    )
