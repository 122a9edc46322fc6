"""Uploaded files: upload, read (bytes and thumbnail), delete. Only the owner can read one."""

import uuid

from fastapi import APIRouter, Request, Response, UploadFile, status

from backend.api.deps import CurrentUser, DetachedUser, FileServiceDep, SessionDep
from backend.api.downloads import attachment
from backend.api.routes.projects import etag_listed
from backend.api.uploads import FILE_UPLOAD_ERRORS, read_upload
from backend.schemas.file import FilePublic
from backend.services import document_text
from backend.services import files as file_service

router = APIRouter(
    prefix="/files",
    tags=["files"],
    responses={404: {"description": "No such file, or not yours"}},
)

# A file's bytes never change under its id, so the browser may keep them; private: only the
# owner's browser, never a shared cache.
FILE_CACHE_CONTROL = "private, max-age=31536000, immutable"
READ_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"image/*": {}}, "description": "The bytes, with their stored type"},
    304: {"description": "Not modified: the `If-None-Match` ETag is current"},
}
DOCUMENT_TYPES = (document_text.PLAIN, document_text.MARKDOWN, document_text.FOUNTAIN,
                  document_text.PDF, document_text.DOCX)  # fmt: skip
FILE_READ_RESPONSES: dict[int | str, dict[str, object]] = {
    **READ_RESPONSES,
    200: {
        "content": {"image/*": {}, **{kind.split(";")[0]: {} for kind in DOCUMENT_TYPES}},
        "description": "The bytes, with their stored type: a picture, or a document as sent",
    },
}


@router.post("", status_code=status.HTTP_201_CREATED, responses=FILE_UPLOAD_ERRORS)
async def upload_file(file: UploadFile, user: DetachedUser, files: FileServiceDep) -> FilePublic:
    """Upload a picture (PNG, JPEG, WebP, GIF) or a document (.txt, .md, .fountain, .pdf,
    .docx); the type is read from the bytes. A picture is stored re-encoded without metadata
    (EXIF and GPS are gone), with a thumbnail; a document as sent, once its text proves
    readable. To make a document searchable in a project, upload it to the project's documents
    instead."""
    data = await read_upload(file, files.size_limit)
    return await files.upload(user.id, file.filename, data)


def content_disposition(content: file_service.FileContent) -> str:
    """Pictures show in the page; a document (PDF, Word, text) downloads under its own name,
    never rendered from our origin."""
    return "inline" if content.content_type.startswith("image/") else attachment(content.filename)


def file_response(request: Request, content: file_service.FileContent, etag: str) -> Response:
    """The bytes with their type, ETag and caching; a bodyless 304 when the ETag is current."""
    headers = {
        "ETag": etag,
        "Cache-Control": FILE_CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": content_disposition(content),
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and etag_listed(etag, if_none_match):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content.body, media_type=content.content_type, headers=headers)


@router.get("/{file_id}", response_class=Response, responses=FILE_READ_RESPONSES)
async def read_file(
    file_id: uuid.UUID, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """The file's bytes as stored (a picture re-encoded without metadata, shown inline; a
    document as uploaded, as a download: `Content-Disposition: attachment` with its name)."""
    content = await file_service.read_file(session, file_id, user.id)
    return file_response(request, content, f'"{content.sha256}"')


@router.get("/{file_id}/thumbnail", response_class=Response, responses=READ_RESPONSES)
async def read_file_thumbnail(
    file_id: uuid.UUID, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """The picture at most 480 px on its longer side (WebP), made once at upload."""
    content = await file_service.read_file(session, file_id, user.id, thumbnail=True)
    return file_response(request, content, f'"{content.sha256}-thumbnail"')


@router.delete("/{file_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_file(file_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    """Delete the file; scenes that showed it show nothing (`image_file_id` becomes null)."""
    await file_service.delete_file(session, file_id, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
