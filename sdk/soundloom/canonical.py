"""A request exactly as a server parses it, and its content address.

Embedded and remote mode hash the same values (a proto round trip), so they share cache entries.
"""

from __future__ import annotations

from soundloom_server.engine.cache_key import cache_key
from soundloom_server.engine.plan import RenderOptions, ScenePlan, SceneRequest
from soundloom_server.plan_proto import canonical_options, canonical_plan, canonical_request


def canonical(
    source: SceneRequest | ScenePlan, options: RenderOptions
) -> tuple[SceneRequest | ScenePlan, RenderOptions, str]:
    """The request exactly as a server parses it (a proto round trip), and its cache key.

    Embedded and remote mode hash the same values, so they share cache entries. What the
    caller already checked is not checked again; anything else is, as a server would.
    """
    options = canonical_options(options)
    source = canonical_plan(source) if isinstance(source, ScenePlan) else canonical_request(source)
    return source, options, cache_key(source, options)
