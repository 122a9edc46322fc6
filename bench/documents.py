"""Documents: indexing a 300-page PDF (seconds, peak memory) and full-text search latency
(p50/p95 over 1,000 and 10,000 passages) on SQLite and PostgreSQL, plus the search-quality
fixture's recall@5 on each.

    .venv/bin/python bench/documents.py [--pages 300] [--queries 200]

The PDF is made here (tests/documents.py) with ~45 lines of prose a page; it is indexed through
the document service, the path an upload takes (extraction in a worker thread, then one write
transaction). Searches go through the repository, the query the API runs.
"""

import argparse
import asyncio
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

from common import throwaway_database
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.core.db import create_engine, create_session_factory, unit_of_work
from backend.models import Document, DocumentPassage, Project, StoredFile, User
from backend.repositories import documents as document_repository
from backend.schemas.project import ProjectCreate
from backend.services import history
from backend.services import projects as project_service
from backend.services.document_text import Bounds, extract_text, split_passages
from backend.services.documents import DocumentService
from backend.services.files import FileService
from backend.services.limits import account_limits
from tests.conftest import make_settings, migrate
from tests.documents import pdf
from tests.search_fixture import DOCUMENTS, QUESTIONS, recall_at

WORDS = [
    "lighthouse",
    "keeper",
    "storm",
    "ferry",
    "harbour",
    "reef",
    "wreck",
    "lantern",
    "tide",
    "island",
    "beach",
    "gull",
    "rope",
    "compass",
    "logbook",
    "father",
    "daughter",
    "developer",
    "contract",
    "dawn",
    "night",
    "fog",
    "bell",
    "cliff",
    "stairs",
    "lamp",
    "lens",
    "glass",
    "boat",
    "sail",
    "anchor",
    "net",
    "fisherman",
    "cafe",
    "terrace",
    "town",
    "road",
    "car",
    "train",
    "carriage",
    "letter",
    "photograph",
    "memory",
    "winter",
    "spring",
    "summer",
    "autumn",
    "rain",
    "wind",
    "wave",
    "shore",
    "sand",
    "stone",
    "shadow",
    "light",
    "dark",
    "silence",
    "voice",
    "song",
    "music",
    "drum",
    "whisper",
    "promise",
    "secret",
    "map",
    "coordinate",
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return " ".join(words).capitalize() + "."


def big_pdf(pages: int) -> bytes:
    rng = random.Random(300)
    return pdf([[sentence(rng)[:95] for _ in range(45)] for _ in range(pages)])


async def seed_owner(
    factory: async_sessionmaker[AsyncSession], settings: Settings
) -> tuple[uuid.UUID, uuid.UUID]:
    async with unit_of_work(factory, write=True) as session:
        user = User(email=f"bench-{uuid.uuid4().hex[:8]}@example.com", hashed_password="x")
        session.add(user)
        await session.flush()
        history.act_as(session, history.Actor("user"))
        project = await project_service.create_project(
            session,
            user.id,
            ProjectCreate(title="Bench"),
            limits=account_limits(settings, is_guest=False),
        )
        return user.id, project.id


async def add_passages(
    factory: async_sessionmaker[AsyncSession], user_id: uuid.UUID, project_id: uuid.UUID, count: int
) -> None:
    """`count` passages of ~1,000 characters, in documents of 500 passages."""
    rng = random.Random(count)
    for start in range(0, count, 500):
        passages = []
        offset = 0
        for _ in range(min(500, count - start)):
            body = " ".join(sentence(rng) for _ in range(12))[:1000]
            passages.append((offset, body))
            offset += len(body) + 2
        async with unit_of_work(factory, write=True) as session:
            stored = StoredFile(
                user_id=user_id,
                kind="document",
                filename="bench.txt",
                content_type="text/plain",
                size_bytes=1,
                sha256="0" * 64,
                content=b"x",
            )
            session.add(stored)
            await session.flush()
            await document_repository.add_document(
                session,
                Document(
                    project_id=project_id,
                    file_id=stored.id,
                    filename="bench.txt",
                    content_type="text/plain",
                    characters=offset,
                    chunk_count=len(passages),
                    text="\n\n".join(text for _, text in passages),
                ),
                passages,
            )


async def search_latency(
    factory: async_sessionmaker[AsyncSession], project_id: uuid.UUID, queries: int
) -> tuple[float, float]:
    rng = random.Random(7)
    timings = []
    for number in range(queries):
        if number % 2:
            query = f"where does the {rng.choice(WORDS)} meet the {rng.choice(WORDS)}?"
        else:
            query = f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
        started = time.perf_counter()
        async with unit_of_work(factory) as session:
            await document_repository.search_passages(session, project_id, query, 8)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


async def recall(factory: async_sessionmaker[AsyncSession], project_id: uuid.UUID) -> float:
    passages = []
    for filename, content in DOCUMENTS.items():
        extracted = extract_text(content.encode(), filename, Bounds(1000, 3_000_000, 60))
        passages.append((filename, extracted.text, split_passages(extracted.text)))
    async with unit_of_work(factory, write=True) as session:
        user_id = (await session.get(Project, project_id)).user_id  # type: ignore[union-attr]
        for filename, text, parts in passages:
            stored = StoredFile(
                user_id=user_id,
                kind="document",
                filename=filename,
                content_type="text/plain",
                size_bytes=1,
                sha256="0" * 64,
                content=b"x",
            )
            session.add(stored)
            await session.flush()
            await document_repository.add_document(
                session,
                Document(
                    project_id=project_id,
                    file_id=stored.id,
                    filename=filename,
                    content_type="text/plain",
                    characters=len(text),
                    chunk_count=len(parts),
                    text=text,
                ),
                [(part.offset, part.text) for part in parts],
            )
    found = []
    async with unit_of_work(factory) as session:
        for question in QUESTIONS:
            hits = await document_repository.search_passages(session, project_id, question.text, 5)
            ids = [hit.passage_id for hit in hits]
            rows = await session.execute(
                select(DocumentPassage.id, DocumentPassage.text).where(DocumentPassage.id.in_(ids))
            )
            texts = {passage_id: text for passage_id, text in rows}
            found.append([texts[passage_id] for passage_id in ids])
    return recall_at(found)


async def run_database(name: str, url: str, data_dir: Path, pdf_bytes: bytes, queries: int) -> None:
    settings = make_settings(url, data_dir)
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    try:
        user_id, project_id = await seed_owner(factory, settings)
        service = DocumentService(factory, FileService(settings, factory))
        started = time.perf_counter()
        added = await service.add(user_id, project_id, "bench.pdf", pdf_bytes)
        print(
            f"{name}: upload path for the PDF (extract + split + store + index): "
            f"{time.perf_counter() - started:.2f} s, {added.chunk_count} passages"
        )
        for total in (1_000, 10_000):
            _, project = await seed_owner(factory, settings)
            await add_passages(factory, user_id, project, total)
            p50, p95 = await search_latency(factory, project, queries)
            print(f"{name}: search over {total:,} passages: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        _, quality_project = await seed_owner(factory, settings)
        print(
            f"{name}: search quality fixture recall@5 = {await recall(factory, quality_project):.2f}"
        )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    pdf_bytes = big_pdf(args.pages)
    print(f"PDF: {args.pages} pages, {len(pdf_bytes) / 1024 / 1024:.1f} MiB")
    bounds = Bounds(10_000, 100_000_000, 3600)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    extracted = extract_text(pdf_bytes, "bench.pdf", bounds)
    extracted_at = time.perf_counter()
    passages = split_passages(extracted.text)
    split_at = time.perf_counter()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Memory in a second pass: tracing allocations slows the extraction several times over.
    tracemalloc.start()
    split_passages(extract_text(pdf_bytes, "bench.pdf", bounds).text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"extract: {extracted_at - started:.2f} s ({len(extracted.text):,} characters), "
        f"split: {split_at - extracted_at:.3f} s ({len(passages):,} passages), "
        f"peak Python allocations {peak / 1024 / 1024:.1f} MiB, "
        f"max RSS grew {(rss_after - rss_before) / 1024:.1f} MiB"
    )

    with tempfile.TemporaryDirectory() as directory:
        sqlite_url = f"sqlite+aiosqlite:///{directory}/bench.db"
        asyncio.run(migrate(sqlite_url))
        asyncio.run(run_database("sqlite", sqlite_url, Path(directory), pdf_bytes, args.queries))
        with throwaway_database() as postgres_url:
            url = postgres_url.replace("postgresql://", "postgresql+asyncpg://", 1)
            asyncio.run(run_database("postgresql", url, Path(directory), pdf_bytes, args.queries))


if __name__ == "__main__":
    main()
