"""The gRPC transport: soundloom.v1.Soundloom over the shared Servicer."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc
from google.protobuf.message import DecodeError

from soundloom.v1 import soundloom_pb2 as pb
from soundloom.v1 import soundloom_pb2_grpc as pb_grpc
from soundloom_server.service.errors import ServiceError, as_service_error
from soundloom_server.service.metrics import Metrics
from soundloom_server.service.servicer import Servicer

T = TypeVar("T")


def _deadline(context: grpc.aio.ServicerContext) -> float | None:
    """The call's deadline on the event loop's clock, or None."""
    remaining = context.time_remaining()
    if remaining is None:
        return None
    return asyncio.get_running_loop().time() + remaining


def _cancel_code(context: grpc.aio.ServicerContext) -> grpc.StatusCode:
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        return grpc.StatusCode.DEADLINE_EXCEEDED
    return grpc.StatusCode.CANCELLED


class _Undecodable:
    """Stands for a request whose bytes did not parse, so the handler can answer for it."""

    def __init__(self, error: DecodeError) -> None:
        self.error = error


class HandlerInterceptor(grpc.aio.ServerInterceptor):
    """An interceptor that sees each call's handler and runs it, or another in its place."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        """The next interceptor's handler, or what `replace` puts in its place."""
        handler = await continuation(handler_call_details)
        if handler is None:  # no such method: grpc answers UNIMPLEMENTED
            return handler
        return self.replace(handler, handler_call_details)

    def replace(
        self, handler: grpc.RpcMethodHandler, call: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler:
        """The handler to run for this call."""
        raise NotImplementedError


class DecodeGuardInterceptor(HandlerInterceptor):
    """Undecodable request bytes answer INVALID_ARGUMENT (grpc's own answer is UNKNOWN)."""

    def replace(
        self, handler: grpc.RpcMethodHandler, call: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler:
        """The same handler, with a deserializer that cannot raise past it."""
        if handler.request_streaming or handler.request_deserializer is None:
            return handler
        return _guarded(handler, call.method)


def _guarded(handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
    parse = handler.request_deserializer

    def deserialize(data: bytes) -> Any:
        try:
            return parse(data)
        except DecodeError as exc:
            return _Undecodable(exc)

    def message(request: _Undecodable) -> str:
        return f"request is not a valid message for {method}: the bytes do not parse"

    if handler.response_streaming:
        behaviour = handler.unary_stream

        async def stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
            if isinstance(request, _Undecodable):
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, message(request))
            async for item in behaviour(request, context):
                yield item

        return grpc.unary_stream_rpc_method_handler(
            stream, deserialize, handler.response_serializer
        )
    unary = handler.unary_unary

    async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
        if isinstance(request, _Undecodable):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, message(request))
        return await unary(request, context)

    return grpc.unary_unary_rpc_method_handler(call, deserialize, handler.response_serializer)


def _answered(answer: Callable[[GrpcServicer, Any], Awaitable[T]]) -> Any:
    """A unary RPC from its answer: admitted, its failure a status, counted in the metrics."""

    @functools.wraps(answer)
    async def rpc(self: GrpcServicer, request: Any, context: grpc.aio.ServicerContext) -> T:
        return await self._unary(answer.__name__, context, answer(self, request))

    return rpc


def _relayed(messages: Callable[[GrpcServicer, Any, float | None], AsyncIterator[T]]) -> Any:
    """A response-streaming RPC from its messages: admitted, its failure a status, counted.

    Closing each level explicitly (aclosing) releases a cancelled call's render at once,
    rather than whenever the abandoned generators are garbage collected."""

    @functools.wraps(messages)
    async def rpc(
        self: GrpcServicer, request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[T]:
        made = messages(self, request, _deadline(context))
        async with contextlib.aclosing(self._stream(messages.__name__, context, made)) as out:
            async for message in out:
                yield message

    return rpc


class GrpcServicer(pb_grpc.SoundloomServicer):
    """Adapts gRPC calls to the Servicer: statuses, deadlines, metrics."""

    def __init__(self, servicer: Servicer, metrics: Metrics) -> None:
        self.servicer = servicer
        self.metrics = metrics

    async def _abort(self, context: grpc.aio.ServicerContext, error: ServiceError) -> None:
        if error.retry_after_s:
            context.set_trailing_metadata((("retry-after", f"{error.retry_after_s:g}"),))
        await context.abort(error.code, error.message)

    @contextlib.asynccontextmanager
    async def _answering(
        self, method: str, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[None]:
        """Around a call's work: admitted, its failure aborted as a status, its code counted."""
        code = grpc.StatusCode.OK
        try:
            with self.servicer.admitted():
                yield
        except (asyncio.CancelledError, GeneratorExit):
            code = _cancel_code(context)
            raise
        except Exception as exc:
            error = as_service_error(exc)
            code = error.code
            await self._abort(context, error)
        finally:
            self.metrics.requests.inc("grpc", method, code.name)

    async def _unary(self, method: str, context: grpc.aio.ServicerContext, call: Awaitable[T]) -> T:
        async with self._answering(method, context):
            return await call
        raise AssertionError("unreachable: abort raises")

    async def _stream(
        self, method: str, context: grpc.aio.ServicerContext, messages: AsyncIterator[T]
    ) -> AsyncIterator[T]:
        async with (
            self._answering(method, context),
            contextlib.aclosing(messages),  # type: ignore[type-var]
        ):
            async for message in messages:
                yield message

    @_answered
    async def PlanScene(self, request: pb.PlanSceneRequest) -> pb.PlanSceneResponse:
        """Plan a described scene."""
        return await self.servicer.plan_scene(request)

    @_relayed
    def GenerateScene(
        self, request: pb.GenerateSceneRequest, deadline: float | None
    ) -> AsyncIterator[pb.GenerateSceneResponse]:
        """Generate a scene and stream it."""
        return self.servicer.generate_scene(request, deadline)

    @_relayed
    def ContinueClip(
        self, requests: AsyncIterator[pb.ContinueClipRequest], deadline: float | None
    ) -> AsyncIterator[pb.GenerateSceneResponse]:
        """Receive a clip, continue it and stream the result."""
        return self.servicer.continue_clip(requests, deadline)

    @_relayed
    def DubVideo(
        self, requests: AsyncIterator[pb.DubVideoRequest], deadline: float | None
    ) -> AsyncIterator[pb.GenerateSceneResponse]:
        """Receive a video, dub it and stream the result."""
        return self.servicer.dub_video(requests, deadline)

    @_relayed
    def GetAsset(
        self, request: pb.GetAssetRequest, deadline: float | None
    ) -> AsyncIterator[pb.AssetChunk]:
        """Stream one stored file from an offset."""
        return self.servicer.get_asset(request)

    @_answered
    async def StatAsset(self, request: pb.StatAssetRequest) -> pb.AssetInfo:
        """Describe a stored asset."""
        return self.servicer.stat_asset(request)

    @_answered
    async def ListBackends(self, request: pb.ListBackendsRequest) -> pb.ListBackendsResponse:
        """List planners and renderers."""
        return self.servicer.list_backends()
