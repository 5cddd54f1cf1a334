"""Bearer-token authentication, the same rule on both transports.

Health checks are exempt: load balancers and orchestrators probe them without credentials.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

import grpc

from soundloom_server.service.grpc_transport import HandlerInterceptor
from soundloom_server.service.metrics import Metrics

HEALTH_PREFIX = "/grpc.health.v1.Health/"


DUPLICATE = "more than one authorization value: send exactly one 'authorization: Bearer <token>'"


def token_error(values: Sequence[str], token: str) -> str | None:
    """Why the request's `authorization` values fail the token (None when they pass).

    Two values are refused outright: proxies and transports disagree on which one counts.
    """
    if len(values) > 1:
        return DUPLICATE
    authorization = values[0] if values else None
    if not authorization:
        return "missing authorization: send 'authorization: Bearer <token>'"
    scheme, _, presented = authorization.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return "malformed authorization: expected 'Bearer <token>'"
    # Constant time, so the token cannot be guessed byte by byte from response times.
    if not hmac.compare_digest(presented.strip().encode(), token.encode()):
        return "wrong token"
    return None


class BearerTokenInterceptor(HandlerInterceptor):
    """Refuses every RPC but health checks without `authorization: Bearer <token>`."""

    def __init__(self, token: str, metrics: Metrics) -> None:
        self.token = token
        self.metrics = metrics

    def replace(
        self, handler: grpc.RpcMethodHandler, call: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler:
        """Pass authorised calls on; answer the rest UNAUTHENTICATED."""
        method = call.method
        if method.startswith(HEALTH_PREFIX):
            return handler
        metadata = call.invocation_metadata or ()
        values = [value for key, value in metadata if key == "authorization"]
        reason = token_error(values, self.token)
        if reason is None:
            return handler
        self.metrics.requests.inc("grpc", method.rsplit("/", 1)[-1], "UNAUTHENTICATED")
        return _refusal(handler, reason)


def _refusal(handler: grpc.RpcMethodHandler, reason: str) -> grpc.RpcMethodHandler:
    """A handler of the same shape as `handler` that fails with UNAUTHENTICATED."""

    async def refuse(request: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, reason)

    async def refuse_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, reason)
        yield  # pragma: no cover - makes this an async generator; abort always raises

    kwargs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(refuse_stream, **kwargs)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(refuse, **kwargs)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(refuse_stream, **kwargs)
    return grpc.unary_unary_rpc_method_handler(refuse, **kwargs)
