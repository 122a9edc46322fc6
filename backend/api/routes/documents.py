"""Documents of a project: add, list, read, delete, search, and scenes from a script."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, UploadFile, status

from backend.api.deps import CurrentUser, DetachedUser, SessionDep, SettingsDep
from backend.api.uploads import DOCUMENT_UPLOAD_ERRORS, read_upload
from backend.schemas.document import (
    READ_LIMIT_MAX,
    READ_OFFSET_MAX,
    SEARCH_LIMIT_DEFAULT,
    SEARCH_LIMIT_MAX,
    DocumentPublic,
    DocumentText,
    SearchQuery,
    SearchResults,
)
from backend.schemas.project import ScenePublic
from backend.services import documents as document_service
from backend.services.documents import DocumentService

router = APIRouter(tags=["documents"])
Responses = dict[int | str, dict[str, object]]
PROJECT_404: Responses = {404: {"description": "No such project, or not yours"}}
DOCUMENT_404: Responses = {404: {"description": "No such document, or not yours"}}


def _service(request: Request) -> DocumentService:
    service: DocumentService = request.app.state.document_service
    return service


@router.post(
    "/projects/{project_id}/documents",
    status_code=status.HTTP_201_CREATED,
    responses={**PROJECT_404, **DOCUMENT_UPLOAD_ERRORS},
)
async def upload_document(
    project_id: uuid.UUID,
    file: UploadFile,
    request: Request,
    user: DetachedUser,
    settings: SettingsDep,
) -> DocumentPublic:
    """Add a document (.txt, .md, .fountain, .pdf, .docx; the type is read from the bytes) to
    the project: its text is extracted, cut into passages and indexed for search. Encrypted,
    damaged or empty documents are refused and nothing is stored."""
    documents = _service(request)
    await documents.require_project(user.id, project_id)
    data = await read_upload(file, settings.MAX_DOCUMENT_BYTES)
    return await documents.add(user.id, project_id, file.filename, data)


@router.get("/projects/{project_id}/documents", responses=PROJECT_404)
async def list_documents(
    project_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> list[DocumentPublic]:
    """The project's documents, newest first."""
    return await document_service.list_documents(session, project_id, user.id)


@router.get("/projects/{project_id}/search", responses=PROJECT_404)
async def search_documents(
    project_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[SearchQuery, Query(description="Words to find (1–500 characters)")],
    limit: Annotated[int, Query(ge=1, le=SEARCH_LIMIT_MAX)] = SEARCH_LIMIT_DEFAULT,
) -> SearchResults:
    """Full-text search over the project's documents, best first. Passages with every word of
    `q` rank first; then passages with some of them. PostgreSQL also reads web-search syntax
    (`"a phrase"`, `or`, `-word`)."""
    results = await document_service.search(session, project_id, user.id, q, limit)
    return SearchResults(results=results)


@router.get("/documents/{document_id}", responses=DOCUMENT_404)
async def read_document(
    document_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    offset: Annotated[int, Query(ge=0, le=READ_OFFSET_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=READ_LIMIT_MAX)] = READ_LIMIT_MAX,
) -> DocumentText:
    """The document with `limit` characters of its text from `offset`."""
    return await document_service.read_document(session, document_id, user.id, offset, limit)


@router.delete(
    "/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT, responses=DOCUMENT_404
)
async def delete_document(
    document_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Response:
    """Delete the document and its file; its passages leave the search index."""
    await document_service.delete_document(session, document_id, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/documents/{document_id}/scenes",
    status_code=status.HTTP_201_CREATED,
    responses={
        **DOCUMENT_404,
        409: {"description": "The scenes would not fit the project (at most 1,000)"},
        422: {"description": "The document has no scene headings"},
    },
)
async def import_scenes_from_document(
    document_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> list[ScenePublic]:
    """Scenes from the document's scene headings — Fountain sluglines (`INT.`, `EXT.`,
    `INT./EXT.`, `EST.`, forced `.HEADING`) or else Markdown headings — appended in order: the
    heading is the title, the text up to the next heading the script."""
    return await document_service.import_scenes(session, document_id, user.id)
