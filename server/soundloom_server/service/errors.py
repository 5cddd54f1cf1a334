"""Service errors: one status code and message per failure, mapped to gRPC and HTTP alike."""

from __future__ import annotations

import logging

import grpc

from soundloom_server.engine.errors import (
    Cancelled,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    SoundloomError,
    Unavailable,
)
from soundloom_server.service.store import StoreUnwritable

log = logging.getLogger("soundloom.service")

HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}


class ServiceError(Exception):
    """A failure with the status code the caller sees and a message that names the field."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        retry_after_s: float = 0.0,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after_s = retry_after_s
        self._http_status = http_status

    @property
    def http_status(self) -> int:
        """The HTTP status that carries this code on the gateway (an override, or the code's)."""
        return self._http_status or HTTP_STATUS.get(self.code, 500)


def invalid(field: str, message: str) -> ServiceError:
    """INVALID_ARGUMENT whose message starts with the field's path."""
    return ServiceError(grpc.StatusCode.INVALID_ARGUMENT, f"{field} {message}")


def as_service_error(exc: BaseException) -> ServiceError:
    """Any exception as the status a caller may see; UNKNOWN never leaks (unexpected = INTERNAL)."""
    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, InvalidArgument):
        return ServiceError(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
    if isinstance(exc, NotFound):
        return ServiceError(grpc.StatusCode.NOT_FOUND, str(exc))
    if isinstance(exc, Unavailable):
        return ServiceError(grpc.StatusCode.UNAVAILABLE, str(exc))
    if isinstance(exc, StoreUnwritable):
        return ServiceError(grpc.StatusCode.UNAVAILABLE, str(exc))
    if isinstance(exc, ResourceExhausted):
        return ServiceError(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc), http_status=413)
    if isinstance(exc, Cancelled):
        return ServiceError(grpc.StatusCode.CANCELLED, str(exc))
    if isinstance(exc, TimeoutError):
        return ServiceError(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded")
    if isinstance(exc, SoundloomError):
        return ServiceError(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
    # The traceback goes to the log, never to the caller.
    log.error("internal error", exc_info=exc)
    return ServiceError(grpc.StatusCode.INTERNAL, "internal error (see the server log)")
