"""Share links and review comments: the owner's routes, the public routes a link opens (no
account: the token is the credential), and the board's public page `/s/{token}`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.responses import HTMLResponse

from backend.api.deps import CurrentUser, SessionDep, SettingsDep, client_address
from backend.api.routes.files import READ_RESPONSES, file_response
from backend.api.shell import page_shell
from backend.core.errors import NotFoundError
from backend.schemas.share import (
    CommentCreate,
    CommentList,
    CommentPublic,
    CommentUpdate,
    ShareCreate,
    ShareCreated,
    SharedBoard,
    SharePublic,
)
from backend.services import shares as share_service
from backend.services.files import FileContent

ShareToken = Annotated[
    str,
    Path(
        min_length=1,
        max_length=128,
        pattern="^[A-Za-z0-9_-]+$",
        description="The link's token, from `url` when it was created",
    ),
]

# A link's pages and answers stay out of search engines, and its token (in the page's address)
# out of the Referer of anything the page loads.
PUBLIC_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}
# Pictures are revalidated on every use (the ETag makes that cheap), so a revoked link stops
# showing them at once rather than from the browser's cache.
SHARED_FILE_CACHE_CONTROL = "private, no-cache"
DEAD_LINK: dict[int | str, dict[str, str]] = {
    404: {"description": "No such link, or it was revoked or has expired"}
}

router = APIRouter(tags=["shares"])


@router.post(
    "/projects/{project_id}/shares",
    status_code=status.HTTP_201_CREATED,
    responses={404: {"description": "No such project, or not yours"}},
)
async def create_share(
    project_id: uuid.UUID, data: ShareCreate, session: SessionDep, user: CurrentUser
) -> ShareCreated:
    """A link to a read-only copy of the board at `/s/<token>`, for anyone who has it. The
    token is shown only in this answer: keep `url`."""
    return await share_service.create_share(session, project_id, user.id, data)


@router.get(
    "/projects/{project_id}/shares",
    responses={404: {"description": "No such project, or not yours"}},
)
async def list_shares(
    project_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> list[SharePublic]:
    """The project's live links, newest first (without their tokens)."""
    return await share_service.list_shares(session, project_id, user.id)


@router.delete(
    "/shares/{share_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "No such link, or not yours"}},
)
async def delete_share(share_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    """Revoke the link: it is dead at once, on every instance (its comments stay)."""
    await share_service.revoke_share(session, share_id, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/projects/{project_id}/comments",
    responses={404: {"description": "No such project, or not yours"}},
)
async def list_comments(
    project_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> CommentList:
    """Every review comment on the project's frames, oldest first."""
    return await share_service.list_comments(session, project_id, user.id)


@router.patch(
    "/comments/{comment_id}", responses={404: {"description": "No such comment, or not yours"}}
)
async def update_comment(
    comment_id: uuid.UUID, data: CommentUpdate, session: SessionDep, user: CurrentUser
) -> CommentPublic:
    """Mark the comment resolved, or open again."""
    return await share_service.update_comment(session, comment_id, user.id, data)


@router.delete(
    "/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "No such comment, or not yours"}},
)
async def delete_comment(comment_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    await share_service.delete_comment(session, comment_id, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/s/{token}", response_model=SharedBoard, responses=DEAD_LINK)
async def read_shared_board(token: ShareToken, session: SessionDep) -> Response:
    """The shared project with its scenes, with no account: nothing about its owner. Uploaded
    pictures are served through the link (`image_src`, `thumbnail_src`)."""
    board = await share_service.read_shared_board(session, token)
    return Response(board.model_dump_json(), media_type="application/json", headers=PUBLIC_HEADERS)


def _shared_file(request: Request, content: FileContent, etag: str) -> Response:
    response = file_response(request, content, etag)
    response.headers.update(PUBLIC_HEADERS)
    response.headers["Cache-Control"] = SHARED_FILE_CACHE_CONTROL
    return response


@router.get(
    "/s/{token}/files/{file_id}",
    response_class=Response,
    responses={**READ_RESPONSES, 404: {"description": "No such picture on this link's board"}},
)
async def read_shared_file(
    token: ShareToken, file_id: uuid.UUID, request: Request, session: SessionDep
) -> Response:
    """A picture that a scene of the link's project shows; any other file is a 404."""
    content = await share_service.read_shared_file(session, token, file_id)
    return _shared_file(request, content, f'"{content.sha256}"')


@router.get(
    "/s/{token}/files/{file_id}/thumbnail",
    response_class=Response,
    responses={**READ_RESPONSES, 404: {"description": "No such picture on this link's board"}},
)
async def read_shared_thumbnail(
    token: ShareToken, file_id: uuid.UUID, request: Request, session: SessionDep
) -> Response:
    """The same picture at most 480 px on its longer side."""
    content = await share_service.read_shared_file(session, token, file_id, thumbnail=True)
    return _shared_file(request, content, f'"{content.sha256}-thumbnail"')


@router.post(
    "/s/{token}/scenes/{scene_id}/comments",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "This link does not take comments"},
        404: {"description": "No such link (or it is dead), or no such scene on its board"},
        429: {"description": "Too many comments from this link or address; see Retry-After"},
    },
)
async def create_comment(
    token: ShareToken,
    scene_id: uuid.UUID,
    data: CommentCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> CommentPublic:
    """Leave a comment on a frame, as a guest with a name, through a link that allows it."""
    return await share_service.add_comment(
        session,
        token,
        scene_id,
        data,
        client_address(request),
        share_service.comment_limits(settings),
    )


# The board's public page: the app's shell, marked for no index, served only for a live link.
SHARED_SHELL = page_shell("shared").replace(
    b"<head>", b'<head>\n  <meta name="robots" content="noindex, nofollow">', 1
)
page_router = APIRouter(include_in_schema=False)


@page_router.get("/s/{token}")
async def read_shared_page(token: str, session: SessionDep) -> HTMLResponse:
    """200 for a live link, else 404 (the page then says the link is not available)."""
    try:
        await share_service.open_share(session, token)
        status_code = status.HTTP_200_OK
    except NotFoundError:
        status_code = status.HTTP_404_NOT_FOUND
    return HTMLResponse(
        SHARED_SHELL,
        status_code=status_code,
        headers={**PUBLIC_HEADERS, "Cache-Control": "no-store"},
    )
