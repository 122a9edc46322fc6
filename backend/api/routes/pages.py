"""The browser app's pages: one HTML shell (per page, its modules preloaded), with protected
pages checked on the server."""

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


def _page_for_signed_in(request: Request, user: object, page: str) -> Response:
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return _shell(page)


@router.get("/")
async def read_home(user: OptionalUser) -> RedirectResponse:
    return RedirectResponse("/projects" if user else "/login", status_code=303)


@router.get("/login")
async def read_public_page() -> HTMLResponse:
    return _shell("login")


@router.get("/register")
async def read_register_page(user: OptionalUser) -> HTMLResponse:
    """Public; a signed-in browser (a guest signing up in place) gets the navigation."""
    return _shell("register", signed_in=user is not None)


@router.get("/projects")
async def read_projects_page(request: Request, user: OptionalUser) -> Response:
    """Signed-out visitors go to the sign-in page, which brings them back here (`next`), as
    on every signed-in page."""
    return _page_for_signed_in(request, user, "projects")


@router.get("/canvas/{project_id}")
async def read_canvas_page(request: Request, user: OptionalUser) -> Response:
    return _page_for_signed_in(request, user, "canvas")


@router.get("/chat/{project_id}")
async def read_chat_page(request: Request, user: OptionalUser) -> Response:
    return _page_for_signed_in(request, user, "chat")


@router.get("/profile")
async def read_profile_page(request: Request, user: OptionalUser) -> Response:
    return _page_for_signed_in(request, user, "profile")


@router.get("/billing")
async def read_billing_page(request: Request, user: OptionalUser) -> Response:
    return _page_for_signed_in(request, user, "billing")


async def not_found_page(request: Request) -> HTMLResponse:
    """What any other path shows: the app's "not found" page (a real 404, not a soft one), with
    the navigation for a signed-in browser. It is the router's default, outside dependency
    injection, so it reads the session cookie in a short read of its own."""
    if SESSION_COOKIE not in request.cookies:
        return _shell("missing", 404)
    async with unit_of_work(request.app.state.session_factory) as session:
        user = await get_signed_in_user(request, session, request.app.state.auth_service)
    return _shell("missing", 404, signed_in=user is not None)
