"""A recording continued on Stable Audio 3 inpainting weights: a plan's `continuation` event.

What conditions the model: the text of the event's `prompt` param (what the clip sounds like,
the recipes it resembles, then the user's description; the caption where there is none) with
the scene's style; the length asked for (the duration embedder); and, as known audio (mask 1) at
the start of the first segment, the clip's last seconds before the event starts (clip time
seam_s - lead_s; at most half the model's window and 10 s, in whole latent frames, resampled to
the model's rate and channels). Later segments continue the one before, as any long event's do.
The model regenerates the known context, so that part is cut off: the event's audio begins
where the context ends. The new audio is brought to the level of the clip's context (ungated
K-weighted power, at the scene's rate and the clip's channels) instead of the -20 dBFS nominal
of text-to-audio clips, so the seam has no step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import resample_poly

from soundloom_server.engine.audio import Clip, as_channels, seconds_to_frames
from soundloom_server.engine.continuation.source import SourceClip, clip_at_rate
from soundloom_server.engine.errors import Unavailable
from soundloom_server.engine.loudness import k_weighted, weighted_power
from soundloom_server.engine.plan import Event
from soundloom_server.engine.renderers.base import RenderContext

RECIPE = "continuation"
LAYOUT = "stable-audio-3-inpaint"
MAX_CONTEXT_S = 10.0
CONTEXT_SHARE = 0.5  # of the model's window: the rest of the first segment is new audio
MAX_GAIN_DB = 40.0  # a near-silent output is not blown up into its noise floor
EDGE_FADE_S = 0.004


@dataclass(frozen=True)
class RecordingContext:
    """The known audio given to the model (its rate and channels) and where it came from."""

    audio: np.ndarray  # (frames, model channels), frames a whole number of latent frames
    start_s: float  # clip time where the event starts (the context ends here)

    def seconds(self, model_rate: int) -> float:
        """The context's length, seconds."""
        return self.audio.shape[0] / model_rate


def refuse_unless_inpainting(layout: str | None, where: str, folder: object) -> None:
    """Unavailable, naming `where`.renderer, unless the weights are SA3 inpainting ones."""
    if layout != LAYOUT:
        raise Unavailable(
            f"{where}.renderer diffusion: a continuation event needs Stable Audio 3 inpainting "
            f"weights (a StableAudio3InpaintPipeline folder); {folder} holds {layout or 'none'}"
        )


def recording_prompt(event: Event, style: str) -> str:
    """The text conditioning a continuation: its prompt (else caption), ambience, the style."""
    words = str(event.params.get("prompt", "") or event.caption).strip()
    parts = [words, "continuous ambience"]
    if style.strip():
        parts.append(style.strip())
    return ", ".join(p for p in parts if p)


def _source(event: Event, sample_rate: int) -> SourceClip:
    field = f"events[{event.id}].params.path"
    return clip_at_rate(
        str(event.params["path"]), str(event.params.get("sha256", "")), sample_rate, field
    )


def _start_s(event: Event, duration_s: float) -> float:
    """Clip time where the event begins: half a crossfade (lead_s) before the seam."""
    seam_s = min(float(event.params.get("seam_s", duration_s)), duration_s)
    return max(seam_s - float(event.params.get("lead_s", 0.0)), 0.0)


def recording_context(event: Event, model: Any) -> RecordingContext:
    """The clip's last seconds before the event, at the model's rate and channels."""
    source = _source(event, model.sample_rate)
    start_s = _start_s(event, source.duration_s)
    ratio = int(model.pipe.vae.downsampling_ratio)
    end = seconds_to_frames(start_s, model.sample_rate)
    longest = min(CONTEXT_SHARE * model.max_s, MAX_CONTEXT_S, start_s)
    # Whole latent frames only: the mask preserves whole frames, so a part-frame would be
    # regenerated and the cut below would not fall where the known audio ends.
    frames = seconds_to_frames(longest, model.sample_rate) // ratio * ratio
    tail = source.samples[end - frames : end] if frames else source.samples[:0]
    audio = np.ascontiguousarray(as_channels(tail, model.channels), dtype=np.float32)
    return RecordingContext(audio, start_s)


def finish_recording(
    event: Event, ctx: RenderContext, audio: np.ndarray, rate: int, context: RecordingContext
) -> Clip:
    """Model output (context included) -> the new part at the scene's rate, the clip's channels
    and the level of the clip's context, exactly the event's length."""
    audio = np.nan_to_num(audio[context.audio.shape[0] :], nan=0.0, posinf=0.0, neginf=0.0)
    if rate != ctx.sample_rate:
        g = math.gcd(rate, ctx.sample_rate)
        audio = resample_poly(audio, ctx.sample_rate // g, rate // g, axis=0).astype(np.float32)
    source = _source(event, ctx.sample_rate)
    frames = seconds_to_frames(event.duration_s, ctx.sample_rate)
    fitted = np.zeros((frames, audio.shape[1]), dtype=np.float32)
    fitted[: min(frames, audio.shape[0])] = audio[:frames]
    fitted = as_channels(fitted, source.channels)
    end = seconds_to_frames(context.start_s, ctx.sample_rate)
    span = max(seconds_to_frames(context.seconds(rate), ctx.sample_rate), 1)
    reference = source.samples[max(end - span, 0) : end]
    if reference.shape[0] == 0:
        reference = source.samples[:span]  # nothing before the event: what the clip opens with
    fitted = fitted * np.float32(_matching_gain(reference, fitted[: reference.shape[0]], ctx))
    # Only the end is faded: the start meets the clip in the mix's crossfade, or opens an
    # only-new file where a fade would be a dip at the seam.
    n = min(seconds_to_frames(EDGE_FADE_S, ctx.sample_rate), frames // 2)
    if n > 0:
        fitted[-n:] *= np.linspace(1.0, 0.0, n, dtype=np.float32)[:, None]
    return Clip(event.id, np.ascontiguousarray(fitted, dtype=np.float32), ctx.sample_rate)


def _matching_gain(reference: np.ndarray, new: np.ndarray, ctx: RenderContext) -> float:
    """The gain bringing `new`'s K-weighted power to `reference`'s (1 where either is silent)."""
    if reference.shape[0] == 0 or new.shape[0] == 0:
        return 1.0
    want = float(weighted_power(k_weighted(reference, ctx.sample_rate)).mean(dtype=np.float64))
    have = float(weighted_power(k_weighted(new, ctx.sample_rate)).mean(dtype=np.float64))
    if want <= 1e-12 or have <= 1e-12:
        return 1.0
    gain_db = min(max(10.0 * math.log10(want / have), -MAX_GAIN_DB), MAX_GAIN_DB)
    # No peak ceiling here, unlike text-to-audio clips: one would reopen a step at the seam,
    # and the master's true-peak limiter takes the mix's peaks.
    return 10.0 ** (gain_db / 20.0)
