"""The `soundloom` command: generate, plan, render, schema, recipes, gallery."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from soundloom.backends_cli import add_backends_parser, run_backends
from soundloom.bank.cli import add_bank_command, run_bank_command
from soundloom.cache import add_cache_command, run_cache_command
from soundloom.cli_outputs import check_writable, main_output
from soundloom.cli_scene import (
    flag_options,
    produce_files,
    report_asset,
    save_asset,
    say_what_found_nothing,
)
from soundloom.cli_server import add_server_arguments, client_for
from soundloom.continue_cli import add_continue_parser, run_continue
from soundloom.dev import add_dev_parser, run_dev
from soundloom.dub_cli import add_dub_parser, run_dub
from soundloom.progress_view import choose_mode, emit_json, stage_view
from soundloom_server.engine.errors import InvalidArgument, SoundloomError
from soundloom_server.engine.plan import (
    FORMATS,
    MAX_SCENE_S,
    SAMPLE_RATES,
    RenderOptions,
    ScenePlan,
    SceneRequest,
    plan_from_json,
    plan_json_schema,
    plan_to_json,
    validate_options,
)

EXIT_BAD_INPUT = 2
DEFAULTS = RenderOptions()  # every option's default, from the one definition
SERVE_HELP = "run the gRPC server and the HTTP/JSON gateway"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line, exit 2."""

    def error(self, message: str) -> NoReturn:
        print(
            f"soundloom: error: {message} (see soundloom {self.prog.split()[-1]} --help)",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_BAD_INPUT)


def _add_render_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="output file (.ogg, .wav, .flac)"
    )
    parser.add_argument(
        "--format", choices=FORMATS, help="container; default from the output suffix, else ogg"
    )
    parser.add_argument(
        "--loudness",
        default=DEFAULTS.loudness,
        help="console (-24), mobile (-18), broadcast (-23), streaming (-16) or LUFS",
    )
    parser.add_argument(
        "--true-peak",
        type=float,
        default=DEFAULTS.true_peak_db,
        help=f"true-peak ceiling, dBTP (default {DEFAULTS.true_peak_db:g})",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULTS.seed, help="random seed (same seed, same sound)"
    )
    parser.add_argument("--loop", action="store_true", help="make the scene a seamless loop")
    parser.add_argument(
        "--sample-rate", type=int, default=DEFAULTS.sample_rate, help=f"one of {SAMPLE_RATES}"
    )
    parser.add_argument("--channels", type=int, default=DEFAULTS.channels, help="1 or 2")
    parser.add_argument(
        "--bit-depth", type=int, default=DEFAULTS.bit_depth, help="WAV bits: 16 or 24"
    )
    parser.add_argument("--stems", action="store_true", help="also write ambience and sfx stems")
    parser.add_argument(
        "--segment",
        type=float,
        default=DEFAULTS.segment_s,
        metavar="SECONDS",
        help="also write segments of about this length, cut at event boundaries",
    )
    parser.add_argument(
        "--spectrogram", type=Path, metavar="PNG", help="save waveform + spectrogram"
    )
    parser.add_argument("--renderer", default=DEFAULTS.renderer, help="default renderer backend")
    parser.add_argument(
        "--model", metavar="PATH", help="diffusion weights folder (else $SOUNDLOOM_MODELS)"
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress: print nothing but the result"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="the result as JSON on stdout; progress, warnings and errors as JSON lines on stderr",
    )


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = _Parser(prog="soundloom", description="Narrative sound for games, from words.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    gen = commands.add_parser("generate", help="describe a scene, get a mastered audio file")
    gen.add_argument("description", help='e.g. "rain on tin roofs, a door slams, 45 seconds"')
    gen.add_argument(
        "--duration", type=float, help="scene length, seconds (default: from text, else 30)"
    )
    gen.add_argument("--planner", default=DEFAULTS.planner, help="planner backend")
    gen.add_argument("--llm", metavar="PATH", help="LLM folder for --planner llm")
    gen.add_argument("--plan-out", type=Path, metavar="JSON", help="also save the plan")
    gen.add_argument(
        "--strict", action="store_true", help="exit 2 when a described sound has no recipe"
    )
    _add_render_options(gen)
    add_server_arguments(gen)
    plan = commands.add_parser("plan", help="print the plan JSON for a description")
    plan.add_argument("description")
    plan.add_argument("--duration", type=float)
    plan.add_argument("--seed", type=int, default=DEFAULTS.seed)
    plan.add_argument("--planner", default=DEFAULTS.planner)
    plan.add_argument("--llm", metavar="PATH", help="LLM folder for --planner llm")
    plan.add_argument(
        "--strict", action="store_true", help="exit 2 when a described sound has no recipe"
    )
    plan.add_argument("--json", action="store_true", help="warnings as JSON lines on stderr")
    add_server_arguments(plan)
    render = commands.add_parser("render", help="render an (edited) plan JSON file")
    render.add_argument("plan", type=Path, help="plan JSON (from soundloom plan)")
    _add_render_options(render)
    add_server_arguments(render)
    commands.add_parser("schema", help="print the plan's JSON Schema")
    recipes = commands.add_parser("recipes", help="list the procedural recipes")
    recipes.add_argument("--json", action="store_true", help="as a JSON list")
    gallery = commands.add_parser(
        "gallery", help="render every recipe to audio + spectrogram and an index.html"
    )
    gallery.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    gallery.add_argument(
        "--seconds", type=float, default=8.0, help="bed length, seconds (one-shots: typical)"
    )
    gallery.add_argument("--family", help="only this family (e.g. weather, retro)")
    gallery.add_argument("--seed", type=int, default=0, help="random seed")
    gallery.add_argument(
        "--judge-results",
        type=Path,
        metavar="FILE",
        help="show the labels a classifier heard (score_gallery.py --json or judge.py output)",
    )
    gallery.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    add_continue_parser(commands)
    add_dub_parser(commands, _add_render_options)
    # Listed here; its arguments belong to the server, which is imported only to serve.
    commands.add_parser("serve", help=SERVE_HELP, add_help=False)
    add_cache_command(commands)
    add_bank_command(commands)
    add_dev_parser(commands)
    add_backends_parser(commands)
    return parser


def _scene_request(args: argparse.Namespace) -> SceneRequest:
    if not args.description.strip():
        raise InvalidArgument("description", "must not be empty")
    if args.duration is not None and not 0.0 < args.duration <= MAX_SCENE_S:
        raise InvalidArgument(
            "duration_s", f"must be > 0 and <= {MAX_SCENE_S:g} seconds, got {args.duration:g}"
        )
    return SceneRequest(description=args.description, duration_s=args.duration or 0.0)


def _options(args: argparse.Namespace, fmt: str) -> RenderOptions:
    return validate_options(
        RenderOptions(
            **flag_options(args),
            format=fmt,
            segment_s=args.segment,
            stems=args.stems,
            planner=getattr(args, "planner", "rules"),
            renderer=args.renderer,
        )
    )


def _outputs(args: argparse.Namespace, name_from: str) -> tuple[Path, RenderOptions]:
    """The main file and the options, every output path checked before anything renders."""
    from soundloom_server.engine.package import sidecar_path_for

    output, fmt = main_output(args.output, args.format, name_from)
    options = _options(args, fmt)
    check_writable(output, "output")
    check_writable(sidecar_path_for(output), "output")
    for field, path in (
        ("plan_out", getattr(args, "plan_out", None)),
        ("spectrogram", args.spectrogram),
    ):
        if path is not None:
            check_writable(path, field)
    return output, options


def _produce(args: argparse.Namespace, source: SceneRequest | ScenePlan, name_from: str) -> int:
    """generate / render: through `soundloom.Client` (here, or on --server), cache first."""
    output, options = _outputs(args, name_from)
    view = stage_view(choose_mode(args.quiet, args.json))
    told: list[ScenePlan] = []

    def planned(plan: ScenePlan) -> None:
        if not told:  # a --strict plan is checked before the render and not told again
            told.append(plan)
            say_what_found_nothing(plan, args)
            view.set_events(len(plan.events))

    try:
        with client_for(args) as client:
            if getattr(args, "strict", False) and isinstance(source, SceneRequest):
                planned(client.plan(source, options=options))
            asset = client.generate(source, options=options, progress=view, planned=planned)
            asset = save_asset(args, asset, output)
    finally:
        view.close()
    report_asset(args, asset)
    return 0


def _produce_here(
    args: argparse.Namespace, source: ScenePlan, name_from: str, edit: Callable[..., Any]
) -> int:
    """dub: render in this process (its picture analysis lives here), `edit` marking the
    mastered scene before it is written."""
    from soundloom_server.engine.cache_key import cache_key

    output, options = _outputs(args, name_from)
    view = stage_view(choose_mode(args.quiet, args.json))
    view.set_events(len(source.events))
    try:
        key = cache_key(source, options)
        asset = produce_files(args, source, options, output, key, view, edit)
    finally:
        view.close()
    report_asset(args, asset)
    return 0


def _recipes(as_json: bool) -> int:
    from soundloom_server.engine.renderers.procedural.recipes import all_recipes

    rows = [
        {
            "name": r.name,
            "family": r.family,
            "kind": r.kind.value,
            "tags": list(r.tags),
            "description": r.description,
            "typical_duration_s": r.typical_duration_s,
            "params": [
                {
                    "name": p.name,
                    "default": p.default,
                    "low": p.low,
                    "high": p.high,
                    "choices": list(p.choices),
                }
                for p in r.params
            ],
        }
        for r in all_recipes()
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"{row['name']:<16} {row['family']:<10} {row['kind']:<9} {row['description']}")
    return 0


def _gallery(args: argparse.Namespace) -> int:
    from soundloom.gallery import load_judge_results, render_gallery
    from soundloom_server.engine.renderers.procedural.recipes import all_recipes

    if not 0.5 <= args.seconds <= MAX_SCENE_S:
        raise InvalidArgument("seconds", f"must be in [0.5, {MAX_SCENE_S:g}], got {args.seconds:g}")
    families = sorted({r.family for r in all_recipes()})
    if args.family is not None and args.family not in families:
        raise InvalidArgument(
            "family", f"must be one of {', '.join(families)}, got {args.family!r}"
        )
    judged = load_judge_results(args.judge_results) if args.judge_results else None
    progress = None if args.quiet else lambda name: print(f"rendering {name}", file=sys.stderr)
    items = render_gallery(args.out, args.seconds, args.family, args.seed, progress, judged)
    if not args.quiet:
        print(f"{args.out / 'index.html'}  {len(items)} recipes")
    return 0


def _use_models(args: argparse.Namespace) -> None:
    """Point the neural backends at --llm / --model folders; loading waits for first use."""
    for flag in ("llm", "model"):
        if getattr(args, "server", None) and getattr(args, flag, None):
            raise InvalidArgument(
                f"--{flag}", "is a folder on this machine: it applies here, not on --server"
            )
    if args.command in ("generate", "plan") and getattr(args, "llm", None):
        from soundloom_server.engine.registry import use_model

        use_model("planner", "llm", args.llm)
    if args.command in ("generate", "render", "continue") and getattr(args, "model", None):
        from soundloom_server.engine.registry import use_model

        use_model("renderer", "diffusion", args.model)


def run(argv: list[str] | None = None) -> int:
    """Parse arguments and run one command; raises SoundloomError on bad input."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        return _serve(argv[1:])
    args = build_parser().parse_args(argv)
    _use_models(args)
    if args.command == "schema":
        print(json.dumps(plan_json_schema(), indent=2))
        return 0
    if args.command == "recipes":
        return _recipes(args.json)
    if args.command == "gallery":
        return _gallery(args)
    if args.command == "cache":
        return run_cache_command(args)
    if args.command == "bank":
        return run_bank_command(args)
    if args.command == "dev":
        return run_dev(args)
    if args.command == "backends":
        return run_backends(args)
    if args.command == "continue":
        return run_continue(args)
    if args.command == "dub":
        return run_dub(args, _produce_here)
    if args.command == "plan":
        options = validate_options(RenderOptions(seed=args.seed, planner=args.planner))
        with client_for(args) as client:
            planned = client.plan(_scene_request(args), options=options)
        say_what_found_nothing(planned, args)
        print(plan_to_json(planned))
        return 0
    if args.command == "generate":
        return _produce(args, _scene_request(args), args.description)
    try:
        text = args.plan.read_text()
    except OSError as exc:
        raise InvalidArgument("plan", f"cannot be read: {exc.strerror} ({args.plan})") from None
    return _produce(args, plan_from_json(text), args.plan.stem)


def _serve(argv: list[str]) -> int:
    """`soundloom serve`: the server's own arguments and loop, imported only when serving."""
    from soundloom_server.service.serve import add_serve_arguments, run_serve

    parser = _Parser(prog="soundloom serve", description=SERVE_HELP)
    add_serve_arguments(parser)
    return run_serve(parser.parse_args(argv))


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the work is so that its clean-up runs as for Ctrl-C."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    """Console entry point: bad input is one line on stderr and exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    # `serve` drains on SIGTERM itself; everything else cleans its temp files and exits 143.
    if args[:1] != ["serve"] and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return run(argv)
    except SoundloomError as exc:
        if as_json:
            emit_json("error", field=getattr(exc, "field", ""), message=str(exc))
        else:
            print(f"soundloom: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Terminated:
        print("soundloom: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("soundloom: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`soundloom recipes | head`): quiet, like other Unix tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
