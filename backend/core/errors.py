"""Domain errors raised by services; only `api/` turns them into HTTP responses."""


class DomainError(Exception):
    """Base class: the message is safe to show to the user; `extra` fields go beside it in the
    response body (`{"detail": message, **extra}`)."""

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class NotFoundError(DomainError):
    """Missing, or belonging to someone else: the two are indistinguishable on purpose."""

    def __init__(self, resource: str) -> None:
        super().__init__(f"{resource} not found")


class ConflictError(DomainError):
    pass


class PreconditionFailedError(DomainError):
    """The write named (If-Match) a revision of the project that is no longer current."""

    def __init__(self, revision: int) -> None:
        super().__init__(
            f"The project has changed since you read it (it is at revision {revision} now): "
            "read it again and reapply your change.",
            revision=revision,
        )


class InvalidInputError(DomainError):
    """Input that passed the schema but breaks a rule that needs the database to check;
    `loc` names where (as a 422's `loc`), the body as a whole by default."""

    def __init__(self, message: str, loc: tuple[str | int, ...] = ("body",)) -> None:
        super().__init__(message)
        self.loc = loc


class TooLargeError(DomainError):
    """An upload over its byte or pixel limit."""


class UnsupportedMediaError(DomainError):
    """An upload whose content is none of the accepted types."""


class AuthenticationError(DomainError):
    pass


class ForbiddenError(DomainError):
    """Known to the caller, but not allowed (a share link that does not take comments)."""


class ThrottledError(DomainError):
    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class OverloadedError(ThrottledError):
    """Too much slow work of one kind is queued already: try again after `retry_after_seconds`
    (the server's capacity, not the caller's doing)."""
