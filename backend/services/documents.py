"""Documents of a project: added (text extracted and indexed), listed, read, searched, deleted,
and turned into scenes. Extraction runs in a bounded number of worker threads before any
transaction opens, so a slow PDF never holds a database lock (README, "Who holds the
transaction"); a document that fails to extract stores nothing.
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.db import unit_of_work
from backend.core.errors import InvalidInputError, NotFoundError
from backend.models import Document
from backend.repositories import documents as document_repository
from backend.schemas.document import DocumentPublic, DocumentText, SearchResult
from backend.schemas.project import SceneCreate, ScenePublic
from backend.services import projects as project_service
from backend.services import scenes as scene_service
from backend.services.document_text import (
    Bounds,
    ExtractedText,
    Passage,
    extract_text,
    scene_drafts,
    split_passages,
)
from backend.services.files import FileService, clean_filename


def _extract(data: bytes, filename: str, bounds: Bounds) -> tuple[ExtractedText, list[Passage]]:
    extracted = extract_text(data, filename, bounds)
    return extracted, split_passages(extracted.text)


class DocumentService:
    """Adding documents: the one operation that does slow work, so it takes the session
    factory; everything else takes the request's session (the functions below)."""

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], file_service: FileService
    ):
        self._session_factory = session_factory
        self._files = file_service

    async def require_project(self, user_id: uuid.UUID, project_id: uuid.UUID) -> None:
        """404 for a project that is not the user's, before the upload is read."""
        async with unit_of_work(self._session_factory) as session:
            await project_service.require_project(session, project_id, user_id)

    async def add(
        self, user_id: uuid.UUID, project_id: uuid.UUID, filename: str | None, data: bytes
    ) -> DocumentPublic:
        name = clean_filename(filename, unnamed="document")
        extracted, passages = await self._files.in_worker(
            _extract, data, name, self._files.document_bounds
        )
        async with unit_of_work(self._session_factory, write=True) as session:
            await project_service.require_project(session, project_id, user_id)
            stored = await self._files.store_document(
                session, user_id, name, extracted.content_type, data
            )
            document = await document_repository.add_document(
                session,
                Document(
                    project_id=project_id,
                    file_id=stored.id,
                    filename=name,
                    content_type=extracted.content_type,
                    characters=len(extracted.text),
                    chunk_count=len(passages),
                    text=extracted.text,
                ),
                [(passage.offset, passage.text) for passage in passages],
            )
            return DocumentPublic.model_validate(document)


async def list_documents(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> list[DocumentPublic]:
    await project_service.require_project(session, project_id, user_id)
    documents = await document_repository.list_documents(session, project_id)
    return [DocumentPublic.model_validate(document) for document in documents]


async def require_document(
    session: AsyncSession, document_id: uuid.UUID, user_id: uuid.UUID
) -> Document:
    """The user's document, or NotFoundError whether it is missing or someone else's."""
    document = await document_repository.get_owned_document(session, document_id, user_id)
    if document is None:
        raise NotFoundError("Document")
    return document


async def read_document(
    session: AsyncSession, document_id: uuid.UUID, user_id: uuid.UUID, offset: int, limit: int
) -> DocumentText:
    document = await require_document(session, document_id, user_id)
    text = await document_repository.read_text(session, document.id, offset, limit)
    public = DocumentPublic.model_validate(document).model_dump()
    return DocumentText(**public, offset=offset, text=text)


async def delete_document(
    session: AsyncSession, document_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    document = await require_document(session, document_id, user_id)
    await document_repository.delete_document(session, document)


async def search(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, query: str, limit: int
) -> list[SearchResult]:
    await project_service.require_project(session, project_id, user_id)
    hits = await document_repository.search_passages(session, project_id, query, limit)
    return [
        SearchResult(
            document_id=hit.document_id,
            filename=hit.filename,
            passage_id=hit.passage_id,
            snippet=hit.snippet,
            score=hit.score,
            offset=hit.offset,
        )
        for hit in hits
    ]


async def import_scenes(
    session: AsyncSession, document_id: uuid.UUID, user_id: uuid.UUID
) -> list[ScenePublic]:
    """Scenes from the document's scene headings, appended in order through the scene service
    as one change set (one undo): all of them or none."""
    document = await require_document(session, document_id, user_id)
    drafts = scene_drafts(await document_repository.read_full_text(session, document.id))
    if not drafts:
        raise InvalidInputError(
            "The document has no scene headings: Fountain sluglines (INT., EXT., INT./EXT., "
            "EST., or a forced .HEADING) or Markdown headings (# Heading)"
        )
    return await scene_service.append_scenes(
        session,
        document.project_id,
        user_id,
        [SceneCreate(title=draft.title, script=draft.script) for draft in drafts],
    )
