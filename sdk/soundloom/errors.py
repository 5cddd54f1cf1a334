"""The SDK's exceptions: one type per failure class, the same in embedded and remote mode.

The engine's own error types are reused, so `except soundloom.InvalidArgument` catches a bad
field whether the engine ran in-process or on a server. Remote failures keep the server's
message verbatim (it starts with the offending field's path).
"""

from __future__ import annotations

from soundloom_server.engine.errors import (
    Cancelled,
    InvalidArgument,
    NotFound,
    SoundloomError,
    Unavailable,
)

__all__ = [
    "CacheCorrupt",
    "Cancelled",
    "DeadlineExceeded",
    "InternalError",
    "InvalidArgument",
    "NotFound",
    "ResourceExhausted",
    "SoundloomError",
    "Unauthenticated",
    "Unavailable",
    "error_for_status",
]


class ResourceExhausted(SoundloomError):
    """The server is at its concurrency cap or its render queue is full (retried first)."""

    def __init__(self, message: str, retry_after_s: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Unauthenticated(SoundloomError):
    """The server wants a token (`Client(target, token=...)`) or refused the one sent."""


class DeadlineExceeded(SoundloomError):
    """The call's deadline passed before the server answered."""


class InternalError(SoundloomError):
    """The server failed unexpectedly; its log has the details."""


class CacheCorrupt(SoundloomError):
    """A cached file no longer matches the sha256 recorded when it was stored."""


def error_for_status(code_name: str, message: str, retry_after_s: float = 0.0) -> SoundloomError:
    """The typed exception for a gRPC status code name (e.g. "NOT_FOUND"), message kept."""
    if code_name == "INVALID_ARGUMENT":
        # The server's message starts with the field's path: "events[3].duration_s must be ...".
        field, _, detail = message.partition(" ")
        error = InvalidArgument(field or "request", detail)
        error.args = (message,)
        return error
    if code_name == "RESOURCE_EXHAUSTED":
        return ResourceExhausted(message, retry_after_s)
    simple: dict[str, type[SoundloomError]] = {
        "NOT_FOUND": NotFound,
        "UNAVAILABLE": Unavailable,
        "CANCELLED": Cancelled,
        "UNAUTHENTICATED": Unauthenticated,
        "DEADLINE_EXCEEDED": DeadlineExceeded,
    }
    return simple.get(code_name, InternalError)(message)
