"""Maps domain errors and validation failures to the contract's `{"detail": ...}` responses."""

import logging

from fastapi import FastAPI, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.routing import Match
from starlette.types import Scope

from backend.core.errors import (
    AuthenticationError,
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    OverloadedError,
    PreconditionFailedError,
    ThrottledError,
    TooLargeError,
    UnsupportedMediaError,
)

logger = logging.getLogger("scenecraft.errors")

# The first matching entry wins: subclasses before their base.
_STATUS_BY_ERROR: dict[type[DomainError], int] = {
    OverloadedError: status.HTTP_503_SERVICE_UNAVAILABLE,
    NotFoundError: status.HTTP_404_NOT_FOUND,
    ConflictError: status.HTTP_409_CONFLICT,
    PreconditionFailedError: status.HTTP_412_PRECONDITION_FAILED,
    AuthenticationError: status.HTTP_401_UNAUTHORIZED,
    ForbiddenError: status.HTTP_403_FORBIDDEN,
    ThrottledError: status.HTTP_429_TOO_MANY_REQUESTS,
    InvalidInputError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    TooLargeError: status.HTTP_413_CONTENT_TOO_LARGE,
    UnsupportedMediaError: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
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
        detail = [{"loc": list(error.loc), "msg": error.message, "type": "value_error"}]
    return JSONResponse({"detail": detail, **error.extra}, status_code=status_code, headers=headers)


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


# The order Allow lists methods in; OPTIONS is answered on every known path (see below).
_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """The methods some route of the app serves at this request's path, read from the routes
    themselves (a route whose path matches and method does not is a partial match), so it
    cannot drift from them. HEAD goes with GET (`EdgeMiddleware` serves it)."""
    methods: set[str] = set()
    for route in iter_route_contexts(app.routes):
        if route.methods and route.matches(scope)[0] is not Match.NONE:
            methods |= route.methods
    if not methods:
        return []
    methods.add("OPTIONS")
    if "GET" in methods:
        methods.add("HEAD")
    known = [method for method in _METHOD_ORDER if method in methods]
    return known + sorted(methods.difference(_METHOD_ORDER))


async def method_not_allowed_handler(request: Request, error: Exception) -> Response:
    """A path some route serves, with a method none serves there: 405 naming every method the
    path takes (Starlette names only the first route's), or for OPTIONS the honest answer."""
    allow = ", ".join(allowed_methods(request.app, request.scope))
    if request.method == "OPTIONS":
        return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"Allow": allow})
    return JSONResponse(
        {"detail": "Method Not Allowed"},
        status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
        headers={"Allow": allow},
    )


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED, method_not_allowed_handler)
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(Exception, unhandled_error_handler)
