"""Data access for projects; every query is scoped to the owner."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    delete,
    func,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import RowReader
from backend.core.security import TokenClaims
from backend.models import AuthSession, Project, Scene, User
from backend.repositories.users import LIVE_SESSION, session_parameters


async def list_projects_with_scene_counts(
    session: AsyncSession, user_id: uuid.UUID
) -> list[tuple[Project, int, float]]:
    """The user's projects, most recently updated first, each with its scene count and the sum
    of its scenes' durations."""
    scene_counts = (
        select(
            Scene.project_id,
            func.count().label("scene_count"),
            func.sum(Scene.duration_seconds).label("total_duration"),
        )
        .join(Project, Project.id == Scene.project_id)
        .where(Project.user_id == user_id)
        .group_by(Scene.project_id)
        .subquery()
    )
    result = await session.execute(
        select(
            Project,
            func.coalesce(scene_counts.c.scene_count, 0),
            func.coalesce(scene_counts.c.total_duration, 0),
        )
        .outerjoin(scene_counts, scene_counts.c.project_id == Project.id)
        .where(Project.user_id == user_id)
        .order_by(Project.updated_at.desc(), Project.id)
    )
    return [(project, int(count), float(total)) for project, count, total in result.all()]


async def list_first_scenes(
    session: AsyncSession, user_id: uuid.UUID, count: int
) -> list[tuple[uuid.UUID, str, str | None, uuid.UUID | None]]:
    """The first `count` scenes of each of the user's projects, in order: (project id, title,
    image_url, image_file_id)."""
    result = await session.execute(
        select(Scene.project_id, Scene.title, Scene.image_url, Scene.image_file_id)
        .join(Project, Project.id == Scene.project_id)
        .where(Project.user_id == user_id, Scene.position < count)
        .order_by(Scene.project_id, Scene.position)
    )
    return [(row[0], row[1], row[2], row[3]) for row in result.all()]


_OWNED_PROJECT = select(Project).where(
    Project.id == bindparam("project_id"), Project.user_id == bindparam("user_id")
)
_LOCKED_OWNED_PROJECT = _OWNED_PROJECT.with_for_update().execution_options(populate_existing=True)


async def get_owned_project(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
) -> Project | None:
    """The user's project; with `lock`, its row is locked until commit (PostgreSQL), which
    serialises every change to the project's scene order."""
    query = _LOCKED_OWNED_PROJECT if lock else _OWNED_PROJECT
    result = await session.execute(query, {"project_id": project_id, "user_id": user_id})
    return result.scalar_one_or_none()


# The token's session and the project's revision in one round trip: no row means the session is
# not live; a NULL revision means no such project of this user.
_REVISION_FOR_SESSION = (
    select(Project.revision, AuthSession.last_seen_at)
    .select_from(AuthSession)
    .join(User, User.id == AuthSession.user_id)
    .outerjoin(Project, and_(Project.id == bindparam("project_id"), Project.user_id == User.id))
    .where(*LIVE_SESSION)
)


async def get_revision_for_session(
    reader: RowReader,
    project_id: uuid.UUID,
    claims: TokenClaims,
    now: datetime,
    idle_since: datetime,
) -> tuple[int | None, datetime] | None:
    """(revision, session last_seen_at); the revision is None when the claims' user has no such
    project. None when the token's session is not live."""
    row = await reader.first_row(
        _REVISION_FOR_SESSION,
        {"project_id": project_id, **session_parameters(claims, now, idle_since)},
    )
    return None if row is None else (row[0], row[1])


Fields = dict[str, Any]

_PROJECT_COLUMNS = tuple(Project.__table__.columns)
_SCENE_COLUMNS = tuple(Scene.__table__.columns)
_PROJECT_NAMES = tuple(column.name for column in _PROJECT_COLUMNS)
_SCENE_NAMES = tuple(column.name for column in _SCENE_COLUMNS)
_OWNED = (Project.id == bindparam("project_id"), Project.user_id == bindparam("user_id"))


def _labelled(columns: Sequence[ColumnElement[Any]], prefix: str, *, present: bool) -> list[Any]:
    """The columns as `<prefix><name>`; with `present=False`, NULLs typed like them instead,
    for the branch of a union that has none of them (the first branch's types convert every
    row)."""
    return [
        (column if present else type_coerce(null(), column.type)).label(prefix + column.name)
        for column in columns
    ]


def _then_scenes(project_row: Select[*tuple[Any, ...]]) -> CompoundSelect[*tuple[Any, ...]]:
    """`project_row` (its columns ending with the project's) followed by the project's scene
    rows in order, in one statement: one snapshot, with no transaction around two statements,
    and the project's columns once rather than on every scene row. Plain columns, no ORM
    objects: this builds the document the canvas reads, and ORM loading would cost more than
    the query."""
    scenes = (
        select(
            *(null().label(None) for _ in project_row.selected_columns),
            *_labelled(_SCENE_COLUMNS, "scene_", present=True),
        )
        .join_from(Scene, Project, Scene.project_id == Project.id)
        .where(*_OWNED)
    )
    project = project_row.add_columns(*_labelled(_SCENE_COLUMNS, "scene_", present=False))
    # The project's row has no position: NULLS FIRST puts it before its scenes.
    return union_all(project, scenes).order_by(literal_column("scene_position").nulls_first())


_PROJECT = _labelled(_PROJECT_COLUMNS, "project_", present=True)
_PROJECT_WITH_SCENES = _then_scenes(select(*_PROJECT).where(*_OWNED))
# The session check in the project's row: no row, or a first row without last_seen_at (a
# scene's), means the session is not live; NULL project columns mean no such project of this
# user.
_PROJECT_WITH_SCENES_FOR_SESSION = _then_scenes(
    select(AuthSession.last_seen_at, *_PROJECT)
    .select_from(AuthSession)
    .join(User, User.id == AuthSession.user_id)
    .outerjoin(Project, and_(Project.id == bindparam("project_id"), Project.user_id == User.id))
    .where(*LIVE_SESSION)
)


def _project_and_scenes(rows: Sequence[Sequence[Any]], skip: int) -> tuple[Fields, list[Fields]]:
    """The project (the first row) and its scenes (the rest) as column name → value, the
    first `skip` columns aside."""
    split = skip + len(_PROJECT_NAMES)
    project = dict(zip(_PROJECT_NAMES, rows[0][skip:split], strict=True))
    scenes = [dict(zip(_SCENE_NAMES, row[split:], strict=True)) for row in rows[1:]]
    return project, scenes


async def get_project_with_scenes(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Fields, list[Fields]] | None:
    """The user's project row and its scene rows in order, as column name → value; None when
    the project is missing or someone else's."""
    parameters = {"project_id": project_id, "user_id": user_id}
    rows = (await session.execute(_PROJECT_WITH_SCENES, parameters)).all()
    return _project_and_scenes(rows, 0) if rows else None


async def read_project_with_scenes(
    reader: RowReader, project_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Fields, list[Fields]] | None:
    """get_project_with_scenes through the lean reader, for a caller already authenticated."""
    rows = await reader.rows(_PROJECT_WITH_SCENES, {"project_id": project_id, "user_id": user_id})
    return _project_and_scenes(rows, 0) if rows else None


async def get_project_with_scenes_for_session(
    reader: RowReader,
    project_id: uuid.UUID,
    claims: TokenClaims,
    now: datetime,
    idle_since: datetime,
) -> tuple[tuple[Fields, list[Fields]] | None, datetime] | None:
    """((project, scenes) as get_project_with_scenes gives them, session last_seen_at), in one
    round trip; (None, last_seen_at) when the claims' user has no such project. None when the
    token's session is not live."""
    rows = await reader.rows(
        _PROJECT_WITH_SCENES_FOR_SESSION,
        {"project_id": project_id, **session_parameters(claims, now, idle_since)},
    )
    if not rows or rows[0][0] is None:
        return None
    project, scenes = _project_and_scenes(rows, 1)
    return (None if project["id"] is None else (project, scenes)), rows[0][0]


async def count_projects(session: AsyncSession, user_id: uuid.UUID) -> int:
    """The user's projects, counted with the user's row locked until the transaction ends, so
    concurrent creations (on any instance) count one after another and a limit holds."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())
    result = await session.execute(
        select(func.count()).select_from(Project).where(Project.user_id == user_id)
    )
    return int(result.scalar_one())


async def count_scenes(session: AsyncSession, project_id: uuid.UUID) -> int:
    result = await session.execute(
        select(func.count()).select_from(Scene).where(Scene.project_id == project_id)
    )
    return int(result.scalar_one())


async def scene_totals(session: AsyncSession, project_id: uuid.UUID) -> tuple[int, float]:
    """The project's scene count and the sum of their durations."""
    result = await session.execute(
        select(func.count(), func.coalesce(func.sum(Scene.duration_seconds), 0)).where(
            Scene.project_id == project_id
        )
    )
    count, total = result.one()
    return int(count), float(total or 0)


async def add_project(session: AsyncSession, user_id: uuid.UUID, fields: Fields) -> Project:
    project = Project(user_id=user_id, **fields)
    session.add(project)
    await session.flush()
    return project


async def delete_project(session: AsyncSession, project_id: uuid.UUID) -> None:
    await session.execute(delete(Project).where(Project.id == project_id))
