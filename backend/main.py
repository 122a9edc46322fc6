"""The application factory: `uvicorn backend.main:create_app --factory`."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from openai import AsyncOpenAI
from starlette.routing import Route
from starlette.types import ASGIApp

from backend.api.errors import register_error_handlers
from backend.api.mcp import MCP_PATH, ScenecraftMcp
from backend.api.middleware import EdgeMiddleware
from backend.api.openapi import document_sign_in_errors
from backend.api.router import api_router, not_found
from backend.api.routes import docs, health, pages, shares
from backend.api.shell import FRONTEND_DIR
from backend.assistant.engines import create_engine as create_chat_engine
from backend.assistant.engines import create_model_client
from backend.core.config import Settings, get_settings
from backend.core.db import RowReader, create_engine, create_session_factory
from backend.core.logging import configure_logging
from backend.core.security import PasswordHasher, TokenService
from backend.jobs.cleanup import run_periodically
from backend.services.assistant import AssistantService
from backend.services.auth import AuthService
from backend.services.change_feed import ChangeFeed
from backend.services.chat import ChatService
from backend.services.documents import DocumentService
from backend.services.export_pdf import PdfRenderer
from backend.services.files import FileService
from backend.services.live_events import LiveEvents
from backend.services.project_documents import ProjectDocuments
from backend.services.transfer import ProjectImporter

# The one JSON body allowed past MAX_BODY_BYTES: a project document with its pictures.
IMPORT_PATH = "/api/projects/import"

API_DESCRIPTION = """
Plan a video scene by scene. Authenticate with **Authorize** (OAuth2 password flow: your email
as the username), or `POST /api/auth/login` and send `Authorization: Bearer <token>`.

Errors are `{"detail": ...}`: 401 bad credentials, 404 missing *or not yours*, 409 conflict,
413 body over 1 MiB, 422 invalid input (unknown fields included), 429 throttled (`Retry-After`).
"""


class ScenecraftApp(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside ServerErrorMiddleware, so its 500s get security headers and a log line too.
        settings: Settings = self.state.settings
        return EdgeMiddleware(
            super().build_middleware_stack(),
            settings.MAX_BODY_BYTES,
            settings.max_upload_body_bytes,
            {IMPORT_PATH: settings.MAX_IMPORT_BYTES},
        )

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            document_sign_in_errors(super().openapi())
        return super().openapi()


def create_app(
    settings: Settings | None = None, model_client: AsyncOpenAI | None = None
) -> FastAPI:
    """The app; `model_client` replaces the configured model provider (tests use it)."""
    settings = settings or get_settings()
    configure_logging(settings.LOG_LEVEL)
    engine = create_engine(settings)
    session_factory = create_session_factory(engine)
    row_reader = RowReader(engine)
    change_feed = ChangeFeed(engine)
    model_client = model_client or create_model_client(settings)
    chat_service = ChatService(
        settings, session_factory, create_chat_engine(settings, model_client)
    )
    auth_service = AuthService(
        settings,
        session_factory,
        PasswordHasher(
            settings.BCRYPT_ROUNDS,
            settings.PASSWORD_HASH_CONCURRENCY,
            settings.PASSWORD_HASH_QUEUE,
        ),
        TokenService(settings),
    )
    mcp = ScenecraftMcp(settings, session_factory, auth_service)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        cleanup = (
            asyncio.create_task(run_periodically(settings, session_factory, model_client))
            if settings.CLEANUP_INTERVAL_MINUTES > 0
            else None
        )
        async with mcp.run(), change_feed.ending_streams_on_exit_signals():
            yield
        await change_feed.close()
        if cleanup is not None:
            cleanup.cancel()
            await asyncio.gather(cleanup, return_exceptions=True)
        await chat_service.close()
        pdf_renderer.close()
        await model_client.close()
        await engine.dispose()

    app = ScenecraftApp(
        title="Scenecraft API",
        version="0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        # `/api/projects/` is an unknown path (404), as it always was, not a redirect.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.change_feed = change_feed
    app.state.live_events = LiveEvents(change_feed, session_factory)
    app.state.model_client = model_client
    app.state.chat_service = chat_service
    file_service = FileService(settings, session_factory)
    app.state.file_service = file_service
    app.state.document_service = DocumentService(session_factory, file_service)
    app.state.assistant_service = AssistantService(settings, session_factory, model_client)
    pdf_renderer = PdfRenderer(settings, session_factory)
    app.state.pdf_renderer = pdf_renderer
    app.state.project_importer = ProjectImporter(settings, session_factory, file_service)
    app.state.auth_service = auth_service
    app.state.mcp = mcp
    app.state.project_documents = ProjectDocuments(
        auth_service, row_reader, settings.PROJECT_CACHE_MB * 1024 * 1024
    )
    register_error_handlers(app)
    if settings.CORS_ORIGINS:
        # Only for a front end served from another origin; never "*" with credentials.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.CORS_ORIGINS,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Last-Event-ID"],
            expose_headers=["ETag", "Retry-After"],
        )
    # Probes first: they are matched before the API's routes, not after them.
    app.include_router(health.router)
    app.include_router(api_router)
    app.include_router(docs.router)
    app.include_router(pages.router)
    app.include_router(shares.page_router)
    # Exactly /mcp (a Mount would answer /mcp/ and redirect /mcp there); not in OpenAPI.
    app.router.routes.append(Route(MCP_PATH, mcp.app))
    app.mount("/static", StaticFiles(directory=FRONTEND_DIR), name="static")
    # No route matches the path: a 404 (a path some route matches with another method is a 405).
    app.router.default = not_found
    return app
