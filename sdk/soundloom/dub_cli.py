"""`soundloom dub VIDEO`: a soundtrack in sync with the picture.

The video is checked before anything else (not a video, corrupt or truncated, audio only, no
frames, longer than 600 s, a codec FFmpeg cannot decode: one line naming it, exit 2, nothing
written); then every output path is checked; then the plan (beds per place, one-shots at the
picture's motion onsets) renders like any plan, and `--preview` muxes it under the video.
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path
from typing import Any


def add_dub_parser(commands: Any, add_render_options: Any) -> None:
    """The `dub` subcommand's arguments (the render options are generate's)."""
    dub = commands.add_parser("dub", help="a soundtrack for a video, in sync with its picture")
    dub.add_argument("video", type=Path, help="the video (MP4, MKV, MOV, WebM ...; up to 600 s)")
    dub.add_argument("--description", default="", help="what is heard, in words")
    dub.add_argument(
        "--shots", type=Path, metavar="TOML", help='per-shot words: shots = ["...", "...", ...]'
    )
    dub.add_argument(
        "--preview", type=Path, metavar="MP4", help="also write the video with the new audio"
    )
    dub.add_argument(
        "--keep-audio",
        action="store_true",
        help="keep the video's own sound under the new one (written beside the output as WAV)",
    )
    dub.add_argument(
        "--captioner",
        type=Path,
        metavar="DIR",
        help="an image-captioning model folder: shots without words get a caption of their picture",
    )
    dub.add_argument("--plan-out", type=Path, metavar="JSON", help="also save the plan")
    add_render_options(dub)  # its --spectrogram draws the frames, cuts and onsets over it too
    for action in dub._actions:  # -o is optional here: VIDEO_dub.ogg beside the video
        if action.dest == "output":
            action.required, action.default = False, None


def run_dub(args: argparse.Namespace, produce: Any) -> int:
    """Check the video, plan from picture and words, render, and mux the preview."""
    from soundloom.cli_outputs import check_writable
    from soundloom_server.engine.dub.job import mark_cuts, prepare_dub
    from soundloom_server.engine.dub.preview import ffmpeg_exe, mux_preview
    from soundloom_server.engine.plan import RenderOptions

    args.output = args.output or args.video.with_name(f"{args.video.stem}_dub.ogg")
    if args.preview is not None:
        ffmpeg_exe()  # refuse early when the muxer is missing
        check_writable(args.preview, "preview")
    options = RenderOptions(seed=args.seed, sample_rate=args.sample_rate)
    own = args.output.with_name(f"{args.output.stem}.source.wav") if args.keep_audio else None
    if own is not None:
        check_writable(own, "keep_audio")
    dubbed = prepare_dub(args.video, args.description, args.shots, options, own, args.captioner)
    picture_path, args.spectrogram = args.spectrogram, None  # the dub draws its own, below
    if picture_path is not None:
        check_writable(picture_path, "spectrogram")
    code = produce(
        args, dubbed.plan, args.video.stem, functools.partial(mark_cuts, picture=dubbed.picture)
    )
    if picture_path is not None:
        from soundloom.dub_picture import write_dub_picture
        from soundloom_server.engine.encode import decode

        audio, rate = decode(args.output)
        title = args.description or f"{args.video.name}: dubbed"
        write_dub_picture(picture_path, args.video, dubbed.picture, audio, rate, title)
    if args.preview is not None:
        mux_preview(args.video, args.output, args.preview)
        if not args.quiet and not args.json:
            print(f"{args.preview}  preview: {dubbed.video.codec} copied, audio AAC")
    return code
