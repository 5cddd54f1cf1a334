"""Content addresses: the sha256 of a canonical request plus engine and backend versions.

The same key names an asset in the server store, the SDK cache, engine caches and bank builds.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from soundloom_server import ENGINE_VERSION
from soundloom_server.engine.code_fingerprint import engine_fingerprint
from soundloom_server.engine.plan import RenderOptions, ScenePlan, SceneRequest, to_dict
from soundloom_server.engine.registry import backend_identity, backends_used


def canonical_request(source: SceneRequest | ScenePlan, options: RenderOptions) -> dict[str, Any]:
    """The request as the plain data that is hashed (stable key order, versions included)."""
    kind = "plan" if isinstance(source, ScenePlan) else "scene"
    backends = {
        f"{use.kind}:{use.name}": backend_identity(use.kind, use.name)
        for use in backends_used(source, options)
    }
    return {
        # The code, not only its version number: a redesigned recipe must not be served from
        # a cache filled by the old one.
        "engine": f"{ENGINE_VERSION}+{engine_fingerprint()}",
        "backends": dict(sorted(backends.items())),
        kind: to_dict(source),
        "options": to_dict(options),
    }


def cache_key(source: SceneRequest | ScenePlan, options: RenderOptions) -> str:
    """Lower-case hex sha256 of the canonical request."""
    text = json.dumps(canonical_request(source, options), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
