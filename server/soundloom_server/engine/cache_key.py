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
BACKEND_VERSIONS = {"rules": "2", "procedural": "1", "llm": "1", "diffusion": "1", "clip": "1"}


def _backend_identity(name: str, role: str) -> str:
    """Version, plus the weights' fingerprint for backends that load a model."""
    version = BACKEND_VERSIONS.get(name, "?")
    if name not in ("llm", "diffusion"):
        return version
    from soundloom_server.engine.model_fingerprint import folder_fingerprint
    from soundloom_server.engine.planners import get_planner
    from soundloom_server.engine.renderers import get_renderer

    backend = get_planner(name) if role == "planner" else get_renderer(name)
    return f"{version}+{folder_fingerprint(backend.model_folder())}"


def canonical_request(source: SceneRequest | ScenePlan, options: RenderOptions) -> dict[str, Any]:
    """The request as the plain data that is hashed (stable key order, versions included)."""
    kind = "plan" if isinstance(source, ScenePlan) else "scene"
    renderers = {options.renderer}
    if isinstance(source, ScenePlan):
        renderers |= {e.renderer for e in source.events if e.renderer}
    backends = {f"renderer:{name}": _backend_identity(name, "renderer") for name in renderers}
    if not isinstance(source, ScenePlan):  # a given plan needs no planner
        backends[f"planner:{options.planner}"] = _backend_identity(options.planner, "planner")
    return {
        "engine": ENGINE_VERSION,
        "backends": dict(sorted(backends.items())),
        kind: to_dict(source),
        "options": to_dict(options),
    }


def cache_key(source: SceneRequest | ScenePlan, options: RenderOptions) -> str:
    """Lower-case hex sha256 of the canonical request."""
    text = json.dumps(canonical_request(source, options), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
