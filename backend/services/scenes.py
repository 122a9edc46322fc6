"""Scene use-cases, shared by the REST routes and the assistant's tools.

The ordering rule lives here: a project's scene positions are always 0..n-1. Every change to them
locks the project row first and rewrites positions through `apply_order`, in one transaction, so
concurrent edits of one project queue instead of interleaving. Each change runs inside
`history.recording`, which records it as a change set and advances the project's revision.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import ConflictError, InvalidInputError, NotFoundError
from backend.models import Project, Scene
from backend.models.base import utc_now
from backend.repositories import files as file_repository
from backend.repositories import projects as project_repository
from backend.repositories import scenes as scene_repository
from backend.schemas import common
from backend.schemas.project import SceneCreate, SceneOrderUpdate, ScenePublic, SceneUpdate
from backend.services import history
from backend.services.projects import require_project


@dataclass(slots=True)
class _LockedProject:
    project: Project
    scenes: list[Scene]

    def find(self, scene_id: uuid.UUID) -> Scene:
        for scene in self.scenes:
            if scene.id == scene_id:
                return scene
        raise NotFoundError("Scene")


async def _lock_project(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> _LockedProject:
    project = await require_project(session, project_id, user_id, lock=True)
    return _LockedProject(project, await scene_repository.list_scenes(session, project.id))


async def _lock_scene_project(
    session: AsyncSession, scene_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[_LockedProject, Scene]:
    project_id = await scene_repository.get_owned_scene_project_id(session, scene_id, user_id)
    if project_id is None:
        raise NotFoundError("Scene")
    locked = await _lock_project(session, project_id, user_id)
    return locked, locked.find(scene_id)


async def _check_picture(
    session: AsyncSession, image_file_id: uuid.UUID | None, user_id: uuid.UUID
) -> None:
    """A scene may show only an image its owner uploaded."""
    if image_file_id is None:
        return
    stored = await file_repository.get_owned_file(session, image_file_id, user_id)
    if stored is None or stored.kind != "image":
        raise InvalidInputError("image_file_id: you have no uploaded image with this id")


# What a copy takes from its original, besides the title.
_COPIED_FIELDS = (
    "script",
    "image_url",
    "duration_seconds",
    "shot_size",
    "camera_movement",
    "audio",
    "notes",
    "image_file_id",
)


async def require_scene(session: AsyncSession, scene_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """NotFoundError unless the scene exists and is the user's."""
    if await scene_repository.get_owned_scene_project_id(session, scene_id, user_id) is None:
        raise NotFoundError("Scene")


async def read_scene(
    session: AsyncSession, scene_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[ScenePublic, int]:
    """The user's scene with its project's revision (what its ETag names)."""
    found = await scene_repository.get_owned_scene_with_revision(session, scene_id, user_id)
    if found is None:
        raise NotFoundError("Scene")
    return ScenePublic.model_validate(found[0]), found[1]


def _clamp(position: int | None, length: int) -> int:
    return length if position is None else min(position, length)


def _check_room(scene_count: int) -> None:
    if scene_count >= common.SCENES_PER_PROJECT_MAX:
        raise ConflictError(
            f"A project holds at most {common.SCENES_PER_PROJECT_MAX} scenes: delete one first."
        )


async def _insert(session: AsyncSession, locked: _LockedProject, scene: Scene, at: int) -> None:
    _check_room(len(locked.scenes))
    scene.position = len(locked.scenes)
    await scene_repository.add_scene(session, scene)
    locked.scenes.insert(at, scene)
    await scene_repository.apply_order(session, locked.scenes)


async def create_scene(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, data: SceneCreate
) -> ScenePublic:
    """Append the scene, or insert it at `order` and shift the rest down."""
    project = await require_project(session, project_id, user_id, lock=True)
    await _check_picture(session, data.image_file_id, user_id)
    scene = Scene(project_id=project.id, **data.model_dump(exclude={"order"}))
    async with history.recording(session, project):
        count = await project_repository.count_scenes(session, project.id)
        if data.order is None or data.order >= count:
            # Appending moves nobody: no need to load the other scenes.
            _check_room(count)
            scene.position = count
            await scene_repository.add_scene(session, scene)
        else:
            scenes = await scene_repository.list_scenes(session, project.id)
            await _insert(session, _LockedProject(project, scenes), scene, data.order)
    return ScenePublic.model_validate(scene)


async def append_scenes(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, data: list[SceneCreate]
) -> list[ScenePublic]:
    """Append the scenes in order as one change set, so an import is undone in one step; all
    of them fit (409 otherwise) or none is added."""
    project = await require_project(session, project_id, user_id, lock=True)
    for item in data:
        await _check_picture(session, item.image_file_id, user_id)
    created = []
    async with history.recording(session, project):
        count = await project_repository.count_scenes(session, project.id)
        if count + len(data) > common.SCENES_PER_PROJECT_MAX:
            raise ConflictError(
                f"{len(data)} more scenes would not fit: a project holds at most "
                f"{common.SCENES_PER_PROJECT_MAX} scenes and this one has {count}."
            )
        for offset, item in enumerate(data):
            scene = Scene(project_id=project.id, **item.model_dump(exclude={"order"}))
            scene.position = count + offset
            await scene_repository.add_scene(session, scene)
            created.append(scene)
    return [ScenePublic.model_validate(scene) for scene in created]


async def update_scene(
    session: AsyncSession, scene_id: uuid.UUID, user_id: uuid.UUID, data: SceneUpdate
) -> ScenePublic:
    """Apply the given fields; a new `order` moves the scene and renumbers the others."""
    locked, scene = await _lock_scene_project(session, scene_id, user_id)
    changes = data.model_dump(exclude_unset=True)
    new_position = changes.pop("order", None)
    await _check_picture(session, changes.get("image_file_id"), user_id)
    async with history.recording(session, locked.project, scenes=locked.scenes):
        for field, value in changes.items():
            setattr(scene, field, value)
        if new_position is not None:
            locked.scenes.remove(scene)
            locked.scenes.insert(_clamp(new_position, len(locked.scenes)), scene)
            await scene_repository.apply_order(session, locked.scenes)
        if changes:
            scene.updated_at = utc_now()
    return ScenePublic.model_validate(scene)


async def reorder_scenes(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, data: SceneOrderUpdate
) -> list[ScenePublic]:
    locked = await _lock_project(session, project_id, user_id)
    by_id = {scene.id: scene for scene in locked.scenes}
    if len(data.scene_ids) != len(by_id) or set(data.scene_ids) != set(by_id):
        raise InvalidInputError(
            "scene_ids must list every scene of the project exactly once "
            f"(the project has {len(by_id)} scenes)"
        )
    locked.scenes = [by_id[scene_id] for scene_id in data.scene_ids]
    async with history.recording(session, locked.project, scenes=locked.scenes):
        await scene_repository.apply_order(session, locked.scenes)
    return [ScenePublic.model_validate(scene) for scene in locked.scenes]


COPY_SUFFIX = " (copy)"


def copy_title(title: str) -> str:
    """The copy's title says it is one; a long title is shortened (with "…") so the suffix
    still fits the title limit."""
    room = common.TITLE_MAX - len(COPY_SUFFIX)
    if len(title) > room:
        title = title[: room - 1].rstrip() + "…"
    return title + COPY_SUFFIX


async def duplicate_scene(
    session: AsyncSession, scene_id: uuid.UUID, user_id: uuid.UUID
) -> ScenePublic:
    """Insert a copy right after the original, titled "… (copy)" so the two can be told apart."""
    locked, original = await _lock_scene_project(session, scene_id, user_id)
    copy = Scene(
        project_id=original.project_id,
        title=copy_title(original.title),
        **{field: getattr(original, field) for field in _COPIED_FIELDS},
    )
    async with history.recording(session, locked.project, scenes=locked.scenes):
        await _insert(session, locked, copy, locked.scenes.index(original) + 1)
    return ScenePublic.model_validate(copy)


async def delete_scene(session: AsyncSession, scene_id: uuid.UUID, user_id: uuid.UUID) -> None:
    locked, scene = await _lock_scene_project(session, scene_id, user_id)
    async with history.recording(session, locked.project, scenes=locked.scenes):
        locked.scenes.remove(scene)
        await scene_repository.delete_scene(session, scene)
        await scene_repository.apply_order(session, locked.scenes)
