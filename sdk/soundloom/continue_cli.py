"""`soundloom continue CLIP --duration S`: the clip followed by what comes next.

The clip is read and checked before anything else (not audio, empty, shorter than 0.5 s, longer
than 600 s, NaN samples, an unsupported format: one line naming it, exit 2, nothing written);
then every output path is checked; then the continuation plan renders like any plan.
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path
from typing import Any

from soundloom.cli_outputs import check_writable, main_output
from soundloom_server.engine.plan import FORMATS, SAMPLE_RATES, RenderOptions

DEFAULTS = RenderOptions()


def add_continue_parser(commands: Any) -> None:
    """The `continue` subcommand's arguments."""
    cont = commands.add_parser(
        "continue", help="continue a recording: the clip followed by what comes next"
    )
    cont.add_argument("clip", type=Path, help="the recording (WAV, FLAC or OGG Vorbis, 0.5-600 s)")
    cont.add_argument(
        "--duration", type=float, required=True, help="length of the continuation, seconds"
    )
    cont.add_argument(
        "--description", default="", help='what happens next, e.g. "then thunder rolls"'
    )
    cont.add_argument(
        "-o", "--output", type=Path, help="output file (default CLIP_continued.wav beside it)"
    )
    cont.add_argument(
        "--only-new", action="store_true", help="write only the new part (it starts at the seam)"
    )
    cont.add_argument("--loop", action="store_true", help="make the result a seamless loop")
    cont.add_argument(
        "--no-events", action="store_true", help="continue the bed only, no re-emitted events"
    )
    cont.add_argument("--plan-out", type=Path, metavar="JSON", help="also save the plan")
    cont.add_argument("--format", choices=FORMATS, help="container; default from the suffix")
    cont.add_argument(
        "--loudness", help="target (preset or LUFS); default: the clip's own loudness"
    )
    cont.add_argument(
        "--true-peak", type=float, default=DEFAULTS.true_peak_db, help="true-peak ceiling, dBTP"
    )
    cont.add_argument(
        "--seed", type=int, default=DEFAULTS.seed, help="random seed (same seed, same sound)"
    )
    cont.add_argument("--sample-rate", type=int, help=f"one of {SAMPLE_RATES}; default: the clip's")
    cont.add_argument("--channels", type=int, help="1 or 2; default: the clip's")
    cont.add_argument(
        "--bit-depth", type=int, default=DEFAULTS.bit_depth, help="WAV bits: 16 or 24"
    )
    cont.add_argument("--planner", default=DEFAULTS.planner, help="planner for --description")
    cont.add_argument(
        "--renderer",
        default=DEFAULTS.renderer,
        help="diffusion: continue on Stable Audio 3 inpainting weights (else procedural)",
    )
    cont.add_argument(
        "--model", metavar="PATH", help="diffusion weights folder (else $SOUNDLOOM_MODELS)"
    )
    cont.add_argument("--spectrogram", type=Path, metavar="PNG", help="save waveform + spectrogram")
    cont.add_argument("-q", "--quiet", action="store_true", help="print nothing but the result")
    cont.add_argument(
        "--json", action="store_true", help="the result as JSON; progress and errors as JSON lines"
    )


def default_output(clip: Path) -> Path:
    """CLIP_continued.wav next to the clip."""
    return clip.with_name(f"{clip.stem}_continued.wav")


def run_continue(args: argparse.Namespace) -> int:
    """Check the clip, plan and render its continuation, write the files."""
    from soundloom.cli_scene import flag_options, produce_files, report_asset
    from soundloom.progress_view import choose_mode, stage_view
    from soundloom_server.engine.cache_key import cache_key
    from soundloom_server.engine.continuation.job import (
        ContinueRequest,
        default_options,
        mark_seam,
        prepare,
    )
    from soundloom_server.engine.package import sidecar_path_for

    request = ContinueRequest(
        clip=str(args.clip),
        duration_s=args.duration,
        description=args.description,
        only_new=args.only_new,
        events=not args.no_events,
    )
    prepared = prepare(request, seed=args.seed, planner=args.planner, renderer=args.renderer)
    output, fmt = main_output(args.output or default_output(args.clip), args.format, args.clip.stem)
    options = default_options(
        prepared, format=fmt, planner=args.planner, renderer=args.renderer, **flag_options(args)
    )
    for field, path in (
        ("output", output),
        ("output", sidecar_path_for(output)),
        ("plan_out", args.plan_out),
        ("spectrogram", args.spectrogram),
    ):
        if path is not None:
            check_writable(path, field)
    if output.resolve() == args.clip.resolve():
        from soundloom_server.engine.errors import InvalidArgument

        raise InvalidArgument("output", f"{output} is the clip itself; choose another file")
    plan = prepared.planned.plan
    view = stage_view(choose_mode(args.quiet, args.json))
    view.set_events(len(plan.events))
    seam = functools.partial(mark_seam, seam_s=prepared.planned.seam_s)
    try:
        key = cache_key(plan, options)
        asset = produce_files(args, plan, options, output, key, view, edit=seam)
    finally:
        view.close()
    report_asset(args, asset)
    return 0
