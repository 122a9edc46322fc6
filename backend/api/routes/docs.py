"""Swagger UI and ReDoc served from our own vendored copies: they work with no internet and under
a CSP that allows no third-party script. Neither makes a request to another origin: ReDoc's
telemetry (sent to Redocly's collector by default) is switched off, and its attribution logo is
inlined in our copy (frontend/vendor/redoc-3.0.1/PATCHED.md)."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

SWAGGER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scenecraft API — Swagger UI</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/vendor/swagger-ui-5.35.0/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js"></script>
<script src="/static/docs-assets/swagger-init.js"></script></body></html>"""

REDOC_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scenecraft API — ReDoc</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml"></head>
<body><redoc spec-url="/openapi.json" disable-telemetry="true"></redoc>
<script type="module" src="/static/vendor/redoc-3.0.1/redoc.standalone.js"></script>
</body></html>"""


@router.get("/docs")
async def read_swagger_ui() -> HTMLResponse:
    return HTMLResponse(SWAGGER_HTML)


@router.get("/redoc")
async def read_redoc() -> HTMLResponse:
    return HTMLResponse(REDOC_HTML)
