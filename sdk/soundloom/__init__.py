"""Soundloom SDK: narrative sound for games, from a scene description to game-ready audio.

    import soundloom
    with soundloom.Client() as client:              # the engine in-process
        asset = client.generate("rain on a tin roof, 20 seconds", loop=True)
        print(asset.path, asset.duration_s, asset.loudness.integrated_lufs)

`soundloom.Client("host:port", token=...)` talks to a server instead; `AsyncClient` mirrors
`Client` with awaitable methods. The generated protobuf/gRPC stubs live in `soundloom.v1`.
Names are imported on first use, so `import soundloom` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from soundloom.asset import Asset, AssetFile, LoopPoints, Loudness, Marker
    from soundloom.bank import BankManifest, BankSummary, build_bank, load_manifest
    from soundloom.cache import AssetCache
    from soundloom.client import AsyncClient, Backend, Client
    from soundloom.errors import (
        CacheCorrupt,
        Cancelled,
        DeadlineExceeded,
        InternalError,
        InvalidArgument,
        NotFound,
        ResourceExhausted,
        SoundloomError,
        Unauthenticated,
        Unavailable,
    )
    from soundloom.remote import RetryPolicy

_EXPORTS = {
    "Asset": "soundloom.asset",
    "AssetFile": "soundloom.asset",
    "LoopPoints": "soundloom.asset",
    "Loudness": "soundloom.asset",
    "Marker": "soundloom.asset",
    "AssetCache": "soundloom.cache",
    "AsyncClient": "soundloom.client",
    "Backend": "soundloom.client",
    "Client": "soundloom.client",
    "RetryPolicy": "soundloom.remote",
    "BankManifest": "soundloom.bank",
    "BankSummary": "soundloom.bank",
    "build_bank": "soundloom.bank",
    "load_manifest": "soundloom.bank",
    "CacheCorrupt": "soundloom.errors",
    "Cancelled": "soundloom.errors",
    "DeadlineExceeded": "soundloom.errors",
    "InternalError": "soundloom.errors",
    "InvalidArgument": "soundloom.errors",
    "NotFound": "soundloom.errors",
    "ResourceExhausted": "soundloom.errors",
    "SoundloomError": "soundloom.errors",
    "Unauthenticated": "soundloom.errors",
    "Unavailable": "soundloom.errors",
}

__all__ = [
    "Asset",
    "AssetCache",
    "AssetFile",
    "AsyncClient",
    "Backend",
    "BankManifest",
    "BankSummary",
    "CacheCorrupt",
    "Cancelled",
    "Client",
    "DeadlineExceeded",
    "InternalError",
    "InvalidArgument",
    "LoopPoints",
    "Loudness",
    "Marker",
    "NotFound",
    "ResourceExhausted",
    "RetryPolicy",
    "SoundloomError",
    "Unauthenticated",
    "Unavailable",
    "__version__",
    "build_bank",
    "load_manifest",
]


def _installed_version() -> str:
    # importlib.metadata costs ~60 ms at import: most of `import soundloom`, so only on demand.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("soundloom")
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        return "0+unknown"


def __getattr__(name: str) -> Any:
    """Import public names lazily (the engine and gRPC load only when first used)."""
    if name == "__version__":
        globals()[name] = _installed_version()
        return globals()[name]
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'soundloom' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
