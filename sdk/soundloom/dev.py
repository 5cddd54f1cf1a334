"""`soundloom dev`: developer tools. `dev tiny-model` saves tiny random models of real layouts."""

from __future__ import annotations

import argparse
from pathlib import Path

from soundloom_server.engine.errors import Unavailable

KINDS = ("stable-audio", "audioldm2", "llm", "captioner", "stable-audio-3-inpaint")


def add_dev_parser(commands: argparse._SubParsersAction) -> None:
    """Register `dev` and its subcommands on the CLI's subparsers."""
    dev = commands.add_parser("dev", help="developer tools (tiny models for tests and demos)")
    tools = dev.add_subparsers(dest="dev_command", required=True, parser_class=type(dev))
    tiny = tools.add_parser(
        "tiny-model",
        help="save a tiny random model of a real layout (loads like a real checkpoint)",
    )
    tiny.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    tiny.add_argument("--kind", choices=KINDS, required=True, help="which layout to build")
    tiny.add_argument("--seed", type=int, default=0, help="weight seed")


def run_dev(args: argparse.Namespace) -> int:
    """Run a `dev` subcommand."""
    from soundloom_server.engine.neural import install_hint, missing_packages

    missing = missing_packages()
    if missing:
        raise Unavailable(f"dev tiny-model needs {install_hint(missing)}")
    from soundloom_server.engine.neural.tiny import build_tiny_model
    from soundloom_server.engine.neural.tiny_sa3 import build_tiny_sa3

    if args.kind == "stable-audio-3-inpaint":
        out = build_tiny_sa3(args.out_dir, seed=args.seed)
    else:
        out = build_tiny_model(args.kind, args.out_dir, seed=args.seed)
    print(f"{out}  tiny {args.kind} model (random weights)")
    return 0
