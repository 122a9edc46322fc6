"""Tools over the project's documents: search them, read one, and make scenes from a script."""

import uuid

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from backend.assistant.tools.registry import Json, ToolArguments, ToolContext, this_project, tool
from backend.core.errors import NotFoundError
from backend.schemas.common import Id
from backend.schemas.document import (
    READ_OFFSET_MAX,
    SEARCH_LIMIT_DEFAULT,
    SEARCH_LIMIT_MAX,
    SearchQuery,
)
from backend.services import documents as document_service

# A read is bounded well below the tool output's own limit, so it is never cut.
READ_TOOL_LIMIT = 6_000


async def _document_in_project(
    session: AsyncSession, context: ToolContext, document_id: Id
) -> None:
    document = await document_service.require_document(session, document_id, context.user_id)
    if context.project_id is not None and document.project_id != context.project_id:
        raise NotFoundError("Document (no document with this id in this project)")


class SearchDocumentsArguments(ToolArguments):
    project_id: uuid.UUID = Field(description="The current project's id")
    query: SearchQuery = Field(description="Words to look for, e.g. a character, place or question")
    max_results: int = Field(default=SEARCH_LIMIT_DEFAULT, ge=1, le=SEARCH_LIMIT_MAX)


@tool(
    "search_documents",
    "Search the project's documents (treatment, brief, script, notes) and get the best "
    "passages first, each with its document_id, filename, a snippet and its offset.",
    read_only=True,
)
async def search_documents(
    session: AsyncSession, context: ToolContext, arguments: SearchDocumentsArguments
) -> Json:
    project_id = this_project(context, arguments.project_id)
    results = await document_service.search(
        session, project_id, context.user_id, arguments.query, arguments.max_results
    )
    return {"results": [result.model_dump(mode="json") for result in results]}


class ReadDocumentArguments(ToolArguments):
    document_id: Id
    offset: int = Field(
        default=0, ge=0, le=READ_OFFSET_MAX, description="Where to start, in characters"
    )
    limit: int = Field(default=READ_TOOL_LIMIT, ge=1, le=READ_TOOL_LIMIT)


@tool(
    "read_document",
    "Read part of one of the project's documents from a character offset (e.g. a search "
    "result's offset); `characters` is its whole length.",
    read_only=True,
)
async def read_document(
    session: AsyncSession, context: ToolContext, arguments: ReadDocumentArguments
) -> Json:
    await _document_in_project(session, context, arguments.document_id)
    document = await document_service.read_document(
        session, arguments.document_id, context.user_id, arguments.offset, arguments.limit
    )
    return {"document": document.model_dump(mode="json")}


class ImportScenesArguments(ToolArguments):
    document_id: Id


@tool(
    "import_scenes_from_document",
    "Make scenes from a document's scene headings (Fountain sluglines such as INT./EXT., or "
    "Markdown headings), appended after the existing scenes in order.",
)
async def import_scenes_from_document(
    session: AsyncSession, context: ToolContext, arguments: ImportScenesArguments
) -> Json:
    await _document_in_project(session, context, arguments.document_id)
    scenes = await document_service.import_scenes(session, arguments.document_id, context.user_id)
    return {
        "scene_count": len(scenes),
        "scenes": [{"id": str(s.id), "title": s.title, "order": s.order} for s in scenes],
    }


class ListDocumentsArguments(ToolArguments):
    project_id: uuid.UUID = Field(description="The current project's id")


@tool(
    "list_documents",
    "List the project's documents (newest first): id, filename, type and length, e.g. to "
    "find the script to make scenes from.",
    read_only=True,
)
async def list_documents(
    session: AsyncSession, context: ToolContext, arguments: ListDocumentsArguments
) -> Json:
    project_id = this_project(context, arguments.project_id)
    documents = await document_service.list_documents(session, project_id, context.user_id)
    return {
        "documents": [
            document.model_dump(
                mode="json", include={"id", "filename", "content_type", "characters"}
            )
            for document in documents
        ]
    }
