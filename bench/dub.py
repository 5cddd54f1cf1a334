"""Dubbing speed: picture analysis CPU-seconds per minute of video, and the whole dub vs real time.

Makes its own H.264 video (moving boxes over textured shots, a cut every few seconds), then times
`analyse_picture` (decode + cuts + motion + onsets) and the whole job (analysis, plan, render,
mix, master, OGG) in this process, on one core. Goals (issue 16): analysis <= 20 CPU-s per
minute of 720p; the whole dub of a 60 s 720p video faster than real time.
`python bench/dub.py --smoke` is the quick CI variant (5 s at 320x180).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from soundloom_server.engine.dub.job import prepare_dub
from soundloom_server.engine.dub.picture import analyse_picture
from soundloom_server.engine.dub.video import grey_frames, probe_video
from soundloom_server.engine.package import package_scene
from soundloom_server.engine.pipeline import render_scene
from soundloom_server.engine.plan import RenderOptions


def make_video(path: Path, seconds: float, size: tuple[int, int], fps: int = 25) -> None:
    """Shots of 4 s, each a textured colour with a box that moves for half a second now and then."""
    w, h = size
    rng = np.random.default_rng(1)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        colour = rng.integers(0, 255, 3)
        for f in range(int(seconds * fps)):
            if f % (4 * fps) == 0:
                colour = rng.integers(0, 255, 3)
            img = np.empty((h, w, 3), np.uint8)
            img[:] = colour
            img[:: max(h // 20, 2)] = colour // 2
            phase = f % (2 * fps)
            x = int(w * 0.1 + min(phase, fps // 2) * w * 0.6 / (fps // 2))
            img[h // 3 : h // 2, x : x + w // 10] = 250
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def main() -> None:
    """Print analysis CPU-s per minute and the whole dub's real-time factor."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="5 s at 320x180 (CI)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    seconds, size = (5.0, (320, 180)) if args.smoke else (60.0, (1280, 720))
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "bench.mp4"
        make_video(video, seconds, size)
        info = probe_video(video)
        start = time.process_time()
        picture = analyse_picture(grey_frames(info), info.fps)
        analysis = time.process_time() - start
        options = RenderOptions(seed=1, format="ogg")
        wall, cpu = time.perf_counter(), time.process_time()
        dubbed = prepare_dub(
            video, "a harbour at night, rain on tin roofs, footsteps", None, options
        )
        scene = render_scene(dubbed.plan, options)
        package_scene(scene, options, Path(tmp) / "dub.ogg", "bench")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    per_minute = analysis * 60.0 / seconds
    print(
        f"video: {seconds:g} s {size[0]}x{size[1]} @ {info.fps:g} fps, {len(picture.cuts)} cuts, "
        f"{len(picture.onsets)} onsets"
    )
    print(f"analysis: {per_minute:.1f} CPU-s per minute of video")
    print(f"whole dub: {cpu:.1f} CPU-s, {wall:.1f} s wall, {seconds / wall:.1f}x real time")


if __name__ == "__main__":
    main()
