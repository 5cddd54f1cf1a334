"""`soundloom bank build`: the command's arguments and its report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from soundloom.cli_server import add_server_arguments, server_token
from soundloom.errors import InvalidArgument
from soundloom.progress_view import choose_mode, emit_json, entry_view


def add_bank_command(commands: Any) -> None:
    """Register `soundloom bank build` on the CLI's subparsers."""
    bank = commands.add_parser("bank", help="build sound banks from a bank.toml manifest")
    actions = bank.add_subparsers(dest="bank_command", required=True)
    build = actions.add_parser("build", help="render a bank (incremental, resumable)")
    build.add_argument("manifest", type=Path, help="bank.toml")
    build.add_argument("--out", type=Path, help="output folder (default: the manifest's)")
    build.add_argument(
        "--jobs", type=int, help="parallel renders (default: min(4, CPUs)); 1 = in-process"
    )
    add_server_arguments(build)
    build.add_argument(
        "--ray", metavar="ADDRESS", help="render as Ray tasks: a cluster address, auto, or local"
    )
    build.add_argument("--cache-dir", type=Path, help="asset cache (default: SOUNDLOOM_CACHE_DIR)")
    build.add_argument(
        "--json",
        action="store_true",
        help="a JSON summary on stdout; progress and failures as JSON lines on stderr",
    )
    build.add_argument(
        "-q", "--quiet", action="store_true", help="no progress: print nothing but the summary"
    )


def run_bank_command(args: argparse.Namespace) -> int:
    """Run `soundloom bank build`; exit 1 when an entry failed."""
    if args.server and args.ray:
        raise InvalidArgument("--server", "and --ray cannot be combined")
    from soundloom.bank.build import build_bank
    from soundloom.cache import AssetCache

    progress = entry_view(choose_mode(args.quiet, args.json))
    try:
        summary = build_bank(
            args.manifest,
            args.out,
            jobs=args.jobs,
            server=args.server,
            ray_address=args.ray,
            cache=AssetCache(args.cache_dir) if args.cache_dir else None,
            progress=progress,
            token=server_token(args),
            tls=args.tls_ca or False,
        )
    finally:
        progress.close()
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print(
            f"{summary.out}: {summary.entries} entries, {summary.files} files  "
            f"rendered {summary.rendered}  cached {summary.cached}  removed {summary.removed}  "
            f"failed {summary.failed}  {summary.seconds:.1f} s"
        )
    for failure in summary.failures:
        if args.json:
            emit_json("error", entry=failure["name"], message=failure["error"])
        else:
            print(f"soundloom: error: {failure['name']}: {failure['error']}", file=sys.stderr)
    return 1 if summary.failed else 0
