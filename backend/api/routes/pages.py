"""The browser app's pages: one HTML shell, with protected pages checked on the server."""

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend.api.deps import OptionalPrincipalDep

FRONTEND_DIR = Path(__file__).resolve().parents[3] / "frontend"
SHELL = (FRONTEND_DIR / "index.html").read_bytes()
NO_CACHE = {"cache-control": "no-cache"}

router = APIRouter(include_in_schema=False)


def _shell(status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(SHELL, status_code=status_code, headers=NO_CACHE)


def _page_for_signed_in(request: Request, principal: object) -> Response:
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return _shell()


@router.get("/")
async def read_home(principal: OptionalPrincipalDep) -> RedirectResponse:
    return RedirectResponse("/projects" if principal else "/login", status_code=303)


@router.get("/login")
@router.get("/register")
async def read_public_page() -> HTMLResponse:
    return _shell()


@router.get("/projects")
@router.get("/canvas/{project_id}")
@router.get("/chat/{project_id}")
@router.get("/profile")
@router.get("/billing")
async def read_protected_page(request: Request, principal: OptionalPrincipalDep) -> Response:
    """Signed-out visitors go to the sign-in page, which brings them back here (`next`)."""
    return _page_for_signed_in(request, principal)


def not_found_page() -> HTMLResponse:
    """What any other path shows: the app's "not found" page (a real 404, not a soft one)."""
    return _shell(404)
