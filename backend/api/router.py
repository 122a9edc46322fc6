"""Everything under /api; an unknown /api path is a JSON 404, never a page."""

from fastapi import APIRouter, HTTPException, status

from backend.api.routes import auth, chat, projects, scenes, users

api_router = APIRouter(prefix="/api")
# Routes are matched in this order, one by one: the busiest (project reads) go first.
api_router.include_router(projects.router)
api_router.include_router(scenes.router)
api_router.include_router(auth.router)
api_router.include_router(users.router)
api_router.include_router(chat.router)


@api_router.api_route(
    "/{unknown_path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
async def unknown_api_path(unknown_path: str) -> None:
    raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
