"""Soundloom SDK: narrative sound for games, from a scene description to game-ready audio.

The generated protobuf/gRPC stubs live in `soundloom.v1`; this module stays light to import.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("soundloom")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["__version__"]
