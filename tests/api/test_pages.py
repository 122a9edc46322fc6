"""Pages: public ones are served to anyone, protected ones only to a signed-in browser."""

import httpx
import pytest

from tests.conftest import TestUser

PROTECTED = ["/projects", "/canvas/{id}", "/chat/{id}", "/profile", "/billing"]
PROJECT_ID = "6f1c2a3b-0000-4000-8000-000000000001"


@pytest.mark.parametrize("path", PROTECTED)
async def test_protected_pages_redirect_signed_out_visitors_to_sign_in(
    client: httpx.AsyncClient, path: str
) -> None:
    page = path.format(id=PROJECT_ID)
    response = await client.get(page + "?tab=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=" + (page + "?tab=1").replace(
        "/", "%2F"
    ).replace("?", "%3F").replace("=", "%3D")


@pytest.mark.parametrize("path", PROTECTED)
async def test_protected_pages_are_served_to_a_signed_in_browser(
    client: httpx.AsyncClient, user: TestUser, path: str
) -> None:
    await client.post("/api/auth/login", json={"email": user.email, "password": user.password})
    response = await client.get(path.format(id=PROJECT_ID))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/js/main.js"></script>' in response.text
    assert "content-security-policy" in response.headers


async def test_a_revoked_cookie_no_longer_opens_pages(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    await client.post("/api/auth/login", json={"email": user.email, "password": user.password})
    assert (await client.get("/projects")).status_code == 200
    await client.post("/api/auth/logout", headers={"Origin": "http://testserver"})
    client.cookies.set("scenecraft_session", user.token)
    await client.post("/api/auth/logout", headers=user.headers)
    assert (await client.get("/projects")).status_code == 303


@pytest.mark.parametrize("path", ["/login", "/register"])
async def test_public_pages_need_no_session(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert "<main" in response.text


async def test_home_sends_visitors_where_they_belong(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    assert (await client.get("/")).headers["location"] == "/login"
    await client.post("/api/auth/login", json={"email": user.email, "password": user.password})
    assert (await client.get("/")).headers["location"] == "/projects"


async def test_unknown_pages_are_html_404s_and_unknown_api_paths_json_404s(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/no/such/page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    api = await client.get("/api/no/such/thing")
    assert api.status_code == 404
    assert api.json() == {"detail": "Not Found"}


async def test_the_shell_has_no_inline_script_or_style(client: httpx.AsyncClient) -> None:
    shell = (await client.get("/login")).text
    assert "<script>" not in shell
    assert "<style" not in shell
    assert " style=" not in shell
    assert "onclick" not in shell


async def test_static_assets_are_served(client: httpx.AsyncClient) -> None:
    for asset in (
        "/static/js/main.js",
        "/static/css/app.css",
        "/static/js/pages/canvas.js",
        "/static/vendor/dompurify-3.4.18/purify.es.mjs",
    ):
        response = await client.get(asset)
        assert response.status_code == 200, asset
