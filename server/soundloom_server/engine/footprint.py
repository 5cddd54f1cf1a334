"""What a render will hold in memory, estimated from its plan before any sample is made.

Events render straight onto one scene-long mix buffer, a piece at a time: a bed over 45 s as
spliced 20 s segments, anything else whole; one-shots are kept only where they sound. Reverb,
master and encode work through that buffer in chunks. So the peak is the mix buffer (three
more with stems or a loop), the one-shots, and the largest piece's synthesis temporaries. A plan
is admitted only when that estimate fits a budget, so one valid request cannot grow the process
until the kernel kills it.
"""

from __future__ import annotations

import os

from soundloom_server.engine.audio import seconds_to_frames
from soundloom_server.engine.errors import ResourceExhausted
from soundloom_server.engine.loop import loop_tail_frames
from soundloom_server.engine.plan import Event, EventKind, RenderOptions, ScenePlan
from soundloom_server.engine.renderers.procedural import segments

BYTES_PER_SAMPLE = 4  # float32
RENDER_CHANNELS = 2  # recipes render stereo whatever the output
# Scene-long buffers besides the mix: stems (ambience, sfx, then their sum), or a loop's
# crossfade and rotation.
STEM_BUFFERS = 3
LOOP_BUFFERS = 3
# A recipe's temporaries while it synthesises one piece, in clips of that piece (the heaviest
# recipes measure 10-13x; see bench/memory.py).
PIECE_WORKING_COPIES = 20
# Control signals (peaks, power, gains at 1/16 rate, ~32 bytes per 16 frames); chunk
# temporaries, codec buffers and the libraries a first render loads (~40 MB).
CONTROL_BYTES_PER_FRAME = 2
CHUNK_OVERHEAD_BYTES = 48 << 20
FALLBACK_MEMORY_BYTES = 8 << 30


def render_footprint_bytes(plan: ScenePlan, options: RenderOptions) -> int:
    """Estimated peak bytes to render, mix, master and encode `plan` with `options`.

    Calibrated on `python bench/memory.py` (48 kHz stereo, peak RSS less the imports; measured
    / estimated MB: 60 s x 8 beds 201 / 240, 600 s x 1 bed 343 / 487, 600 s x 8 beds 400 / 487):
    the estimate errs high, never low.
    """
    sr = options.sample_rate
    tail = loop_tail_frames(sr, plan.duration_s) if options.loop else 0
    scene_frames = seconds_to_frames(plan.duration_s, sr) + tail
    frame_bytes = RENDER_CHANNELS * BYTES_PER_SAMPLE
    buffers = 1 + (STEM_BUFFERS if options.stems else 0) + (LOOP_BUFFERS if options.loop else 0)
    one_shots = min(  # overlapping one-shots share one region of the sparse track
        sum(seconds_to_frames(e.duration_s, sr) for e in plan.events if e.kind is EventKind.SFX),
        scene_frames,
    )
    piece = max((_piece_frames(e, sr, tail) for e in plan.events), default=0)
    return (
        scene_frames * frame_bytes * buffers
        + one_shots * frame_bytes
        + piece * frame_bytes * PIECE_WORKING_COPIES
        + scene_frames * CONTROL_BYTES_PER_FRAME
        + CHUNK_OVERHEAD_BYTES
    )


def _piece_frames(event: Event, sample_rate: int, tail: int) -> int:
    """The most frames of this event synthesised at once."""
    frames = seconds_to_frames(event.duration_s, sample_rate) + tail
    whole = (
        event.kind is not EventKind.AMBIENCE
        or event.automation.distance
        or not segments.needs_segments(frames, sample_rate)
    )
    if whole:
        return frames
    return int((segments.SEGMENT_S + segments.SPLICE_S + segments.SEARCH_S) * sample_rate)


def default_render_budget_bytes(workers: int = 1, memory_bytes: int | None = None) -> int:
    """Half of this machine's memory (or `memory_bytes`), shared by the renders run at once."""
    total = memory_bytes or _physical_memory_bytes()
    return max(total // 2 // max(workers, 1), 256 << 20)


def _physical_memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return FALLBACK_MEMORY_BYTES


def check_footprint(plan: ScenePlan, options: RenderOptions, budget_bytes: int) -> None:
    """Raise ResourceExhausted naming the budget when the plan would need more memory."""
    need = render_footprint_bytes(plan, options)
    if need > budget_bytes:
        raise ResourceExhausted(
            "max_render_bytes",
            f"this plan needs about {need / 2**20:,.0f} MiB to render ({len(plan.events)} events, "
            f"{sum(e.duration_s for e in plan.events):,.0f} s of event audio at "
            f"{options.sample_rate} Hz) and the server's limit is {budget_bytes / 2**20:,.0f} MiB: "
            "use fewer or shorter events",
        )
