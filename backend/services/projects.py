"""Project use-cases, shared by the REST routes and the assistant's tools."""

import uuid

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import ConflictError, NotFoundError
from backend.models import Project
from backend.repositories import projects as project_repository
from backend.repositories.projects import Fields
from backend.schemas.project import (
    CoverFrame,
    ProjectCreate,
    ProjectDetail,
    ProjectPublic,
    ProjectSummary,
    ProjectUpdate,
    thumbnail_src,
)
from backend.schemas.user import AccountLimits
from backend.services import history

COVER_FRAMES = 4


async def require_project(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
) -> Project:
    """The user's project, or NotFoundError whether it is missing or someone else's."""
    project = await project_repository.get_owned_project(session, project_id, user_id, lock=lock)
    if project is None:
        raise NotFoundError("Project")
    return project


def total_duration(durations: list[float | None]) -> float:
    """A film's length: the sum of the scenes' durations (those without one count nothing),
    rounded like each of them."""
    return round(sum(duration or 0 for duration in durations), 1)


def project_public(project: Project, scene_count: int, total_seconds: float) -> ProjectPublic:
    return ProjectPublic(
        id=project.id,
        title=project.title,
        description=project.description,
        aspect_ratio=project.aspect_ratio,
        target_duration_seconds=project.target_duration_seconds,
        total_duration_seconds=round(total_seconds, 1),
        revision=project.revision,
        created_at=project.created_at,
        updated_at=project.updated_at,
        scene_count=scene_count,
    )


async def list_projects(session: AsyncSession, user_id: uuid.UUID) -> list[ProjectSummary]:
    rows = await project_repository.list_projects_with_scene_counts(session, user_id)
    covers: dict[uuid.UUID, list[CoverFrame]] = {}
    for project_id, title, image_url, image_file_id in await project_repository.list_first_scenes(
        session, user_id, COVER_FRAMES
    ):
        covers.setdefault(project_id, []).append(
            CoverFrame(title=title, thumbnail_src=thumbnail_src(image_url, image_file_id))
        )
    return [
        ProjectSummary(
            **project_public(project, count, total).model_dump(), cover=covers.get(project.id, [])
        )
        for project, count, total in rows
    ]


async def create_project(
    session: AsyncSession, user_id: uuid.UUID, data: ProjectCreate, *, limits: AccountLimits
) -> ProjectPublic:
    """`limits`: the account's (`services/limits.py`), which for a guest are smaller."""
    maximum = limits.projects_per_account
    if await project_repository.count_projects(session, user_id) >= maximum:
        raise ConflictError(
            f"You have reached the limit of {maximum} projects: delete one to make room."
        )
    project_id = uuid.uuid4()
    async with history.recording_new_project(session, project_id, user_id):
        fields = {"id": project_id, **data.model_dump()}
        project = await project_repository.add_project(session, user_id, fields)
    return project_public(project, 0, 0)


async def get_project_detail(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> ProjectDetail:
    found = await project_repository.get_project_with_scenes(session, project_id, user_id)
    if found is None:
        raise NotFoundError("Project")
    return project_detail(*found)


_detail = TypeAdapter(ProjectDetail)


def project_detail(project: Fields, scenes: list[Fields]) -> ProjectDetail:
    """The project with its scenes in order, from their rows (validated once, as a whole)."""
    return _detail.validate_python(
        {
            **project,
            "scene_count": len(scenes),
            "total_duration_seconds": total_duration([s["duration_seconds"] for s in scenes]),
            "scenes": scenes,
        }
    )


async def update_project(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, data: ProjectUpdate
) -> ProjectPublic:
    project = await require_project(session, project_id, user_id, lock=True)
    async with history.recording(session, project):
        for field, value in data.model_dump(exclude_unset=True).items():
            setattr(project, field, value)
    return project_public(project, *await project_repository.scene_totals(session, project.id))


async def delete_project(session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID) -> None:
    project = await require_project(session, project_id, user_id, lock=True)
    async with history.recording(session, project):
        await project_repository.delete_project(session, project.id)
