"""The HTTP/JSON gateway (aiohttp) over the shared Servicer, for clients without HTTP/2.

Bodies use the proto3 JSON mapping of the soundloom.v1 messages (proto field names). Routes:
POST /v1/plan, POST /v1/generate, POST /v1/generate/stream (the GenerateScene stream without
chunks as newline-delimited JSON, for clients that follow a long render's progress over plain
HTTP), GET /v1/backends, GET /v1/assets/{id} (ETag, Range, ?file=), GET /v1/assets/{id}/meta,
GET /healthz, GET /metrics. Errors are
`{"error": {"code": <grpc code>, "status": "<NAME>", "message": "<field> ..."}}`.
With `cors_origins`, browsers on those origins (web exports of games) may call every route.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from aiohttp import web
from google.protobuf import json_format
from google.protobuf.message import Message

from soundloom.v1 import soundloom_pb2 as pb
from soundloom_server.engine.plan import FORMAT_MIME
from soundloom_server.service.auth import token_error
from soundloom_server.service.errors import ServiceError, as_service_error, invalid
from soundloom_server.service.metrics import Metrics
from soundloom_server.service.servicer import CHUNK_BYTES, Servicer

MAX_BODY_BYTES = 1 << 20
TIMEOUT_HEADER = "X-Request-Timeout"
UNAUTHENTICATED_PATHS = frozenset({"/healthz"})
# Served while draining too: probes and scrapers must see the shutdown happen.
ADMIN_PATHS = frozenset({"/healthz", "/metrics"})
RANGE = re.compile(r"bytes=(\d*)-(\d*)")
# Byte positions past this many digits exceed any file; Python refuses to parse > 4300 digits.
MAX_RANGE_DIGITS = 18
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
NDJSON = "application/x-ndjson"
CORS_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_REQUEST_HEADERS = (
    "Authorization, Content-Type, If-None-Match, If-Range, Range, " + TIMEOUT_HEADER
)
# Response headers a browser script may read (the CORS safelist has none of these).
CORS_EXPOSED = "ETag, Retry-After, Content-Range, Accept-Ranges, Content-Length, WWW-Authenticate"
CORS_MAX_AGE_S = 600

SERVICER_KEY: web.AppKey[Servicer] = web.AppKey("servicer", Servicer)
METRICS_KEY: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)
HEALTH_KEY: web.AppKey[Callable[[], bool]] = web.AppKey("serving", Callable[[], bool])


def to_json(message: Message) -> dict[str, Any]:
    """A message in the proto3 JSON mapping, with proto field names, unset scalars included."""
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def _json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # MessageToDict already writes non-finite doubles as "-Infinity" etc., so the body is
    # strict JSON.
    return web.json_response(data, status=status, headers=headers)


def error_response(error: ServiceError) -> web.Response:
    """The JSON error body and HTTP status for a ServiceError (429 carries Retry-After)."""
    headers = {}
    if error.retry_after_s:
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after_s)))
    if error.code is grpc.StatusCode.UNAUTHENTICATED:
        headers["WWW-Authenticate"] = 'Bearer realm="soundloom"'
    body = {
        "error": {
            "code": error.code.value[0],
            "status": error.code.name,
            "message": error.message,
        }
    }
    return _json_response(body, status=error.http_status, headers=headers)


async def _parse_body(request: web.Request, message: Message) -> Message:
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ServiceError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            f"body must be at most {MAX_BODY_BYTES} bytes",
            http_status=413,  # a retry of the same body cannot succeed: not 429
        ) from None
    charset = request.charset or "utf-8"
    try:
        text = raw.decode(charset)
    except LookupError:
        raise invalid("body", f"has an unknown charset {charset[:40]!r}: send UTF-8") from None
    except UnicodeDecodeError as exc:
        raise invalid("body", f"is not valid {charset[:40]} at byte {exc.start}") from None
    try:
        json_format.Parse(text or "{}", message)
    except json_format.ParseError as exc:
        raise invalid("body", f"is not a valid {message.DESCRIPTOR.name} in JSON: {exc}") from None
    return message


def _deadline(request: web.Request) -> float | None:
    raw = request.headers.get(TIMEOUT_HEADER)
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise invalid(TIMEOUT_HEADER, f"must be a number of seconds > 0, got {raw[:40]!r}")
    return asyncio.get_running_loop().time() + seconds


# ------------------------------------------------------------------ middlewares


def auth_middleware(token: str) -> Any:
    """401 for requests without `Authorization: Bearer <token>` (health checks exempt)."""

    @web.middleware
    async def check_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path not in UNAUTHENTICATED_PATHS:
            reason = token_error(request.headers.getall("Authorization", []), token)
            if reason is not None:
                raise ServiceError(grpc.StatusCode.UNAUTHENTICATED, reason)
        return await handler(request)

    return check_token


def _allowed_origin(request: web.Request, origins: frozenset[str]) -> str | None:
    origin = request.headers.get("Origin")
    if origin is None or not (origin in origins or "*" in origins):
        return None
    return origin


def cors_middleware(origins: frozenset[str]) -> Any:
    """Answer CORS preflights from `origins` ("*" = any) before auth: they carry no token."""

    @web.middleware
    async def preflight(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = _allowed_origin(request, origins)
        if (
            request.method == "OPTIONS"
            and origin is not None
            and "Access-Control-Request-Method" in request.headers
        ):
            return web.Response(
                status=204,
                headers={
                    "Access-Control-Allow-Methods": CORS_METHODS,
                    "Access-Control-Allow-Headers": CORS_REQUEST_HEADERS,
                    "Access-Control-Max-Age": str(CORS_MAX_AGE_S),
                },
            )
        return await handler(request)

    return preflight


def cors_headers(origins: frozenset[str]) -> Callable[[web.Request, web.StreamResponse], Any]:
    """An on_response_prepare hook: every answer to an allowed origin says so (errors too)."""

    async def add(request: web.Request, response: web.StreamResponse) -> None:
        origin = _allowed_origin(request, origins)
        response.headers.add("Vary", "Origin")
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED

    return add


# aiohttp's own refusals (no route, wrong method, bad range) in the service's JSON error shape.
_ROUTING_CODES = {
    404: grpc.StatusCode.NOT_FOUND,
    405: grpc.StatusCode.UNIMPLEMENTED,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    416: grpc.StatusCode.OUT_OF_RANGE,
}
_KEPT_HEADERS = frozenset({"Allow", "Content-Range"})


def _routing_error(exc: web.HTTPException) -> ServiceError:
    code = _ROUTING_CODES.get(exc.status, grpc.StatusCode.INVALID_ARGUMENT)
    messages = {
        404: "path has no route here: see /v1/plan, /v1/generate, /v1/continue, /v1/dub, "
        "/v1/backends, /v1/assets/{id}",
        405: f"method {exc.reason} is not allowed on this path",
        416: "Range is outside the file",
    }
    return ServiceError(code, messages.get(exc.status, exc.reason), http_status=exc.status)


@web.middleware
async def status_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """ServiceErrors (and anything unexpected) become JSON errors; counts every request."""
    metrics = request.app[METRICS_KEY]
    route = request.match_info.route.resource
    method = f"{request.method} {route.canonical if route is not None else 'unmatched'}"
    code = "OK"
    try:
        if request.path in ADMIN_PATHS:
            return await handler(request)
        with request.app[SERVICER_KEY].admitted():
            return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            code = f"HTTP_{exc.status}"
            raise
        error = _routing_error(exc)
        code = error.code.name
        response = error_response(error)
        response.headers.extend((k, v) for k, v in exc.headers.items() if k in _KEPT_HEADERS)
        return response
    except asyncio.CancelledError:
        code = "CANCELLED"
        raise
    except Exception as exc:
        error = as_service_error(exc)
        code = error.code.name
        return error_response(error)
    finally:
        metrics.requests.inc("http", method, code)


# ------------------------------------------------------------------ handlers


async def plan(request: web.Request) -> web.Response:
    """POST /v1/plan: PlanSceneRequest → PlanSceneResponse."""
    message = await _parse_body(request, pb.PlanSceneRequest())
    response = await request.app[SERVICER_KEY].plan_scene(message)  # type: ignore[arg-type]
    return _json_response(to_json(response))


async def generate(request: web.Request) -> web.Response:
    """POST /v1/generate: GenerateSceneRequest → asset info, plan and the asset's URL."""
    result = await _collect_result(await _generation(request))
    return _json_response(result)


async def _generation(request: web.Request) -> AsyncIterator[pb.GenerateSceneResponse]:
    """The GenerateScene stream for the request's body, without chunks: over HTTP the files
    are fetched by their URLs."""
    deadline = _deadline(request)
    message = await _parse_body(request, pb.GenerateSceneRequest())
    return request.app[SERVICER_KEY].generate_scene(
        message,  # type: ignore[arg-type]
        deadline,
        with_chunks=False,
    )


async def generate_stream(request: web.Request) -> web.StreamResponse:
    """POST /v1/generate/stream: the GenerateScene stream without chunks, one JSON per line.

    Lines: accepted (with `asset_url`), progress* (stages in pipeline order), plan, asset, done —
    each a GenerateSceneResponse in the proto3 JSON mapping. Errors found before the first line
    are ordinary JSON errors with their HTTP status; later ones end the stream with an
    `{"error": {...}}` line.
    """
    stream = await _generation(request)
    async with contextlib.aclosing(stream):
        first = await anext(stream)  # validation errors surface here, before the 200
        response = web.StreamResponse(
            headers={
                "Content-Type": NDJSON,
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",  # proxies must pass lines on as they come
            }
        )
        await response.prepare(request)
        update: Message | None = first
        try:
            while update is not None:
                line = to_json(update)
                if "accepted" in line:
                    line["asset_url"] = f"/v1/assets/{line['accepted']['asset_id']}"
                await response.write(json.dumps(line).encode() + b"\n")
                update = await anext(stream, None)
        except (asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception as exc:
            error = as_service_error(exc)
            line = {
                "error": {
                    "code": error.code.value[0],
                    "status": error.code.name,
                    "message": error.message,
                }
            }
            await response.write(json.dumps(line).encode() + b"\n")
        await response.write_eof()
        return response


# Query parameters of the upload routes: each header's own fields, then render options.
_CONTINUE_FIELDS = {"duration_s": float, "description": str, "only_new": bool, "no_events": bool}
_DUB_FIELDS = {"description": str, "keep_audio": bool}
_UPLOAD_OPTIONS = {
    "sample_rate": int,
    "channels": int,
    "format": str,
    "bit_depth": int,
    "seed": int,
    "loop": bool,
    "true_peak_db": float,
}


def _query_value(name: str, raw: str, kind: type) -> Any:
    if kind is bool:
        if raw.lower() not in ("true", "false", "1", "0"):
            raise invalid(name, f"must be true or false, got {raw!r}")
        return raw.lower() in ("true", "1")
    try:
        return kind(raw)
    except ValueError:
        raise invalid(name, f"must be a {kind.__name__}, got {raw!r}") from None


def _refuse_unknown(query: Any, known: set[str], route: str) -> None:
    for name in query:
        if name not in known:
            raise invalid(
                name, f"is not a parameter of {route} (one of {', '.join(sorted(known))})"
            )


def _header_fields(header: Any, query: Any, fields: dict[str, type]) -> None:
    """The header's own fields, then its render options, from the query."""
    for name, kind in fields.items():
        if name in query:
            setattr(header, name, _query_value(name, query[name], kind))
    for name, kind in _UPLOAD_OPTIONS.items():
        if name not in query:
            continue
        value = _query_value(name, query[name], kind)
        if name == "format":
            value = (
                pb.AudioFormat.Value(f"AUDIO_FORMAT_{value.upper()}")
                if value.upper() in ("WAV", "OGG", "FLAC")
                else -1
            )
            if value < 0:
                raise invalid("format", f"must be wav, ogg or flac, got {query[name]!r}")
        setattr(header.options, name, value)
    if "loudness" in query:
        header.options.preset = query["loudness"]


def continue_header(query: Any) -> pb.ContinueClipHeader:
    """A ContinueClipHeader from /v1/continue's query (unknown parameters are refused)."""
    _refuse_unknown(
        query, {*_CONTINUE_FIELDS, *_UPLOAD_OPTIONS, "loudness", "clip_name"}, "/v1/continue"
    )
    header = pb.ContinueClipHeader(clip_name=query.get("clip_name", ""))
    if "duration_s" not in query:
        raise invalid("duration_s", "is required: the continuation's length, seconds")
    _header_fields(header, query, _CONTINUE_FIELDS)
    return header


def dub_header(query: Any) -> pb.DubVideoHeader:
    """A DubVideoHeader from /v1/dub's query (`shots` repeats, one per shot, in order)."""
    _refuse_unknown(
        query, {*_DUB_FIELDS, *_UPLOAD_OPTIONS, "loudness", "shots", "video_name"}, "/v1/dub"
    )
    header = pb.DubVideoHeader(video_name=query.get("video_name", ""))
    header.shots.extend(query.getall("shots", []))
    _header_fields(header, query, _DUB_FIELDS)
    return header


async def _upload_route(
    request: web.Request, header: Any, message: type, run: Any, max_bytes: int
) -> web.Response:
    """Stream the body to an upload RPC's handler as its messages (header, then the bytes)
    and answer as /v1/generate does: asset info, plan and the asset's URL."""
    deadline = _deadline(request)

    async def upload() -> Any:
        yield message(header=header)
        size = 0
        async for data in request.content.iter_chunked(CHUNK_BYTES):
            size += len(data)
            yield message(data=data)
            if size > max_bytes:
                return  # the servicer has answered RESOURCE_EXHAUSTED naming the file

    return _json_response(await _collect_result(run(upload(), deadline, with_chunks=False)))


async def _collect_result(stream: Any) -> dict[str, Any]:
    """A GenerateScene-shaped stream (without chunks) as one JSON answer: asset id and URL,
    plan, asset and done."""
    result: dict[str, Any] = {}
    async with contextlib.aclosing(stream):
        async for update in stream:
            which = update.WhichOneof("update")
            if which == "accepted":
                result["asset_id"] = update.accepted.asset_id
                result["asset_url"] = f"/v1/assets/{update.accepted.asset_id}"
            elif which in ("plan", "asset", "done"):
                result[which] = to_json(getattr(update, which))
    return result


async def continue_clip(request: web.Request) -> web.Response:
    """POST /v1/continue?duration_s=S[&...]: the clip's bytes as the body → asset info, plan
    and the asset's URL (as /v1/generate answers). The body may be up to 256 MiB."""
    from soundloom_server.service.continuation import MAX_CLIP_BYTES

    header = continue_header(request.query)
    run = request.app[SERVICER_KEY].continue_clip
    return await _upload_route(request, header, pb.ContinueClipRequest, run, MAX_CLIP_BYTES)


async def dub_video(request: web.Request) -> web.Response:
    """POST /v1/dub?description=...[&shots=...&shots=...][&keep_audio=true]: the video's bytes
    as the body → asset info, plan and the asset's URL. The body may be up to 512 MiB."""
    from soundloom_server.service.dubbing import MAX_VIDEO_BYTES

    header = dub_header(request.query)
    run = request.app[SERVICER_KEY].dub_video
    return await _upload_route(request, header, pb.DubVideoRequest, run, MAX_VIDEO_BYTES)


async def backends(request: web.Request) -> web.Response:
    """GET /v1/backends: ListBackendsResponse."""
    return _json_response(to_json(request.app[SERVICER_KEY].list_backends()))


async def asset_meta(request: web.Request) -> web.Response:
    """GET /v1/assets/{id}/meta: AssetInfo."""
    stored = request.app[SERVICER_KEY].stored_asset(request.match_info["asset_id"])
    return _json_response(to_json(stored.info))


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """[start, end) for a single `bytes=` range; None = whole file; 416 when unsatisfiable."""
    match = RANGE.fullmatch(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        return None  # malformed or multi-range: serve the whole file (RFC 9110 allows it)
    first, last = _position(match.group(1)), _position(match.group(2))
    if first is None:  # suffix: the last N bytes
        start, end = max(size - (last or 0), 0), size
    else:
        start = first
        end = min(last + 1, size) if last is not None else size
    if start >= size or start >= end:
        raise web.HTTPRequestRangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})
    return start, end


def _position(digits: str) -> int | None:
    if not digits:
        return None
    return int(digits) if len(digits) <= MAX_RANGE_DIGITS else 10**MAX_RANGE_DIGITS


def _etag_matches(header: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


async def asset_bytes(request: web.Request) -> web.StreamResponse:
    """GET /v1/assets/{id}[?file=name]: the file's bytes; ETag (sha256), 304, Range → 206."""
    started = time.perf_counter()
    servicer = request.app[SERVICER_KEY]
    stored, handle = await servicer.open_asset_file(
        request.match_info["asset_id"], request.query.get("file", "")
    )
    with handle:
        etag = f'"{handle.sha256}"'
        name = request.query.get("file") or stored.info.files[0].name
        headers = {
            "ETag": etag,
            "Accept-Ranges": "bytes",
            # Content-addressed: the bytes behind this URL never change.
            "Cache-Control": "public, max-age=31536000, immutable",
            "Content-Type": stored.info.mime_type
            if name == stored.info.files[0].name
            else _mime_for(name),
        }
        if _etag_matches(request.headers.get("If-None-Match", ""), etag):
            return web.Response(status=304, headers={"ETag": etag})
        span = None
        if "Range" in request.headers and _etag_matches(
            request.headers.get("If-Range", etag), etag
        ):
            span = _byte_range(request.headers["Range"], handle.size)
        start, end = span or (0, handle.size)
        response = web.StreamResponse(status=206 if span else 200, headers=headers)
        if span:
            response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{handle.size}"
        response.content_length = end - start
        await response.prepare(request)
        if request.method == "HEAD":
            return response
        offset = start
        while offset < end:
            data = handle.read(offset, min(CHUNK_BYTES, end - offset))
            if offset == start:
                request.app[METRICS_KEY].first_chunk_seconds.observe(
                    time.perf_counter() - started, "http_asset"
                )
            await response.write(data)
            offset += len(data)
        await response.write_eof()
        return response


def _mime_for(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower()
    return {"json": "application/json", **FORMAT_MIME}.get(suffix, "application/octet-stream")


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: 200 SERVING, or 503 NOT_SERVING while shutting down."""
    serving = request.app[HEALTH_KEY]()
    status = "SERVING" if serving else "NOT_SERVING"
    return _json_response({"status": status}, status=200 if serving else 503)


async def metrics(request: web.Request) -> web.Response:
    """GET /metrics: Prometheus text format."""
    return web.Response(
        text=request.app[METRICS_KEY].exposition(),
        content_type="text/plain",
        headers={"X-Content-Format": "prometheus-text-0.0.4"},
    )


def build_app(
    servicer: Servicer,
    metrics_: Metrics,
    serving: Callable[[], bool],
    token: str | None,
    cors_origins: tuple[str, ...] = (),
) -> web.Application:
    """The gateway application: routes, auth (when a token is set), JSON errors, metrics.

    `cors_origins` (opt-in; "*" = any origin) lets browsers on those origins call the gateway.
    """
    middlewares = [status_middleware]
    origins = frozenset(cors_origins)
    if origins:
        middlewares.append(cors_middleware(origins))
    if token:
        middlewares.append(auth_middleware(token))
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY_BYTES)
    app[SERVICER_KEY] = servicer
    app[METRICS_KEY] = metrics_
    app[HEALTH_KEY] = serving
    if origins:
        app.on_response_prepare.append(cors_headers(origins))
    app.router.add_post("/v1/plan", plan)
    app.router.add_post("/v1/generate", generate)
    app.router.add_post("/v1/generate/stream", generate_stream)
    app.router.add_post("/v1/continue", continue_clip)
    app.router.add_post("/v1/dub", dub_video)
    app.router.add_get("/v1/backends", backends)
    app.router.add_get("/v1/assets/{asset_id}/meta", asset_meta)
    app.router.add_get("/v1/assets/{asset_id}", asset_bytes)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app
