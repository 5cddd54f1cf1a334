"""Diffusion rendering speed: one event at a time versus batched, on Stable Audio Open's layout.

The full-size architecture (DiT 24 layers x 1536 wide, Oobleck VAE, a T5-base-sized encoder) is
built in memory with random weights: no downloads, the same compute as the real checkpoint.
A 60 s scene of 8 events (two beds longer than the 47.55 s window, so they need two segments
each, and six one-shots) is rendered through the diffusion renderer twice: one pipeline call per
event, then all events batched. Prints seconds, event-audio seconds per second, the time to the
first finished event, and the speed-up.

    python bench/neural.py                      # full size, bf16 on the GPU, 50 steps
    python bench/neural.py --smoke              # tiny model on the CPU (CI)
    python bench/neural.py --steps 100 --events 8 --device cuda --batch 16
"""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass
from typing import Any

from soundloom_server.engine.plan import Event, EventKind
from soundloom_server.engine.renderers.base import RenderContext

ONE_SHOTS = (
    ("a heavy wooden door slams", 1.5),
    ("distant thunder rolls", 6.0),
    ("footsteps on wet planks", 4.0),
    ("a sword hits a shield", 1.0),
    ("a raven caws twice", 2.5),
    ("a lantern creaks in the wind", 8.0),
)
BEDS = ("steady rain on tin roofs", "harbour water lapping against the pier")


@dataclass
class Result:
    """One mode's figures."""

    mode: str
    calls: int
    seconds: float
    first_event_s: float
    audio_s: float


def scene_events(count: int, scene_s: float) -> list[Event]:
    """`count` events for a `scene_s` scene: up to two full-length beds, then one-shots."""
    events: list[Event] = []
    for i, caption in enumerate(BEDS[: min(2, count)]):
        events.append(Event(f"bed{i}", EventKind.AMBIENCE, caption, "rain", 0.0, scene_s))
    for i in range(count - len(events)):
        caption, length = ONE_SHOTS[i % len(ONE_SHOTS)]
        length = min(length, scene_s)
        start = min(3.0 + 7.0 * i, scene_s - length)
        events.append(Event(f"sfx{i}", EventKind.SFX, caption, "impact", start, length))
    return events


def build_model(smoke: bool, device: str, steps: int) -> Any:
    """A LoadedModel around a StableAudioPipeline with random weights, on `device`."""
    import torch
    from diffusers import StableAudioPipeline

    from soundloom_server.engine.neural import select_dtype
    from soundloom_server.engine.neural.tiny import (
        stable_audio_components,
        t5_tokenizer,
        tiny_stable_audio_pipeline,
    )
    from soundloom_server.engine.renderers.diffusion.models import LoadedModel

    torch.manual_seed(0)
    if smoke:
        pipe = tiny_stable_audio_pipeline()
    else:
        tokenizer = t5_tokenizer(model_max_length=128)
        # Initialise on the device: a billion random parameters are slow to make on the CPU.
        with torch.device(device):
            pipe = StableAudioPipeline(**stable_audio_components(tokenizer=tokenizer))
    pipe.to(device)
    dtype = select_dtype(device)
    if dtype != torch.float32:
        pipe.to(dtype=dtype)
    pipe.set_progress_bar_config(disable=True)
    rate = int(pipe.vae.config.sampling_rate)
    return LoadedModel(
        layout="stable-audio",
        pipe=pipe,
        device=device,
        sample_rate=rate,
        channels=2,
        max_s=pipe.transformer.config.sample_size * pipe.vae.hop_length / rate,
        steps=steps,
        guidance_scale=7.0,
        lock=threading.Lock(),
    )


def run_mode(renderer: Any, events: list[Event], ctx: RenderContext, batched: bool) -> Result:
    """Render every event, batched or one call per event; time it."""
    from soundloom_server.engine.renderers.diffusion.models import LoadedModel

    calls = 0
    original = LoadedModel.generate

    def counted(self: LoadedModel, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(self, *args, **kwargs)

    LoadedModel.generate = counted  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        first = None
        if batched:
            renderer.render_batch([(e, ctx) for e in events])
            first = time.perf_counter() - start  # every event finishes with the batch
        else:
            for event in events:
                renderer.render_batch([(event, ctx)])
                first = first or time.perf_counter() - start
        seconds = time.perf_counter() - start
    finally:
        LoadedModel.generate = original  # type: ignore[method-assign]
    mode = "batched" if batched else "one at a time"
    return Result(mode, calls, seconds, first or seconds, sum(e.duration_s for e in events))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny model on the CPU (CI)")
    parser.add_argument("--steps", type=int, help="denoising steps (default 50; smoke 2)")
    parser.add_argument("--events", type=int, default=8, help="events in the scene (default 8)")
    parser.add_argument("--duration", type=float, help="scene seconds (default 60; smoke 6)")
    parser.add_argument("--device", help="cuda, cpu, ... (default: cuda when available)")
    parser.add_argument("--batch", type=int, default=16, help="items per pipeline call")
    args = parser.parse_args(argv)

    import torch

    from soundloom_server.engine.neural import select_device
    from soundloom_server.engine.renderers.diffusion import DiffusionRenderer

    device = args.device or ("cpu" if args.smoke else select_device())
    steps = args.steps or (2 if args.smoke else 50)
    scene_s = args.duration or (6.0 if args.smoke else 60.0)
    if args.smoke:
        torch.set_num_threads(1)  # tiny tensors: one thread beats contention on shared CI boxes
    t0 = time.perf_counter()
    model = build_model(args.smoke, device, steps)
    build_s = time.perf_counter() - t0
    renderer = DiffusionRenderer(loaded=model, batch_size=args.batch)
    events = scene_events(args.events, scene_s)
    ctx = RenderContext(sample_rate=48000, seed=1, style="noir")
    params = sum(p.numel() for p in model.pipe.transformer.parameters()) / 1e6
    dtype = str(next(model.pipe.transformer.parameters()).dtype).replace("torch.", "")
    name = torch.cuda.get_device_name() if device.startswith("cuda") else "cpu"
    print(
        f"device {device} ({name})  {dtype}  DiT {params:.0f} M params  window "
        f"{model.max_s:.2f} s  steps {steps}  batch {args.batch}  built in {build_s:.1f} s"
    )
    print(f"scene {scene_s:g} s, {len(events)} events, {sum(e.duration_s for e in events):g} s")
    renderer.render_batch([(events[-1], ctx)])  # warm-up: kernels, allocator, autotuning
    results = [run_mode(renderer, events, ctx, batched) for batched in (False, True)]
    base = results[0].seconds
    print(
        f"{'mode':<14} {'calls':>5} {'seconds':>9} {'audio-s/s':>10} {'first event':>12} speed-up"
    )
    for r in results:
        print(
            f"{r.mode:<14} {r.calls:>5} {r.seconds:>9.2f} {r.audio_s / r.seconds:>10.2f} "
            f"{r.first_event_s:>11.2f}s {base / r.seconds:>7.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
