"""Data access for stored files; every read is scoped to the owner. The blobs are loaded only
by `read_content`."""

import uuid
from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import StoredFile, User


async def lock_account(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Lock the account row until commit (PostgreSQL), so two uploads of one account check
    its quota one after the other (SQLite's writers are serialised already)."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())


async def used_bytes(session: AsyncSession, user_id: uuid.UUID) -> int:
    result = await session.execute(
        select(func.coalesce(func.sum(StoredFile.size_bytes), 0)).where(
            StoredFile.user_id == user_id
        )
    )
    return int(result.scalar_one())


async def add_file(session: AsyncSession, stored: StoredFile) -> StoredFile:
    session.add(stored)
    await session.flush()
    return stored


async def get_owned_file(
    session: AsyncSession, file_id: uuid.UUID, user_id: uuid.UUID
) -> StoredFile | None:
    result = await session.execute(
        select(StoredFile).where(StoredFile.id == file_id, StoredFile.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def get_owned_files(
    session: AsyncSession, file_ids: Iterable[uuid.UUID], user_id: uuid.UUID
) -> list[StoredFile]:
    """The user's files among `file_ids` (their blobs not loaded), in one query."""
    wanted = list(file_ids)
    if not wanted:
        return []
    result = await session.execute(
        select(StoredFile).where(StoredFile.id.in_(wanted), StoredFile.user_id == user_id)
    )
    return list(result.scalars())


async def read_content(
    session: AsyncSession, file_id: uuid.UUID, user_id: uuid.UUID, *, thumbnail: bool
) -> tuple[str, str, bytes, str] | None:
    """(content type, sha256 of the file, bytes, filename) of the file or of its thumbnail;
    None when there is no such file of the user, or it has no thumbnail."""
    blob = StoredFile.thumbnail if thumbnail else StoredFile.content
    content_type = StoredFile.thumbnail_content_type if thumbnail else StoredFile.content_type
    result = await session.execute(
        select(content_type, StoredFile.sha256, blob, StoredFile.filename).where(
            StoredFile.id == file_id, StoredFile.user_id == user_id
        )
    )
    row = result.one_or_none()
    if row is None or row[0] is None or row[2] is None:
        return None
    return row[0], row[1], row[2], row[3]


async def read_pictures(
    session: AsyncSession, file_ids: Iterable[uuid.UUID], user_id: uuid.UUID, *, thumbnail: bool
) -> dict[uuid.UUID, tuple[str, str, bytes]]:
    """file id → (filename, content type, bytes) of those of the user's pictures among
    `file_ids` (or of their thumbnails), in one query: for exports and chat attachments."""
    wanted = list(file_ids)
    if not wanted:
        return {}
    blob = StoredFile.thumbnail if thumbnail else StoredFile.content
    content_type = StoredFile.thumbnail_content_type if thumbnail else StoredFile.content_type
    result = await session.execute(
        select(StoredFile.id, StoredFile.filename, content_type, blob).where(
            StoredFile.id.in_(wanted), StoredFile.user_id == user_id, StoredFile.kind == "image"
        )
    )
    return {row[0]: (row[1], row[2], row[3]) for row in result.all() if row[2] and row[3]}


async def delete_file(session: AsyncSession, file_id: uuid.UUID) -> None:
    await session.execute(delete(StoredFile).where(StoredFile.id == file_id))
