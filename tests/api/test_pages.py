"""Pages: public ones are served to anyone, protected ones only to a signed-in browser."""

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.api import shell
from backend.schemas import common
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


async def test_the_not_found_page_tells_a_signed_in_browser_to_keep_its_navigation(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    signed_out = await client.get("/no/such/page")
    assert signed_out.status_code == 404
    assert "data-signed-in" not in signed_out.text
    await client.post("/api/auth/login", json={"email": user.email, "password": user.password})
    signed_in = await client.get("/no/such/page")
    assert signed_in.status_code == 404
    assert '<body data-signed-in="true">' in signed_in.text


async def test_the_current_user_carries_the_limits_the_server_enforces(
    client: httpx.AsyncClient, user: TestUser, app: FastAPI
) -> None:
    """The billing page states these; they are the numbers the quotas use."""
    me = await client.get("/api/users/me", headers=user.headers)
    assert me.status_code == 200
    assert me.json()["limits"] == {
        "projects_per_account": common.PROJECTS_PER_USER_MAX,
        "scenes_per_project": common.SCENES_PER_PROJECT_MAX,
        "assistant_messages_per_day": app.state.settings.CHAT_MESSAGES_PER_DAY,
    }


async def test_swagger_lists_each_operation_under_one_tag(client: httpx.AsyncClient) -> None:
    """Swagger UI shows an operation once per tag: two tags would list it twice."""
    spec = (await client.get("/openapi.json")).json()
    tags = {
        f"{method.upper()} {path}": operation.get("tags", [])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    }
    assert {name: found for name, found in tags.items() if len(found) != 1} == {}


async def test_the_shell_has_no_inline_script_or_style(client: httpx.AsyncClient) -> None:
    shell = (await client.get("/login")).text
    assert "<script>" not in shell
    assert "<style" not in shell
    assert " style=" not in shell
    assert "onclick" not in shell


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/canvas/{id}", ["pages/canvas.js", "components/board.js", "components/frame.js"]),
        ("/chat/{id}", ["pages/chat.js", "components/approval-card.js", "markdown.js"]),
        ("/projects", ["pages/projects.js", "ui.js", "router.js"]),
    ],
)
async def test_a_page_preloads_its_whole_module_graph_and_each_module_is_served(
    client: httpx.AsyncClient, user: TestUser, path: str, expected: list[str]
) -> None:
    """The shell names the page's modules, however deep (so the browser fetches them at once
    rather than one import level at a time), and nothing that is not there. That none is
    missed is checked against what a browser fetches (tests/e2e/test_web_app.py)."""
    await client.post("/api/auth/login", json={"email": user.email, "password": user.password})
    shell = (await client.get(path.format(id=PROJECT_ID))).text
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)">', shell)
    assert len(preloaded) == len(set(preloaded))
    assert {f"/static/js/{module}" for module in expected} <= set(preloaded)
    for url in preloaded:
        served = await client.get(url)
        assert served.status_code == 200, url
        assert "javascript" in served.headers["content-type"], url
    assert "/static/js/main.js" not in preloaded
    assert shell.index("modulepreload") < shell.index('<script type="module"')


def test_the_module_graph_follows_imports_only(tmp_path: Path) -> None:
    """Imports over several lines, re-exports and /static paths are followed; a string that is
    no import, a module outside the static files and a missing one are not."""
    root = tmp_path / "root"
    (root / "js" / "parts").mkdir(parents=True)
    (tmp_path / "outside.js").write_text("export const secret = 1;\n")
    modules = {
        "js/page.js": 'import {\n  a,\n  b as c,\n} from "./parts/a.js";\n'
        'import "/static/js/b.js";\nimport * as d from "../../outside.js";\n'
        'import e from "./gone.js";\n',
        "js/parts/a.js": 'export * from "./c.js";\nexport const url = "./not-a-module.js";\n'
        'export function f() {\n  return "./neither.js";\n}\n',
        "js/b.js": 'export { x } from "./parts/c.js";\n',
        "js/parts/c.js": "export const x = 1;\n",
        "js/not-a-module.js": "",
        "js/neither.js": "",
    }
    for name, text in modules.items():
        (root / name).write_text(text)
    graph = shell.module_graph([root / "js" / "page.js"], root=root)
    assert sorted(graph) == [
        "/static/js/b.js",
        "/static/js/page.js",
        "/static/js/parts/a.js",
        "/static/js/parts/c.js",
    ]


async def test_static_assets_are_served(client: httpx.AsyncClient) -> None:
    for asset in (
        "/static/js/main.js",
        "/static/css/app.css",
        "/static/js/pages/canvas.js",
        "/static/vendor/dompurify-3.4.18/purify.es.mjs",
    ):
        response = await client.get(asset)
        assert response.status_code == 200, asset


async def test_every_signed_in_operation_documents_401_and_its_writes_403(app: FastAPI) -> None:
    document = app.openapi()
    secured = [
        (method, path, operation["responses"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    ]
    assert len(secured) > 15
    for method, path, responses in secured:
        assert "401" in responses, (method, path)
        # Writes can meet the cross-site check; a read only a sign-in-only refusal (a token).
        if method not in ("get", "head"):
            assert "403" in responses, (method, path)
        elif "403" in responses:
            assert "token" in responses["403"]["description"].lower(), (method, path)
    assert "401" not in document["paths"]["/api/auth/register"]["post"]["responses"]
