"""Uploaded files: stored in the database (every instance serves them), owned by one account,
counted against its quota. Pictures are decoded and re-encoded, and documents' text read, off
the event loop, in a bounded number of worker threads, and before any transaction opens: a slow
picture or PDF never holds a database lock (README, "Who holds the transaction").
"""

import hashlib
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, TypeVarTuple

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import ConflictError, NotFoundError, UnsupportedMediaError
from backend.models import StoredFile
from backend.repositories import files as file_repository
from backend.repositories import scenes as scene_repository
from backend.schemas.file import FilePublic
from backend.schemas.project import ScenePublic, SceneUpdate
from backend.services import history
from backend.services import scenes as scene_service
from backend.services.document_text import Bounds, extract_text
from backend.services.images import (
    THUMBNAIL_CONTENT_TYPE,
    ProcessedImage,
    process_image,
    sniff_image_format,
)

FILENAME_MAX = 255
UNSUPPORTED_FILE = (
    "Upload a PNG, JPEG, WebP or GIF picture, or a .txt, .md, .fountain, .pdf or .docx "
    "document (the type is judged by the content; text must be UTF-8)"
)
Result = TypeVar("Result")
Arguments = TypeVarTuple("Arguments")


@dataclass(frozen=True, slots=True)
class FileContent:
    content_type: str
    sha256: str
    body: bytes
    filename: str


def clean_filename(filename: str | None, unnamed: str = "image") -> str:
    """The name to show: its last path part, without control characters, at most 255
    characters; `unnamed` when nothing is left. It is never used as a path."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[-FILENAME_MAX:] or unnamed


async def reserve_storage(
    session: AsyncSession, user_id: uuid.UUID, size: int, quota_bytes: int
) -> None:
    """Check that `size` more bytes fit the account's quota (409), holding the account's lock
    until the transaction ends, so two uploads of one account check it one after the other."""
    await file_repository.lock_account(session, user_id)
    used = await file_repository.used_bytes(session, user_id)
    if used + size > quota_bytes:
        quota_mb = quota_bytes // (1024 * 1024)
        raise ConflictError(
            f"Your storage is full ({used / 1024 / 1024:.1f} of {quota_mb} MB used): "
            "delete files you no longer need to make room."
        )


class FileService:
    def __init__(self, settings: Settings, session_factory: async_sessionmaker[AsyncSession]):
        self._session_factory = session_factory
        self._quota_bytes = settings.STORAGE_QUOTA_MB * 1024 * 1024
        self._max_image_bytes = settings.MAX_IMAGE_BYTES
        self._max_document_bytes = settings.MAX_DOCUMENT_BYTES
        self._limiter = anyio.CapacityLimiter(settings.IMAGE_PROCESSING_CONCURRENCY)
        self.document_bounds = Bounds(
            settings.DOCUMENT_MAX_PAGES,
            settings.DOCUMENT_MAX_CHARS,
            settings.DOCUMENT_EXTRACTION_SECONDS,
        )

    async def in_worker(
        self, work: Callable[[*Arguments], Result], *arguments: *Arguments
    ) -> Result:
        """`work` in a worker thread, at most IMAGE_PROCESSING_CONCURRENCY at once, pictures
        and documents alike: the event loop stays free, and the CPU is shared fairly."""
        return await anyio.to_thread.run_sync(work, *arguments, limiter=self._limiter)

    async def process(self, data: bytes) -> ProcessedImage:
        """The upload's checks and re-encoding (`images.process_image`), in a worker thread."""
        return await self.in_worker(process_image, data)

    async def store(
        self, session: AsyncSession, user_id: uuid.UUID, filename: str | None, image: ProcessedImage
    ) -> StoredFile:
        """Store a processed picture in the caller's transaction, within the quota (409)."""
        await reserve_storage(session, user_id, len(image.content), self._quota_bytes)
        return await file_repository.add_file(
            session,
            StoredFile(
                user_id=user_id,
                kind="image",
                filename=clean_filename(filename),
                content_type=image.content_type,
                size_bytes=len(image.content),
                sha256=hashlib.sha256(image.content).hexdigest(),
                width=image.width,
                height=image.height,
                content=image.content,
                thumbnail=image.thumbnail,
                thumbnail_content_type=THUMBNAIL_CONTENT_TYPE,
            ),
        )

    async def store_document(
        self, session: AsyncSession, user_id: uuid.UUID, name: str, content_type: str, data: bytes
    ) -> StoredFile:
        """Store a document's bytes as uploaded (its text already read, so it is one), in the
        caller's transaction, within the quota (409)."""
        await reserve_storage(session, user_id, len(data), self._quota_bytes)
        return await file_repository.add_file(
            session,
            StoredFile(
                user_id=user_id,
                kind="document",
                filename=name,
                content_type=content_type,
                size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                content=data,
            ),
        )

    def size_limit(self, head: bytes) -> int:
        """The largest upload a file starting with `head` may be: a picture's, or a document's."""
        is_picture = sniff_image_format(head[:12]) is not None
        return self._max_image_bytes if is_picture else self._max_document_bytes

    async def upload(self, user_id: uuid.UUID, filename: str | None, data: bytes) -> FilePublic:
        """Store a picture (re-encoded, with a thumbnail) or a document (kept as sent, once its
        text is known to be readable: 415 for another type, 422 for no text). `data` is within
        `size_limit` already (the route reads it so)."""
        if sniff_image_format(data[:12]) is not None:
            image = await self.process(data)
            async with unit_of_work(self._session_factory, write=True) as session:
                stored = await self.store(session, user_id, filename, image)
                return FilePublic.model_validate(stored)
        name = clean_filename(filename, unnamed="document")
        try:
            extracted = await self.in_worker(extract_text, data, name, self.document_bounds)
        except UnsupportedMediaError as error:
            raise UnsupportedMediaError(UNSUPPORTED_FILE) from error
        async with unit_of_work(self._session_factory, write=True) as session:
            stored = await self.store_document(session, user_id, name, extracted.content_type, data)
            return FilePublic.model_validate(stored)

    async def upload_scene_image(
        self,
        user_id: uuid.UUID,
        scene_id: uuid.UUID,
        filename: str | None,
        data: bytes,
        if_match: frozenset[int] | None = None,
    ) -> ScenePublic:
        """Store a picture and show it in the scene, through the scene's ordinary update;
        `if_match`: the revisions the caller's If-Match names (a stale one stores nothing)."""
        async with unit_of_work(self._session_factory) as session:
            await scene_service.require_scene(session, scene_id, user_id)  # 404 before the work
        image = await self.process(data)
        async with unit_of_work(self._session_factory, write=True) as session:
            history.act_as(session, history.Actor("user"))
            history.expect_revision(session, if_match)
            stored = await self.store(session, user_id, filename, image)
            return await scene_service.update_scene(
                session, scene_id, user_id, SceneUpdate(image_file_id=stored.id)
            )


async def read_file(
    session: AsyncSession, file_id: uuid.UUID, user_id: uuid.UUID, *, thumbnail: bool = False
) -> FileContent:
    found = await file_repository.read_content(session, file_id, user_id, thumbnail=thumbnail)
    if found is None:
        raise NotFoundError("Thumbnail" if thumbnail else "File")
    return FileContent(*found)


async def delete_file(session: AsyncSession, file_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Delete the file; each scene that showed it is updated to show nothing, through the scene
    service like any other change of a scene."""
    if await file_repository.get_owned_file(session, file_id, user_id) is None:
        raise NotFoundError("File")
    for scene_id in await scene_repository.list_scene_ids_showing(session, file_id):
        await scene_service.update_scene(
            session, scene_id, user_id, SceneUpdate(image_file_id=None)
        )
    await file_repository.delete_file(session, file_id)


async def remove_scene_image(
    session: AsyncSession, scene_id: uuid.UUID, user_id: uuid.UUID
) -> ScenePublic:
    """The scene shows no uploaded picture any more (the file itself stays yours)."""
    return await scene_service.update_scene(
        session, scene_id, user_id, SceneUpdate(image_file_id=None)
    )
