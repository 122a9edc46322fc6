"""Data access for scenes. Positions are written only through `apply_order`."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from backend.models import Project, Scene
from backend.repositories.history import SYNCED


async def list_scenes(session: AsyncSession, project_id: uuid.UUID) -> list[Scene]:
    result = await session.execute(
        select(Scene)
        .where(Scene.project_id == project_id)
        .order_by(Scene.position)
        .execution_options(populate_existing=True)
    )
    return list(result.scalars())


async def get_owned_scene_project_id(
    session: AsyncSession, scene_id: uuid.UUID, user_id: uuid.UUID
) -> uuid.UUID | None:
    result = await session.execute(
        select(Scene.project_id)
        .join(Project, Project.id == Scene.project_id)
        .where(Scene.id == scene_id, Project.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def get_owned_scene_with_revision(
    session: AsyncSession, scene_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Scene, int] | None:
    """The user's scene and its project's revision, in one query."""
    result = await session.execute(
        select(Scene, Project.revision)
        .join(Project, Project.id == Scene.project_id)
        .where(Scene.id == scene_id, Project.user_id == user_id)
    )
    row = result.one_or_none()
    return None if row is None else (row[0], row[1])


async def add_scene(session: AsyncSession, scene: Scene) -> Scene:
    session.add(scene)
    await session.flush()
    return scene


async def delete_scene(session: AsyncSession, scene: Scene) -> None:
    await session.delete(scene)
    await session.flush()


async def apply_order(session: AsyncSession, scenes_in_order: Sequence[Scene]) -> None:
    """Write positions 0..n-1 in the given order, touching only the rows that move.

    The unique (project_id, position) constraint is checked row by row, so moving rows are
    first parked at distinct negative positions, then set to their final ones.
    """
    await session.flush()
    moves = [
        (scene, index) for index, scene in enumerate(scenes_in_order) if scene.position != index
    ]
    if not moves:
        return
    # The loaded scenes are set to their new positions below (whatever the ORM's bulk update
    # does itself), so a recording may compare them as they are: SYNCED says so.
    synced = {SYNCED: True}
    await session.execute(
        update(Scene),
        [{"id": scene.id, "position": -1 - index} for scene, index in moves],
        execution_options=synced,
    )
    await session.execute(
        update(Scene),
        [{"id": scene.id, "position": index} for scene, index in moves],
        execution_options=synced,
    )
    for scene, index in moves:
        set_committed_value(scene, "position", index)


async def list_scene_ids_showing(session: AsyncSession, file_id: uuid.UUID) -> list[uuid.UUID]:
    result = await session.execute(select(Scene.id).where(Scene.image_file_id == file_id))
    return list(result.scalars())
