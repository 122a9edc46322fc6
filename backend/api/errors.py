"""Maps domain errors and validation failures to the contract's `{"detail": ...}` responses."""

import logging

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from backend.core.errors import (
    AuthenticationError,
    ConflictError,
    DomainError,
    InvalidInputError,
    NotFoundError,
    OverloadedError,
    ThrottledError,
)

logger = logging.getLogger("scenecraft.errors")

# The first matching entry wins: subclasses before their base.
_STATUS_BY_ERROR: dict[type[DomainError], int] = {
    OverloadedError: status.HTTP_503_SERVICE_UNAVAILABLE,
    NotFoundError: status.HTTP_404_NOT_FOUND,
    ConflictError: status.HTTP_409_CONFLICT,
    AuthenticationError: status.HTTP_401_UNAUTHORIZED,
    ThrottledError: status.HTTP_429_TOO_MANY_REQUESTS,
    InvalidInputError: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


async def domain_error_handler(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    status_code = next(
        (code for kind, code in _STATUS_BY_ERROR.items() if isinstance(error, kind)),
        status.HTTP_400_BAD_REQUEST,
    )
    headers = {}
    if isinstance(error, AuthenticationError):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, ThrottledError):
        headers["Retry-After"] = str(error.retry_after_seconds)
    detail: object = error.message
    if isinstance(error, InvalidInputError):
        detail = [{"loc": ["body"], "msg": error.message, "type": "value_error"}]
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


async def validation_error_handler(request: Request, error: Exception) -> JSONResponse:
    """The usual 422 list, without echoing the submitted values (they may be passwords)."""
    assert isinstance(error, RequestValidationError)
    detail = [
        {"loc": list(item.get("loc", ())), "msg": item.get("msg", ""), "type": item.get("type", "")}
        for item in error.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def unhandled_error_handler(request: Request, error: Exception) -> JSONResponse:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return JSONResponse(
        {"detail": "Internal server error"}, status_code=status.HTTP_500_INTERNAL_SERVER_ERROR
    )


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(Exception, unhandled_error_handler)
