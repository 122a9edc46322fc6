"""The browser app's pages: one HTML shell (per page, its modules preloaded), with protected
pages checked on the server."""

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend.api.deps import SESSION_COOKIE, OptionalUser, get_signed_in_user
from backend.api.shell import page_shell
from backend.core.db import unit_of_work

NO_CACHE = {"cache-control": "no-cache"}

router = APIRouter(include_in_schema=False)


def _shell(page: str, status_code: int = 200, *, signed_in: bool = False) -> HTMLResponse:
    return HTMLResponse(
        page_shell(page, signed_in=signed_in), status_code=status_code, headers=NO_CACHE
    )


SIGNED_IN_PAGES = {
    "/projects": "projects",
    "/canvas/{project_id}": "canvas",
    "/chat/{project_id}": "chat",
    "/profile": "profile",
    "/billing": "billing",
}
"""Path → its page module (`frontend/js/pages/{page}.js`)."""


def _signed_in_page(page: str) -> Callable[[Request, OptionalUser], Awaitable[Response]]:
    async def read_page(request: Request, user: OptionalUser) -> Response:
        """Signed-out visitors go to the sign-in page, which brings them back here (`next`)."""
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return _shell(page)

    return read_page


@router.get("/")
async def read_home(user: OptionalUser) -> RedirectResponse:
    return RedirectResponse("/projects" if user else "/login", status_code=303)


@router.get("/login")
async def read_login_page() -> HTMLResponse:
    return _shell("login")


@router.get("/register")
async def read_register_page(user: OptionalUser) -> HTMLResponse:
    """Public; a signed-in browser (a guest signing up in place) gets the navigation."""
    return _shell("register", signed_in=user is not None)


for path, page in SIGNED_IN_PAGES.items():
    router.add_api_route(path, _signed_in_page(page), methods=["GET"], name=f"read_{page}_page")


async def not_found_page(request: Request) -> HTMLResponse:
    """What any other path shows: the app's "not found" page (a real 404, not a soft one), with
    the navigation for a signed-in browser. It is the router's default, outside dependency
    injection, so it reads the session cookie in a short read of its own."""
    if SESSION_COOKIE not in request.cookies:
        return _shell("missing", 404)
    async with unit_of_work(request.app.state.session_factory) as session:
        user = await get_signed_in_user(request, session, request.app.state.auth_service)
    return _shell("missing", 404, signed_in=user is not None)
