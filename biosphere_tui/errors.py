"""Domain errors raised by every client: one plain sentence, never a secret."""

from __future__ import annotations

from biosphere_tui.safe_text import TEXT_LIMIT, clean


class SourceError(Exception):
    """A data source (the portal or one OpenStack site) failed.

    ``str(error)`` is a complete sentence fit for the screen and the log.
    ``retry_after`` is the server's hint in seconds, when it gave one. The message often
    quotes the server (a portal or Nova error): it is made safe here, once for every error.
    """

    kind = "error"

    def __init__(self, source: str, message: str, *, retry_after: float | None = None) -> None:
        source, message = clean(source), clean(message, limit=TEXT_LIMIT)
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message
        self.retry_after = retry_after


class Unreachable(SourceError):
    kind = "unreachable"


class Timeout(SourceError):
    kind = "timeout"


class AuthFailed(SourceError):
    kind = "auth"


class Forbidden(SourceError):
    kind = "forbidden"


class NotFound(SourceError):
    kind = "not_found"


class Conflict(SourceError):
    kind = "conflict"


class Invalid(SourceError):
    """The server refused the request's content (422): quota, capacity, a field."""

    kind = "invalid"

    def __init__(self, source: str, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(source, message)
        self.code = clean(code)
        self.field = None if field is None else clean(field)


class Busy(SourceError):
    """429 or 503: try again later."""

    kind = "busy"


class ServerFailed(SourceError):
    kind = "server"


class BadReply(SourceError):
    """The reply could not be understood: not JSON, an HTML page, or the wrong shape."""

    kind = "bad_reply"


class ConfigError(Exception):
    """The configuration is unusable; the message names the key or file."""
