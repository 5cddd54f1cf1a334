"""One exception type per failure class; each names the offending field."""

from __future__ import annotations


class SoundloomError(Exception):
    """Base of every error the engine raises on purpose."""


class InvalidArgument(SoundloomError):
    """A request, plan or option is out of its allowed range; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.detail = message


class NotFound(SoundloomError):
    """An asset, recipe or backend that does not exist."""


class Unavailable(SoundloomError):
    """A backend that exists but cannot run here (no torch, no weights, no GPU)."""


class ResourceExhausted(SoundloomError):
    """A request inside every field's range that needs more than a limit allows; names it."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(f"{limit}: {message}")
        self.limit = limit


class Cancelled(SoundloomError):
    """The caller cancelled the work; raised between units of work."""
