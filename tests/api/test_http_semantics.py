"""HTTP semantics: 405 with a true Allow, honest OPTIONS and HEAD, bodies that are not UTF-8 or nest
too deep, and oversized header blocks — in process and over a real uvicorn socket."""

import re
import uuid

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message

from backend.api.middleware import MAX_HEADER_BYTES, MAX_JSON_DEPTH
from tests.conftest import TestUser
from tests.servers import serve

JSON_BODY = {"content-type": "application/json"}
STANDARD_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allow_of(response: httpx.Response) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}


def documented_paths(app: FastAPI) -> dict[str, set[str]]:
    """Every path of the OpenAPI document with a concrete id, and the methods it declares."""
    paths = app.openapi()["paths"]
    return {
        re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path): {method.upper() for method in operations}
        for path, operations in paths.items()
    }


async def test_every_documented_path_answers_undeclared_methods_with_405_and_a_true_allow(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    for path, declared in documented_paths(app).items():
        expected = declared | {"OPTIONS"} | ({"HEAD"} if "GET" in declared else set())
        for method in set(STANDARD_METHODS) - expected:
            response = await client.request(method, path, headers=user.headers)
            assert response.status_code == 405, (method, path, response.text)
            if method != "HEAD":
                assert response.json() == {"detail": "Method Not Allowed"}
            assert allow_of(response) == expected, (method, path)


async def test_known_api_path_with_a_wrong_method_is_405_listing_every_route_on_it(
    client: httpx.AsyncClient, project: dict[str, object]
) -> None:
    # GET and POST /api/projects are two routes: Allow names both, not the first one found.
    response = await client.patch("/api/projects")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    response = await client.post(f"/api/projects/{project['id']}")
    assert response.headers["allow"] == "GET, HEAD, PUT, DELETE, OPTIONS"


async def test_page_path_with_a_wrong_method_is_405_and_unknown_paths_stay_404(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/projects")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
    for method in STANDARD_METHODS:
        page = await client.request(method, "/no/such/page")
        assert page.status_code == 404, method
        assert page.headers["content-type"].startswith("text/html")
        api = await client.request(method, "/api/no/such/thing")
        assert api.status_code == 404, method
        assert api.headers["content-type"] == "application/json"
        if method != "HEAD":
            assert api.json() == {"detail": "Not Found"}


async def test_trailing_slash_variants_are_unknown_paths_not_redirects(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/api/projects/")).status_code == 404
    assert (await client.post("/api/auth/login/")).status_code == 404
    assert (await client.get("/projects/")).status_code == 404


async def test_options_on_a_known_path_is_204_with_allow_and_404_on_an_unknown_one(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options("/api/projects")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    assert response.content == b""
    assert (await client.options("/api/auth/login")).headers["allow"] == "POST, OPTIONS"
    assert (await client.options("/healthz")).headers["allow"] == "GET, HEAD, OPTIONS"
    assert (await client.options("/api/no/such/thing")).status_code == 404
    assert (await client.options("/no/such/page")).status_code == 404


async def test_cors_preflight_is_still_answered_by_the_cors_middleware(make_app: object) -> None:
    cors_app = make_app(CORS_ORIGINS=["https://front.example"])  # type: ignore[operator]
    transport = httpx.ASGITransport(app=cors_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as cors:
        preflight = await cors.options(
            "/api/projects",
            headers={
                "Origin": "https://front.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Authorization, Content-Type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://front.example"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        plain = await cors.options("/api/projects", headers={"Origin": "https://front.example"})
        assert plain.status_code == 204
        assert plain.headers["allow"] == "GET, HEAD, POST, OPTIONS"
        assert plain.headers["access-control-allow-origin"] == "https://front.example"


async def test_head_is_get_without_a_body(
    client: httpx.AsyncClient, user: TestUser, project: dict[str, object]
) -> None:
    for path in ("/api/projects", f"/api/projects/{project['id']}", "/healthz", "/login"):
        get = await client.get(path, headers=user.headers)
        head = await client.head(path, headers=user.headers)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers["content-length"] == str(len(get.content))
    assert (await client.head("/api/projects")).status_code == 401
    response = await client.head("/api/auth/login")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST, OPTIONS"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"title": "Café"}'.encode("latin-1")),
        ("application/json", '{"title": "Café"}'.encode("utf-16")),
        ("application/json", b'{"title": "\xed\xa0\x80"}'),  # an encoded surrogate
        ("application/json; charset=utf-8", b'{"title": "ok\xff"}'),
    ],
)
async def test_json_body_that_is_not_utf8_is_422(
    client: httpx.AsyncClient, user: TestUser, content_type: str, body: bytes
) -> None:
    response = await client.post(
        "/api/projects", content=body, headers={**user.headers, "content-type": content_type}
    )
    assert response.status_code == 422, response.text
    assert response.json() == {
        "detail": [{"loc": ["body"], "msg": "The body is not valid UTF-8", "type": "unicode_error"}]
    }


@pytest.mark.parametrize("body", [b"\x00.1)>", b'\x00{"title": "x"}', b'{"title": "a\x00b"}'])
async def test_json_body_with_a_raw_nul_byte_is_422(
    client: httpx.AsyncClient, user: TestUser, body: bytes
) -> None:
    """Valid UTF-8, never valid JSON; leading NULs once made the JSON reader guess UTF-16 (400)."""
    response = await client.post(
        "/api/projects", content=body, headers={**user.headers, "content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(
    "body", [b"password=correct\xff&username=a%40example.com", b"password=%FF&username=a"]
)
async def test_form_body_that_is_not_utf8_is_422(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(
        "/api/auth/token",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["msg"] == "The body is not valid UTF-8"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 10_000,
        b'{"title": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
        b'{"title": "x", "description": ' + b'{"a": ' * (MAX_JSON_DEPTH + 1) + b"}",
    ],
)
async def test_json_nested_too_deep_is_422(
    client: httpx.AsyncClient, user: TestUser, body: bytes
) -> None:
    response = await client.post(
        "/api/projects", content=body, headers={**user.headers, **JSON_BODY}
    )
    assert response.status_code == 422, response.text
    assert response.json() == {
        "detail": [
            {
                "loc": ["body"],
                "msg": f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
                "type": "json_too_deep",
            }
        ]
    }


async def test_json_within_the_depth_bound_and_brackets_in_strings_are_validated_as_usual(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    depth = MAX_JSON_DEPTH - 1
    nested = b'{"title": ' + b"[" * depth + b"]" * depth + b"}"
    response = await client.post(
        "/api/projects",
        content=nested,
        headers={**user.headers, **JSON_BODY},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "string_type"
    title = '[{"\\"[' * 30
    created = await client.post("/api/projects", json={"title": title}, headers=user.headers)
    assert created.status_code == 201, created.text
    assert created.json()["title"] == title


async def test_header_block_over_16_kib_is_431(client: httpx.AsyncClient, user: TestUser) -> None:
    assert MAX_HEADER_BYTES == 16 * 1024
    under = {**user.headers, "x-padding": "a" * (MAX_HEADER_BYTES - 1024)}
    assert (await client.get("/api/projects", headers=under)).status_code == 200
    over = {**user.headers, "x-padding": "a" * MAX_HEADER_BYTES}
    response = await client.get("/api/projects", headers=over)
    assert response.status_code == 431
    assert response.json() == {
        "detail": f"Request header fields too large: the limit is {MAX_HEADER_BYTES} bytes"
    }
    # Many small headers count as much as one big one.
    many = {f"x-h{index}": "a" * 100 for index in range(200)}
    assert (await client.get("/healthz", headers=many)).status_code == 431


async def test_a_refusal_at_the_edge_is_an_answer_like_any_other(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    """431, 413 and 422 from the edge carry the security headers, and HEAD gets them without
    the body, like every other HEAD answer."""
    over = {**user.headers, "x-padding": "a" * MAX_HEADER_BYTES}
    too_big = {**user.headers, "content-length": str(1024 * 1024 * 1024)}
    for response in (
        await client.get("/api/projects", headers=over),
        await client.post("/api/projects", headers=too_big),
        await client.post(
            "/api/projects",
            content=b'{"title": "\xff"}',
            headers={**user.headers, "content-type": "application/json"},
        ),
    ):
        assert response.status_code in (413, 422, 431)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
    # Straight to the app: httpx drops whatever body a HEAD answer carries.
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    padding = [(b"x-padding", b"a" * MAX_HEADER_BYTES)]
    head = {"type": "http", "method": "HEAD", "path": "/healthz", "headers": padding}
    await app(head, receive, send)
    assert sent[0]["status"] == 431
    assert (b"x-frame-options", b"DENY") in sent[0]["headers"]
    assert [message["body"] for message in sent[1:]] == [b""]


@pytest.mark.parametrize("padding", [MAX_HEADER_BYTES, 1024 * 1024])
async def test_huge_header_over_a_real_socket_is_refused_and_the_server_keeps_serving(
    app: FastAPI, padding: int
) -> None:
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as http:
        refused = await http.get("/healthz", headers={"x-padding": "a" * padding})
        assert refused.status_code == 431
        assert refused.json()["detail"].startswith("Request header fields too large")
        assert (await http.get("/healthz")).json() == {"status": "ok"}
