"""A request exactly as a server parses it, and its content address.

Embedded and remote mode hash the same values (a proto round trip), so they share cache entries.
"""

from __future__ import annotations

from soundloom_server.engine.cache_key import cache_key
from soundloom_server.engine.plan import RenderOptions, ScenePlan, SceneRequest
from soundloom_server.plan_proto import (
    options_from_proto,
    options_to_proto,
    plan_from_proto,
    plan_to_proto,
    request_from_proto,
    request_to_proto,
)


def canonical(
    source: SceneRequest | ScenePlan, options: RenderOptions
) -> tuple[SceneRequest | ScenePlan, RenderOptions, str]:
    """The request exactly as a server parses it (a proto round trip), and its cache key.

    Embedded and remote mode hash the same values, so they share cache entries.
    """
    options = options_from_proto(options_to_proto(options))
    if isinstance(source, ScenePlan):
        source = plan_from_proto(plan_to_proto(source))
    else:
        source = request_from_proto(request_to_proto(source))
    return source, options, cache_key(source, options)
