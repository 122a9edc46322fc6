"""Documents, search results and citations as the API shows them."""

import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from backend.schemas.common import PublicModel, check_storable_text

READ_LIMIT_MAX = 20_000
# Beyond any document's text (DOCUMENT_MAX_CHARS is at most this), and within a 32-bit integer.
READ_OFFSET_MAX = 100_000_000
SEARCH_QUERY_MAX = 500
SEARCH_LIMIT_MAX = 20
SEARCH_LIMIT_DEFAULT = 8
SEARCH_TOOL = "search_documents"


def _storable_query(value: str) -> str:
    """A query string is text like any body's: NUL and lone surrogates are refused."""
    check_storable_text(value, "q")
    return value


SearchQuery = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=SEARCH_QUERY_MAX),
    AfterValidator(_storable_query),
]


class DocumentPublic(PublicModel):
    id: uuid.UUID
    project_id: uuid.UUID
    file_id: uuid.UUID = Field(description="The uploaded bytes: GET `/api/files/{file_id}`")
    filename: str
    content_type: str
    characters: int = Field(description="Length of the extracted text")
    chunk_count: int = Field(description="Passages in the search index")
    created_at: datetime


class DocumentText(DocumentPublic):
    offset: int = Field(description="Where `text` starts in the document's text (characters)")
    text: str = Field(description="The slice of the extracted text asked for")


class SearchResult(PublicModel):
    document_id: uuid.UUID
    filename: str
    passage_id: uuid.UUID
    snippet: str = Field(description="The passage around the matches, each match within « »")
    score: float = Field(description="Relevance; higher is better, comparable within one search")
    offset: int = Field(description="Where the passage starts in the document's text")


class SearchResults(PublicModel):
    results: list[SearchResult]


class Citation(PublicModel):
    passage_id: uuid.UUID
    document_id: uuid.UUID
    filename: str
    snippet: str
    offset: int = 0


def citations_from(tool_calls: list[dict[str, Any]] | None) -> list[Citation] | None:
    """The passages a turn's successful searches returned, in order, each once: what an
    answer that used search rests on. None when the turn did not search."""
    citations: dict[str, Citation] = {}
    searched = False
    for call in tool_calls or []:
        if call.get("name") != SEARCH_TOOL or not call.get("ok"):
            continue
        try:
            results = json.loads(call.get("output") or "{}").get("results", [])
            found = [Citation.model_validate(result) for result in results]
        except (ValueError, AttributeError):
            continue  # an output cut for length: its passages cannot be cited
        searched = True
        for citation in found:
            citations.setdefault(str(citation.passage_id), citation)
    return list(citations.values()) if searched else None
