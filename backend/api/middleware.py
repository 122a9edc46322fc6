"""The app's edge: one pure ASGI middleware wrapped around the whole app, outside Starlette's
error handling, so even an unhandled-exception 500 carries the security headers and gets logged."""

import json
import logging
import re
import time
from collections.abc import Mapping
from functools import cache
from itertools import accumulate
from urllib.parse import unquote_to_bytes

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
# A share link's token opens its board to whoever holds it: never written to the log.
SHARE_TOKEN = re.compile(r"^(/api)?/s/[^/]+")

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


MAX_HEADER_BYTES = 16 * 1024
# Deep enough for any body this API takes (they nest three levels at most), shallow enough that
# no parser recurses far on a crafted one.
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_BRACKET_STEP = [0] * 256
for _opening, _closing in (b"[]", b"{}"):
    _BRACKET_STEP[_opening], _BRACKET_STEP[_closing] = 1, -1


class BodyTooLargeError(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body too large: the limit is {limit} bytes")


def _invalid_body(message: str, kind: str) -> dict[str, object]:
    return {"detail": [{"loc": ["body"], "msg": message, "type": kind}]}


def _json_depth(body: bytes) -> int:
    """How deep arrays and objects nest, brackets inside strings aside (a malformed body may
    count wrong here; the JSON parser refuses it anyway)."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0)


def _body_fault(media_type: bytes, body: bytes) -> dict[str, object] | None:
    """Why a JSON or form body cannot be read as text, if it cannot: not UTF-8 (RFC 8259 and
    the form encoding both require it), or nested too deep for a bounded parse."""
    text = body
    if media_type == b"application/x-www-form-urlencoded":
        text = unquote_to_bytes(body.replace(b"+", b" "))
    # ASCII is UTF-8, and checking for it builds no string, so only other bodies are decoded
    # here: the JSON parser's own decoding lets encoded lone surrogates through.
    if not text.isascii():
        try:
            text.decode()
        except UnicodeDecodeError:
            return _invalid_body("The body is not valid UTF-8", "unicode_error")
    # Never valid JSON (a NUL in a string is written \u0000), and leading NULs make Python's
    # JSON reader take UTF-8 for UTF-16 and fail outside the 422 path.
    if media_type != b"application/x-www-form-urlencoded" and b"\x00" in body:
        return _invalid_body("The body is not valid JSON: it holds a raw NUL byte", "json_invalid")
    # Fewer brackets than the bound cannot nest past it: most bodies stop here.
    if media_type != b"application/x-www-form-urlencoded" and (
        body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and _json_depth(body) > MAX_JSON_DEPTH
    ):
        return _invalid_body(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", "json_too_deep")
    return None


def _text_media_type(headers: dict[bytes, bytes]) -> bytes | None:
    """The media type when the body is JSON or a urlencoded form (text the app parses)."""
    media_type = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
    if media_type in (b"application/json", b"application/x-www-form-urlencoded"):
        return media_type
    return media_type if media_type.endswith(b"+json") else None


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body (the caller bounds it), and a receive that hands it to the app in one
    message and then passes on what the client sends next (a disconnect)."""
    chunks: list[bytes] = []
    message: Message = {"type": "http.request", "more_body": True}
    while message["type"] == "http.request" and message.get("more_body", False):
        message = await receive()
        chunks.append(message.get("body", b""))
    body = b"".join(chunks)
    replay: list[Message] = [
        {"type": "http.request", "body": body, "more_body": False}
        if message["type"] == "http.request"
        else message
    ]

    async def replaying_receive() -> Message:
        return replay.pop() if replay else await receive()

    return body, replaying_receive


async def _refuse(send: Send, status_code: int, content: dict[str, object]) -> None:
    body = json.dumps(content).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class EdgeMiddleware:
    """Everything the app does at its edge, in one pass: a layer wraps every request, so each
    one more costs its closures and awaits on every request (probes included).

    - Refuses what the app should never parse, before it does, with a JSON answer: a header
      block over MAX_HEADER_BYTES (431, under any server), a body over the cap (413: at once
      when Content-Length says so, else while reading), a JSON or form body that is not UTF-8,
      nests deeper than MAX_JSON_DEPTH or holds a raw NUL (422: FastAPI would say 400 or fail
      deep in its parser).
    - Serves HEAD as GET without the body (RFC 9110) wherever a route serves GET: the app sees
      a GET; its headers (Content-Length too) are kept.
    - Adds the security headers to every response, refusals and 500s included.
    - Logs one structured line per request (method, path, status, duration; never bodies, query
      strings or credentials), except for probes that succeed.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        max_upload_bytes: int,
        body_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Paths whose bodies have a cap of their own instead (a project import).
        self.body_limits = dict(body_limits or {})
        # Multipart bodies carry files, which have caps of their own (checked as the route
        # reads them); this bounds the whole body while it streams in.
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_code: int | None = None
        head = scope["method"] == "HEAD"
        security_headers = _security_headers(scope)
        limit = self.body_limits.get(scope["path"], self.max_body_bytes)
        received = 0

        async def edge_send(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = message.get("headers", [])
                present = {name.lower() for name, _ in headers}
                extra = [header for header in security_headers if header[0] not in present]
                message["headers"] = [*headers, *extra]
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        try:
            header_bytes = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if header_bytes > MAX_HEADER_BYTES:
                detail = f"Request header fields too large: the limit is {MAX_HEADER_BYTES} bytes"
                await _refuse(edge_send, 431, {"detail": detail})
                return
            headers = dict(scope["headers"])
            multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
            if multipart:
                limit = self.max_upload_bytes
            declared = headers.get(b"content-length", b"")
            if declared.isdigit() and int(declared) > limit:
                await _refuse(edge_send, 413, {"detail": BodyTooLargeError(limit).detail})
                return
            app_scope = {**scope, "method": "GET"} if head else scope
            media_type = _text_media_type(headers)
            if media_type is None:
                await self.app(app_scope, counting_receive, edge_send)
                return
            body, app_receive = await _read_body(counting_receive)
            fault = _body_fault(media_type, body) if body else None
            if fault is not None:
                await _refuse(edge_send, 422, fault)
                return
            await self.app(app_scope, app_receive, edge_send)
        except BodyTooLargeError:
            if status_code is not None:
                raise
            await _refuse(edge_send, 413, {"detail": BodyTooLargeError(limit).detail})
        finally:
            status = 500 if status_code is None else status_code
            quiet = status < 400 and scope["path"] in PROBE_PATHS
            if not quiet and request_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                request_log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": SHARE_TOKEN.sub(r"\1/s/…", scope["path"]),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "client": client[0] if client else None,
                    },
                )
