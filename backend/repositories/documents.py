"""Data access for documents, their passages and the full-text search over them: one interface,
the database's own index on each backend (PostgreSQL `tsvector` + GIN, SQLite FTS5). Every read
is scoped to the owner of the document's project."""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import Document, DocumentPassage, Project, StoredFile

_WORD = re.compile(r"[^\W_]+")
# SQLite's FTS5 has no stop words: a question's function words would match every passage.
_STOP_WORDS = frozenset(
    re.split(
        r"\s+",
        "a about after all also an and any are as at be been before but by can could did do "
        "does for from had has have he her his how i if in into is it its me my not of on or "
        "our she so than that the their them then there these they this to up us was we were "
        "what when where which while who whom why will with would you your",
    )
)


@dataclass(frozen=True, slots=True)
class SearchHit:
    passage_id: uuid.UUID
    document_id: uuid.UUID
    filename: str
    offset: int
    score: float
    snippet: str


def _owned(user_id: uuid.UUID) -> ColumnElement[bool]:
    return Document.project_id.in_(select(Project.id).where(Project.user_id == user_id))


async def add_document(
    session: AsyncSession, document: Document, passages: Sequence[tuple[int, str]]
) -> Document:
    """Store the document and its passages, each given as (offset in the text, text)."""
    session.add(document)
    await session.flush()
    if passages:
        await session.execute(
            insert(DocumentPassage),
            [
                {
                    "id": uuid.uuid4(),
                    "document_id": document.id,
                    "project_id": document.project_id,
                    "position": position,
                    "start_offset": offset,
                    "text": passage_text,
                }
                for position, (offset, passage_text) in enumerate(passages)
            ],
        )
    return document


async def list_documents(session: AsyncSession, project_id: uuid.UUID) -> Sequence[Document]:
    result = await session.execute(
        select(Document)
        .where(Document.project_id == project_id)
        .order_by(Document.created_at.desc(), Document.id)
    )
    return result.scalars().all()


async def get_owned_document(
    session: AsyncSession, document_id: uuid.UUID, user_id: uuid.UUID
) -> Document | None:
    result = await session.execute(
        select(Document).where(Document.id == document_id, _owned(user_id))
    )
    return result.scalar_one_or_none()


async def read_text(session: AsyncSession, document_id: uuid.UUID, offset: int, limit: int) -> str:
    """A slice of the document's text, cut in the database (a long text is never loaded)."""
    result = await session.execute(
        select(func.substr(Document.text, offset + 1, limit)).where(Document.id == document_id)
    )
    return result.scalar_one() or ""


async def read_full_text(session: AsyncSession, document_id: uuid.UUID) -> str:
    result = await session.execute(select(Document.text).where(Document.id == document_id))
    return result.scalar_one()


async def delete_document(session: AsyncSession, document: Document) -> None:
    """Delete the document with its stored file; its passages follow (cascade), and so do
    their index entries (the GIN index with its rows; FTS5 by trigger)."""
    await session.execute(delete(StoredFile).where(StoredFile.id == document.file_id))


# --- search --------------------------------------------------------------------------------------

_POSTGRES_SEARCH = text(
    """
    SELECT hit.id, hit.document_id, d.filename, hit.start_offset, hit.score,
           ts_headline('english', hit.text, hit.query,
                       'StartSel=«, StopSel=», MaxWords=35, MinWords=15, MaxFragments=2,
                        FragmentDelimiter=" … "') AS snippet
    FROM (
        SELECT p.id, p.document_id, p.start_offset, p.text, q.query,
               ts_rank(p.search_vector, q.query, 1) AS score
        FROM document_passage p, websearch_to_tsquery('english', :query) AS q(query)
        WHERE p.project_id = :project_id AND p.search_vector @@ q.query
          AND NOT (p.id = ANY(:exclude))
        ORDER BY score DESC, p.id
        LIMIT :limit
    ) AS hit
    JOIN document d ON d.id = hit.document_id
    ORDER BY hit.score DESC, hit.id
    """
)

_SQLITE_SEARCH = text(
    """
    SELECT f.passage_id, f.document_id, d.filename, p.start_offset, -bm25(document_passage_fts),
           snippet(document_passage_fts, 0, '«', '»', ' … ', 40)
    FROM document_passage_fts f
    JOIN document_passage p ON p.id = f.passage_id
    JOIN document d ON d.id = f.document_id
    WHERE document_passage_fts MATCH :query AND f.project_id = :project_id
    ORDER BY bm25(document_passage_fts), f.passage_id
    LIMIT :limit
    """
)


def _words(query: str) -> list[str]:
    return list(dict.fromkeys(word.lower() for word in _WORD.findall(query)))


def _sqlite_match(words: list[str], *, every: bool) -> str:
    """An FTS5 query of quoted terms only: user text is never FTS5 syntax, so it cannot fail."""
    terms = [word for word in words if word not in _STOP_WORDS] or words
    return (" " if every else " OR ").join(f'"{word}"' for word in terms)


async def _run_search(
    session: AsyncSession,
    project_id: uuid.UUID,
    query: str,
    limit: int,
    exclude: list[uuid.UUID],
) -> list[SearchHit]:
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"
    if postgres:
        params: dict[str, object] = {
            "query": query,
            "project_id": project_id,
            "exclude": exclude,
            "limit": limit,
        }
        rows = (await session.execute(_POSTGRES_SEARCH, params)).all()
    else:
        params = {"query": query, "project_id": project_id.hex, "limit": limit + len(exclude)}
        rows = (await session.execute(_SQLITE_SEARCH, params)).all()
    hits = []
    for passage_id, document_id, filename, offset, score, snippet in rows:
        hit = SearchHit(
            uuid.UUID(str(passage_id)),
            uuid.UUID(str(document_id)),
            filename,
            offset,
            float(score),
            snippet,
        )
        if hit.passage_id not in exclude:
            hits.append(hit)
    return hits[:limit]


async def search_passages(
    session: AsyncSession, project_id: uuid.UUID, query: str, limit: int
) -> list[SearchHit]:
    """The passages that best match `query`, best first. Passages with every word come
    first; when they are fewer than `limit`, passages with any of the words follow, so a
    question phrased in other words than the document still finds it."""
    words = _words(query)
    if not words:
        return []
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"
    # PostgreSQL's websearch syntax (quotes, "or", -word) never raises on user input.
    every = query if postgres else _sqlite_match(words, every=True)
    hits = await _run_search(session, project_id, every, limit, [])
    if len(hits) < limit and len(words) > 1:
        any_word = " or ".join(words) if postgres else _sqlite_match(words, every=False)
        found = [hit.passage_id for hit in hits]
        hits += await _run_search(session, project_id, any_word, limit - len(hits), found)
    return hits
