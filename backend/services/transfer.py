"""A project in and out as files: the CSV shot list, the JSON project document with its story
dossier (export and import).

The import is all or nothing: the document is validated whole by its schema, every embedded
picture goes through the upload's own checks in worker threads before any transaction opens,
then one write transaction creates the project, its pictures, its scenes and its dossier
through the same services as the REST API (limits, quota and ordering rules included). Any
refusal rolls all of it back; a fault in the document is a 422 naming its path
(`scenes[3].picture.data`).
"""

import asyncio
import base64
import binascii
import csv
import io
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import (
    InvalidInputError,
    TooLargeError,
    UnsupportedMediaError,
)
from backend.repositories import files as file_repository
from backend.schemas.dossier import KINDS
from backend.schemas.project import ProjectCreate, ProjectPublic, SceneCreate
from backend.schemas.transfer import (
    DocumentDossier,
    DocumentPicture,
    DocumentProject,
    DocumentScene,
    ProjectDocument,
    new_document,
)
from backend.schemas.user import AccountLimits
from backend.services import dossier as dossier_service
from backend.services import history
from backend.services import projects as project_service
from backend.services import scenes as scene_service
from backend.services.files import FileService
from backend.services.images import ProcessedImage

CSV_COLUMNS = (
    "number",
    "title",
    "duration_seconds",
    "shot_size",
    "camera_movement",
    "script",
    "audio",
    "notes",
    "image",
)
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# What a scene of the document gives the new scene (its picture is stored first; its order is
# its place in the list).
SCENE_FIELDS = set(SceneCreate.model_fields) - {"order", "image_file_id"}


def neutralise(cell: str) -> str:
    """The cell as text a spreadsheet will not run: a leading `'` before a formula start."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


async def shot_list_csv(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, base_url: str
) -> tuple[str, str]:
    """(project title, the CSV): UTF-8 with a BOM (so spreadsheets read it as UTF-8), one row a
    scene; `image` is the picture's address (`base_url` + the file's path for an upload)."""
    project = await project_service.get_project_detail(session, project_id, user_id)
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for scene in project.scenes:
        image = scene.image_src or ""
        if scene.image_file_id is not None:
            image = base_url.rstrip("/") + image
        row = [
            str(scene.order + 1),
            scene.title,
            "" if scene.duration_seconds is None else f"{scene.duration_seconds:g}",
            scene.shot_size or "",
            scene.camera_movement or "",
            scene.script,
            scene.audio,
            scene.notes,
            image,
        ]
        writer.writerow([neutralise(cell) for cell in row])
    return project.title, BOM + output.getvalue()


async def export_document(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> ProjectDocument:
    """The project, its scenes in order and its uploaded pictures (base64), as one document
    an import can recreate it from."""
    project = await project_service.get_project_detail(session, project_id, user_id)
    pictures = await file_repository.read_pictures(
        session,
        {scene.image_file_id for scene in project.scenes if scene.image_file_id},
        user_id,
        thumbnail=False,
    )
    scenes = []
    for scene in project.scenes:
        found = pictures.get(scene.image_file_id) if scene.image_file_id else None
        picture = None
        if found is not None:
            filename, content_type, body = found
            picture = DocumentPicture(
                filename=filename,
                content_type=content_type,
                data=base64.b64encode(body).decode("ascii"),
            )
        fields = scene.model_dump(include=set(DocumentScene.model_fields) - {"picture"})
        scenes.append(DocumentScene(**fields, picture=picture))
    dossier = await dossier_service.get_dossier(session, project_id, user_id)
    return new_document(
        DocumentProject(**project.model_dump(include=set(DocumentProject.model_fields))),
        scenes,
        DocumentDossier.model_validate(dossier.model_dump(mode="json")),
        datetime.now(UTC),
    )


class ProjectImporter:
    """Creates a new project from a project document (README, "Export and import"). It takes
    the session factory: pictures are checked and re-encoded before its one transaction."""

    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        files: FileService,
    ):
        self._session_factory = session_factory
        self._files = files
        self._max_image_bytes = settings.MAX_IMAGE_BYTES

    async def _picture(self, index: int, picture: DocumentPicture) -> ProcessedImage:
        """The picture through the upload's checks; a fault names where it is."""
        loc = ("body", "scenes", index, "picture", "data")
        path = f"scenes[{index}].picture.data"
        try:
            data = base64.b64decode(picture.data, validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidInputError(f"{path}: not valid base64", loc) from error
        if len(data) > self._max_image_bytes:
            limit = self._max_image_bytes // (1024 * 1024)
            raise InvalidInputError(f"{path}: the picture is larger than {limit} MiB", loc)
        try:
            return await self._files.process(data)
        except (UnsupportedMediaError, TooLargeError, InvalidInputError) as error:
            raise InvalidInputError(f"{path}: {error.message}", loc) from error

    async def _pictures(self, document: ProjectDocument) -> dict[int, ProcessedImage]:
        indexed = [
            (index, scene.picture)
            for index, scene in enumerate(document.scenes)
            if scene.picture is not None
        ]
        results = await asyncio.gather(
            *(self._picture(index, picture) for index, picture in indexed),
            return_exceptions=True,
        )
        for result in results:  # the first fault in document order is the one reported
            if isinstance(result, BaseException):
                raise result
        return {
            index: image
            for (index, _), image in zip(indexed, results, strict=True)
            if isinstance(image, ProcessedImage)
        }

    async def import_project(
        self, user_id: uuid.UUID, document: ProjectDocument, limits: AccountLimits
    ) -> ProjectPublic:
        """A new project with the document's scenes and pictures, all or nothing."""
        pictures = await self._pictures(document)
        source = document.project
        async with unit_of_work(self._session_factory, write=True) as session:
            history.act_as(session, history.Actor("user"))
            created = await project_service.create_project(
                session,
                user_id,
                ProjectCreate(
                    title=source.title,
                    description=source.description,
                    aspect_ratio=source.aspect_ratio,
                    target_duration_seconds=source.target_duration_seconds,
                ),
                limits=limits,
            )
            scenes = []
            for index, scene in enumerate(document.scenes):
                image_file_id = None
                if index in pictures:
                    picture = scene.picture
                    assert picture is not None
                    stored = await self._files.store(
                        session, user_id, picture.filename, pictures[index]
                    )
                    image_file_id = stored.id
                scenes.append(
                    SceneCreate(
                        **scene.model_dump(include=SCENE_FIELDS), image_file_id=image_file_id
                    )
                )
            if scenes:  # one change set for all of them, after the project's own
                await scene_service.append_scenes(session, created.id, user_id, scenes)
            if any(getattr(document.dossier, kind) for kind in KINDS):
                # New ids for every item: the new project's dossier has none yet.
                await dossier_service.replace_dossier(
                    session, created.id, user_id, document.dossier
                )
            detail = await project_service.get_project_detail(session, created.id, user_id)
        return ProjectPublic(**detail.model_dump(exclude={"scenes"}))
