"""One exception type per failure class; each names the offending field."""

from __future__ import annotations


class SoundloomError(Exception):
    """Base of every error the engine raises on purpose."""


class InvalidArgument(SoundloomError):  # noqa: N818 - mirrors the gRPC status name
    """A request, plan or option is out of its allowed range; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.detail = message


class NotFound(SoundloomError):  # noqa: N818
    """An asset, recipe or backend that does not exist."""


class Unavailable(SoundloomError):  # noqa: N818
    """A backend that exists but cannot run here (no torch, no weights, no GPU)."""


class Cancelled(SoundloomError):  # noqa: N818
    """The caller cancelled the work; raised between units of work."""
