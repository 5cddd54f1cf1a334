"""`soundloom backends`: every planner and renderer, whether it can run here and, if not, why."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_backends_parser(commands: argparse._SubParsersAction) -> None:
    """Register `backends` on the CLI's subparsers."""
    parser = commands.add_parser("backends", help="list planners and renderers and their status")
    parser.add_argument("--json", action="store_true", help="as JSON")
    parser.add_argument("--llm", metavar="PATH", help="LLM folder to check (else $SOUNDLOOM_LLM)")
    parser.add_argument(
        "--model", metavar="PATH", help="diffusion folder to check (else $SOUNDLOOM_MODELS)"
    )


def backend_rows(llm: str | None = None, model: str | None = None) -> list[dict[str, Any]]:
    """One row per backend: kind, name, available, reason (why not, or a note), version, lane."""
    from soundloom_server.engine.registry import backend_statuses, use_model

    if llm:
        use_model("planner", "llm", llm)
    if model:
        use_model("renderer", "diffusion", model)
    return [
        {
            "kind": status.kind,
            "name": status.name,
            "available": status.available,
            "reason": status.reason,
            "version": status.version,
            "lane": status.lane,
        }
        for status in backend_statuses()
    ]


def run_backends(args: argparse.Namespace) -> int:
    """Print the backends table (or JSON)."""
    rows = backend_rows(args.llm, args.model)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        state = "available" if row["available"] else "unavailable"
        reason = f"  ({row['reason']})" if row["reason"] else ""
        print(f"{row['kind']:<9} {row['name']:<12} {state}{reason}")
    return 0
