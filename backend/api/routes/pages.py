"""The browser app's pages: one HTML shell, with protected pages checked on the server."""

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend.api.deps import SESSION_COOKIE, OptionalUser, get_signed_in_user
from backend.core.db import unit_of_work

FRONTEND_DIR = Path(__file__).resolve().parents[3] / "frontend"
SHELL = (FRONTEND_DIR / "index.html").read_bytes()
# Public pages that keep the navigation for a signed-in browser say so in the shell, so a
# signed-out visitor's browser makes no request that can only answer 401.
SHELL_SIGNED_IN = SHELL.replace(b"<body>", b'<body data-signed-in="true">', 1)
NO_CACHE = {"cache-control": "no-cache"}

router = APIRouter(include_in_schema=False)


def _shell(status_code: int = 200, *, signed_in: bool = False) -> HTMLResponse:
    body = SHELL_SIGNED_IN if signed_in else SHELL
    return HTMLResponse(body, status_code=status_code, headers=NO_CACHE)


def _page_for_signed_in(request: Request, user: object) -> Response:
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return _shell()


@router.get("/")
async def read_home(user: OptionalUser) -> RedirectResponse:
    return RedirectResponse("/projects" if user else "/login", status_code=303)


@router.get("/login")
async def read_public_page() -> HTMLResponse:
    return _shell()


@router.get("/register")
async def read_register_page(user: OptionalUser) -> HTMLResponse:
    """Public; a signed-in browser (a guest signing up in place) gets the navigation."""
    return _shell(signed_in=user is not None)


@router.get("/projects")
@router.get("/canvas/{project_id}")
@router.get("/chat/{project_id}")
@router.get("/profile")
@router.get("/billing")
async def read_protected_page(request: Request, user: OptionalUser) -> Response:
    """Signed-out visitors go to the sign-in page, which brings them back here (`next`)."""
    return _page_for_signed_in(request, user)


async def not_found_page(request: Request) -> HTMLResponse:
    """What any other path shows: the app's "not found" page (a real 404, not a soft one), with
    the navigation for a signed-in browser. It is the router's default, outside dependency
    injection, so it reads the session cookie in a short read of its own."""
    if SESSION_COOKIE not in request.cookies:
        return _shell(404)
    async with unit_of_work(request.app.state.session_factory) as session:
        user = await get_signed_in_user(request, session, request.app.state.auth_service)
    return _shell(404, signed_in=user is not None)
