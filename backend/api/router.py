"""Everything under /api; an unknown /api path is a JSON 404, never a page."""

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketClose

from backend.api.routes import (
    assistant,
    auth,
    chat,
    documents,
    dossier,
    events,
    exports,
    files,
    history,
    pages,
    projects,
    scenes,
    shares,
    users,
)

api_router = APIRouter(prefix="/api")
# Routes are matched in this order, one by one: the busiest (project reads) go first.
api_router.include_router(projects.router)
api_router.include_router(events.router)
api_router.include_router(scenes.router)
api_router.include_router(files.router)
api_router.include_router(auth.router)
api_router.include_router(users.router)
api_router.include_router(chat.router)
api_router.include_router(chat.conversations_router)
api_router.include_router(history.router)
api_router.include_router(dossier.router)
api_router.include_router(documents.router)
api_router.include_router(shares.router)
api_router.include_router(assistant.router)
api_router.include_router(exports.router)


async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """The app's answer when no route matches the path (the router's default, so that a path
    some route matches with another method is a 405, never this): a JSON 404 under /api, else
    the "not found" page."""
    if scope["type"] == "websocket":
        await WebSocketClose()(scope, receive, send)
        return
    path: str = scope["path"]
    response: Response
    if path == "/api" or path.startswith("/api/"):
        response = JSONResponse({"detail": "Not Found"}, status_code=status.HTTP_404_NOT_FOUND)
    else:
        response = await pages.not_found_page(Request(scope, receive))
    await response(scope, receive, send)
