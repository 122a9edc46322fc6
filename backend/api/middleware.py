"""Pure ASGI middleware wrapped around the whole app, outside Starlette's error handling, so even
an unhandled-exception 500 carries the security headers and gets logged."""

import json
import logging
import time
from functools import cache

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    # Scene images are any http(s) URL the user picks; the chat's Markdown sanitizer drops
    # external images separately, so model output cannot use them as beacons.
    "img-src 'self' data: blob: https: http:; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# Swagger UI and ReDoc set inline styles and ReDoc runs a blob: worker; both load only our copies.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; font-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
DOCS_PATHS = ("/docs", "/redoc")
# Load balancers ask these every few seconds: a line per answer would drown the log, so only
# failures are logged.
PROBE_PATHS = frozenset({"/healthz", "/readyz"})

request_log = logging.getLogger("scenecraft.request")


def _security_headers(scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
    path: str = scope["path"]
    return _header_set(
        path.startswith(DOCS_PATHS), scope.get("scheme") == "https", path.startswith("/api/")
    )


@cache
def _header_set(docs: bool, https: bool, api: bool) -> tuple[tuple[bytes, bytes], ...]:
    """Built once for each of the few kinds of response, not on every request."""
    headers = [
        (b"content-security-policy", (DOCS_CSP if docs else APP_CSP).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if https:
        headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
    if api:
        headers.append((b"cache-control", b"no-store"))
    return tuple(headers)


class EdgeMiddleware:
    """Adds the security headers to every response and logs one structured line per request
    (method, path, status, duration; never bodies, query strings or credentials), except for
    probes that succeed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_code = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in _security_headers(scope) if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            quiet = status_code < 400 and scope["path"] in PROBE_PATHS
            if not quiet and request_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                request_log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "client": client[0] if client else None,
                    },
                )


class BodyTooLargeError(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body too large: the limit is {limit} bytes")


class BodyLimitMiddleware:
    """Refuses bodies over the cap with a JSON 413: at once when Content-Length says so, and
    while reading when a chunked body runs over."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(send)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if response_started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": BodyTooLargeError(self.max_body_bytes).detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
