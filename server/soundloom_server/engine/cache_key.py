"""Content addresses: the sha256 of a canonical request plus engine and backend versions.

The same key names an asset in the server store, the SDK cache, engine caches and bank builds.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from soundloom_server import ENGINE_VERSION
from soundloom_server.engine.plan import RenderOptions, ScenePlan, SceneRequest, to_dict

# Bumped when a backend's output for the same input changes.
BACKEND_VERSIONS = {"rules": "1", "procedural": "1"}


def canonical_request(source: SceneRequest | ScenePlan, options: RenderOptions) -> dict[str, Any]:
    """The request as the plain data that is hashed (stable key order, versions included)."""
    kind = "plan" if isinstance(source, ScenePlan) else "scene"
    backends = {options.planner, options.renderer}
    if isinstance(source, ScenePlan):
        backends |= {e.renderer for e in source.events if e.renderer}
    return {
        "engine": ENGINE_VERSION,
        "backends": {name: BACKEND_VERSIONS.get(name, "?") for name in sorted(backends)},
        kind: to_dict(source),
        "options": to_dict(options),
    }


def cache_key(source: SceneRequest | ScenePlan, options: RenderOptions) -> str:
    """Lower-case hex sha256 of the canonical request."""
    text = json.dumps(canonical_request(source, options), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
