"""Where the CLI's commands render: this process's engine, or a server (`--server HOST:PORT`).

`generate`, `plan`, `render` and `bank build` take the same three flags and hand them to one
`soundloom.Client`, so every command gains the disk cache and can run against a server.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from soundloom.client import Client

TOKEN_ENV = "SOUNDLOOM_TOKEN"  # the same variable `soundloom serve --token` reads


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """--server, --token and --tls-ca on a command's parser."""
    parser.add_argument(
        "--server", metavar="HOST:PORT", help="render on a Soundloom server (default: here)"
    )
    parser.add_argument("--token", help=f"bearer token for --server (default: ${TOKEN_ENV})")
    parser.add_argument(
        "--tls-ca", type=Path, metavar="PEM", help="trust this CA for --server over TLS"
    )


def server_token(args: argparse.Namespace) -> str | None:
    """--token, else $SOUNDLOOM_TOKEN, else none."""
    return getattr(args, "token", None) or os.environ.get(TOKEN_ENV) or None


def client_for(args: argparse.Namespace) -> Client:
    """The `soundloom.Client` the command's flags ask for (embedded without --server)."""
    from soundloom.client import Client

    return Client(
        getattr(args, "server", None),
        token=server_token(args),
        tls=getattr(args, "tls_ca", None) or False,
    )
