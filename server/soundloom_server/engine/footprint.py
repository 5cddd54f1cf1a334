"""What a render will hold in memory, estimated from its plan before any sample is made.

Every event is rendered to a float32 stereo clip and all clips live until the mix; the mix,
its stems, the reverb send, the master and the 4x-oversampled true-peak pass each hold a
scene-long buffer. A plan is admitted only when that estimate fits a budget, so one valid
request cannot grow the process until the kernel kills it.
"""

from __future__ import annotations

import os

from soundloom_server.engine.audio import seconds_to_frames
from soundloom_server.engine.errors import ResourceExhausted
from soundloom_server.engine.loop import loop_tail_frames
from soundloom_server.engine.plan import RenderOptions, ScenePlan

BYTES_PER_SAMPLE = 4  # float32
RENDER_CHANNELS = 2  # recipes render stereo whatever the output
# Scene-long buffers alive at the peak: mix, reverb send and return, master gain curve,
# true-peak oversampling, loop fold, encode. Calibrated on `python bench/memory.py` (48 kHz
# stereo, peak RSS): 600 s x 1 bed 3.06 GB (estimate 3.3), 600 s x 8 beds 3.75 GB (estimate
# 4.8): the estimate errs high, never low.
SCENE_BUFFERS = 11
# A recipe's temporaries while it renders one event (noise, filtered layers, envelopes).
EVENT_WORKING_COPIES = 3
FALLBACK_MEMORY_BYTES = 8 << 30


def render_footprint_bytes(plan: ScenePlan, options: RenderOptions) -> int:
    """Estimated peak bytes to render, mix and master `plan` with `options`."""
    sr = options.sample_rate
    tail = loop_tail_frames(sr, plan.duration_s) if options.loop else 0
    scene_frames = seconds_to_frames(plan.duration_s, sr) + tail
    event_frames = [seconds_to_frames(e.duration_s, sr) + tail for e in plan.events]
    frame_bytes = RENDER_CHANNELS * BYTES_PER_SAMPLE
    clips = sum(event_frames) * frame_bytes
    working = max(event_frames, default=0) * frame_bytes * EVENT_WORKING_COPIES
    return clips + working + scene_frames * frame_bytes * SCENE_BUFFERS


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
