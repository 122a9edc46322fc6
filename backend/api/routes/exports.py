"""The board out and in: the PDF storyboard, the CSV shot list, the JSON project document, and
importing that document as a new project."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import ConfigDict, Field

from backend.api.deps import CurrentUser, DetachedUser, SessionDep, SettingsDep
from backend.api.downloads import attachment
from backend.schemas.common import StorableText
from backend.schemas.project import ProjectPublic
from backend.schemas.transfer import ProjectDocument
from backend.services import transfer
from backend.services.export_pdf import FIELD_CHOICES, PdfOptions, PdfRenderer, parse_fields
from backend.services.limits import account_limits
from backend.services.transfer import ProjectImporter

NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"description": "No such project, or not yours"}
}
router = APIRouter(prefix="/projects", tags=["export"])


async def get_pdf_renderer(request: Request) -> PdfRenderer:
    renderer: PdfRenderer = request.app.state.pdf_renderer
    return renderer


async def get_project_importer(request: Request) -> ProjectImporter:
    importer: ProjectImporter = request.app.state.project_importer
    return importer


PdfRendererDep = Annotated[PdfRenderer, Depends(get_pdf_renderer)]
ProjectImporterDep = Annotated[ProjectImporter, Depends(get_project_importer)]


_FIELD = "|".join(FIELD_CHOICES)
FIELDS_PATTERN = f"^(({_FIELD})(,({_FIELD}))*)?$"


class PdfExportQuery(StorableText):
    model_config = ConfigDict(extra="forbid")

    per_page: Literal["1", "2", "3", "4", "6", "9"] = Field(
        default="6", description="Frames on each page"
    )
    orientation: Literal["landscape", "portrait"] = "landscape"
    fields: str | None = Field(
        default=None,
        max_length=100,
        pattern=FIELDS_PATTERN,
        description=f"Comma list of {', '.join(FIELD_CHOICES)}; empty: none; left out: all",
    )
    dossier: bool = Field(
        default=False,
        description="Add the story dossier (characters, themes, locations, plot points) at "
        "the end, on pages of its own",
    )

    def options(self) -> PdfOptions:
        return PdfOptions(
            per_page=int(self.per_page),
            orientation=self.orientation,
            fields=parse_fields(self.fields),
            dossier=self.dossier,
        )


@router.get(
    "/{project_id}/export.pdf",
    response_class=Response,
    responses={
        **NOT_FOUND,
        200: {"content": {"application/pdf": {}}, "description": "The storyboard"},
        503: {"description": "Too many exports waiting: try again after `Retry-After`"},
    },
)
async def export_project_pdf(
    project_id: uuid.UUID,
    query: Annotated[PdfExportQuery, Query()],
    user: DetachedUser,
    renderer: PdfRendererDep,
) -> Response:
    """The storyboard as a PDF: a header (title, runtime, aspect ratio, scene count, date),
    `per_page` frames a page at the project's aspect ratio with the chosen fields, page
    numbers. Uploaded pictures are embedded; pictures from a URL are shown as their link (the
    server never fetches them). Text that does not fit a frame continues on pages at the end;
    with `dossier=true` the story dossier follows at the end, on pages of its own."""
    project, document = await renderer.render(
        project_id, user.id, query.options(), datetime.now(UTC).date()
    )
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": attachment(f"{project.title}.pdf")},
    )


@router.get(
    "/{project_id}/export.csv",
    response_class=Response,
    responses={**NOT_FOUND, 200: {"content": {"text/csv": {}}, "description": "The shot list"}},
)
async def export_project_csv(
    project_id: uuid.UUID, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """The shot list, one row a scene: `number,title,duration_seconds,shot_size,
    camera_movement,script,audio,notes,image`. UTF-8 with a BOM; a cell that a spreadsheet
    would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) starts with `'`."""
    title, body = await transfer.shot_list_csv(session, project_id, user.id, str(request.base_url))
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(f"{title}.csv")},
    )


@router.get("/{project_id}/export.json", responses=NOT_FOUND)
async def export_project_json(
    project_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> ProjectDocument:
    """The project document: `{format: "scenecraft.project", version: 1, project, scenes,
    dossier}`, uploaded pictures embedded (base64). `POST /api/projects/import` reads it."""
    return await transfer.export_document(session, project_id, user.id)


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"description": "Over the project limit or the storage quota"},
        413: {"description": "The document is over `MAX_IMPORT_BYTES`"},
        422: {"description": "Invalid: `loc` names the fault (e.g. scenes, 3, shot_size)"},
    },
)
async def import_project(
    document: ProjectDocument,
    user: DetachedUser,
    importer: ProjectImporterDep,
    settings: SettingsDep,
) -> ProjectPublic:
    """Create a new project (never touching an existing one) from a project document, with
    its scenes and embedded pictures: all of it or, on any fault, nothing. Pictures pass the
    upload's checks and count against your storage quota; ids and times in the document are
    ignored."""
    limits = account_limits(settings, is_guest=user.is_guest)
    return await importer.import_project(user.id, document, limits)
