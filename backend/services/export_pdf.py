"""The storyboard as a PDF: frames on a grid of 1 to 9 per page, at the project's aspect ratio,
with the fields asked for, laid out here and drawn by WeasyPrint.

The layout is computed in millimetres, so every frame has a fixed box. Text is wrapped here, at
a width narrower than the font needs, into lines that each fit one line of the box: a frame
shows as many lines as it holds and never overflows. What does not fit goes, in full, to
"Continued" pages after the board, and the frame says on which page. The story dossier, when
asked for, follows on pages of its own at the end.

WeasyPrint fetches nothing but our own stored pictures (`StoredPictureFetcher`): a picture from
a URL is a labelled placeholder with its link, and the server never requests it. Rendering is
slow, pure-Python work, so it runs in worker processes (or threads) behind a bounded queue
(`PdfRenderer`), never on the event loop and never inside a database transaction.
"""

import asyncio
import concurrent.futures
import math
import multiprocessing
import textwrap
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import OverloadedError
from backend.repositories import files as file_repository
from backend.schemas.dossier import DossierPublic
from backend.schemas.project import ProjectDetail, ScenePublic
from backend.services import dossier as dossier_service
from backend.services import projects as project_service

PER_PAGE_CHOICES = (1, 2, 3, 4, 6, 9)
FIELD_CHOICES = ("script", "audio", "notes", "shot", "duration")
Orientation = Literal["landscape", "portrait"]

# (columns, rows) of each grid.
GRIDS: dict[tuple[Orientation, int], tuple[int, int]] = {
    ("landscape", 1): (1, 1),
    ("landscape", 2): (2, 1),
    ("landscape", 3): (3, 1),
    ("landscape", 4): (2, 2),
    ("landscape", 6): (3, 2),
    ("landscape", 9): (3, 3),
    ("portrait", 1): (1, 1),
    ("portrait", 2): (1, 2),
    ("portrait", 3): (1, 3),
    ("portrait", 4): (2, 2),
    ("portrait", 6): (2, 3),
    ("portrait", 9): (3, 3),
}
FONT_PT = {1: 10.0, 2: 9.0, 3: 8.5, 4: 8.0, 6: 7.5, 9: 6.5}
CONTINUED_PT = 9.0

A4_MM = (297.0, 210.0)  # landscape; portrait swaps them
MARGIN_MM = 12.0
TOP_MM = 22.0  # the running header sits in the top margin
GAP_MM = 4.0
PADDING_MM = 2.0
PT_MM = 0.3528
LINE_HEIGHT = 1.3
# DejaVu Sans averages about 0.55 em a character; wrapping at 0.62 em leaves each of our lines
# shorter than the box, so none wraps again when drawn.
CHAR_EM = 0.62
# At 4 or more frames a page, the 480 px thumbnail is sharper than print needs.
THUMBNAIL_FROM_PER_PAGE = 4

RATIOS = {"16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0, "4:5": 4 / 5, "4:3": 4 / 3, "2.39:1": 2.39}
SHOT_LABELS = {
    "extreme_wide": "Extreme wide",
    "wide": "Wide",
    "full": "Full",
    "medium": "Medium",
    "medium_close_up": "Medium close-up",
    "close_up": "Close-up",
    "extreme_close_up": "Extreme close-up",
    "insert": "Insert",
    "over_the_shoulder": "Over the shoulder",
    "pov": "POV",
    "two_shot": "Two shot",
}
TEXT_FIELDS = (("script", "Script"), ("audio", "Audio"), ("notes", "Notes"))
PICTURE_SCHEME = "scenecraft-file:"

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class PdfOptions:
    per_page: int = 6
    orientation: Orientation = "landscape"
    fields: frozenset[str] = frozenset(FIELD_CHOICES)
    dossier: bool = False
    """The story dossier on pages of its own at the end."""


def runtime(seconds: float) -> str:
    """A film's length as a clock (0:00, 1:12, 1:02:03), tenths only when there are some —
    as the board shows it."""
    tenths = round(seconds * 10)
    whole, tenth = divmod(tenths, 10)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{secs:02d}" + (f".{tenth}" if tenth else "")
    return f"{hours}:{minutes:02d}:{clock}" if hours else f"{minutes}:{clock}"


def duration_label(seconds: float) -> str:
    return f"{seconds:g} s" if seconds < 60 else runtime(seconds)


def shot_label(scene: ScenePublic) -> str:
    parts = [SHOT_LABELS.get(scene.shot_size or "", "")]
    if scene.camera_movement:
        parts.append(scene.camera_movement.replace("_", " ").capitalize())
    return " · ".join(part for part in parts if part)


def wrap(text: str, width: int) -> list[str]:
    """The text as lines of at most `width` characters, its own line breaks kept."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width, drop_whitespace=True) or [""])
    while lines and not lines[-1]:
        lines.pop()
    return lines


@dataclass(slots=True)
class FrameText:
    label: str
    lines: list[str]


@dataclass(slots=True)
class Frame:
    number: int
    title: str
    picture: str | None  # a PICTURE_SCHEME url
    link: str | None  # a picture only linked (image_url)
    meta: str
    texts: list[FrameText]
    continued: list[FrameText] = field(default_factory=list)
    x: float = 0
    y: float = 0


@dataclass(slots=True)
class DossierEntry:
    heading: str  # a character's or location's name; "" for a theme or a plot point
    lines: list[str]


def dossier_sections(dossier: DossierPublic, width: int) -> list[tuple[str, list[DossierEntry]]]:
    """The dossier's kinds that have items, each item's text wrapped at `width` characters."""
    characters = [
        DossierEntry(
            character.name,
            wrap(
                "\n".join(
                    part
                    for part in (
                        character.description,
                        "Relationships: " + "; ".join(character.relationships)
                        if character.relationships
                        else "",
                        f"Arc: {character.arc}" if character.arc else "",
                    )
                    if part
                ),
                width,
            ),
        )
        for character in dossier.characters
    ]
    sections = [
        ("Characters", characters),
        ("Themes", [DossierEntry("", wrap(theme.text, width)) for theme in dossier.themes]),
        (
            "Locations",
            [DossierEntry(spot.name, wrap(spot.description, width)) for spot in dossier.locations],
        ),
        (
            "Plot points",
            [
                DossierEntry("", wrap(f"{number}. {point.text}", width))
                for number, point in enumerate(dossier.plot_points, start=1)
            ],
        ),
    ]
    return [(title, entries) for title, entries in sections if entries]


@dataclass(frozen=True, slots=True)
class Geometry:
    page_width: float
    page_height: float
    columns: int
    rows: int
    cell_width: float
    cell_height: float
    picture_width: float
    picture_height: float
    font_pt: float
    text_lines: int
    chars_per_line: int
    continued_chars_per_line: int

    @property
    def line_mm(self) -> float:
        return self.font_pt * PT_MM * LINE_HEIGHT


def geometry(options: PdfOptions, aspect_ratio: str) -> Geometry:
    """Every size on the page, in millimetres, for this grid and frame shape."""
    width, height = A4_MM if options.orientation == "landscape" else A4_MM[::-1]
    columns, rows = GRIDS[(options.orientation, options.per_page)]
    area_width = width - 2 * MARGIN_MM
    area_height = height - TOP_MM - MARGIN_MM
    cell_width = (area_width - (columns - 1) * GAP_MM) / columns
    cell_height = (area_height - (rows - 1) * GAP_MM) / rows
    font_pt = FONT_PT[options.per_page]
    line_mm = font_pt * PT_MM * LINE_HEIGHT
    inner_width = cell_width - 2 * PADDING_MM
    inner_height = cell_height - 2 * PADDING_MM - line_mm * 1.4  # the title line
    has_text = bool(options.fields)
    ratio = RATIOS.get(aspect_ratio, 16 / 9)
    picture_width = inner_width
    picture_height = picture_width / ratio
    tallest = inner_height * (0.58 if has_text else 1.0)
    if picture_height > tallest:
        picture_height = tallest
        picture_width = picture_height * ratio
    text_height = inner_height - picture_height - 1.5
    return Geometry(
        page_width=width,
        page_height=height,
        columns=columns,
        rows=rows,
        cell_width=cell_width,
        cell_height=cell_height,
        picture_width=picture_width,
        picture_height=picture_height,
        font_pt=font_pt,
        text_lines=max(0, math.floor(text_height / line_mm)) if has_text else 0,
        chars_per_line=max(8, math.floor(inner_width / (font_pt * PT_MM * CHAR_EM))),
        continued_chars_per_line=math.floor(area_width / (CONTINUED_PT * PT_MM * CHAR_EM)),
    )


def _frame(
    scene: ScenePublic, options: PdfOptions, shape: Geometry, pictures: dict[uuid.UUID, str]
) -> Frame:
    """A scene's frame: its fields as fitted lines, and in `continued` whatever did not fit."""
    meta = []
    if "shot" in options.fields and shot_label(scene):
        meta.append(shot_label(scene))
    if "duration" in options.fields and scene.duration_seconds is not None:
        meta.append(duration_label(scene.duration_seconds))
    frame = Frame(
        number=scene.order + 1,
        title=scene.title,
        picture=pictures.get(scene.image_file_id) if scene.image_file_id else None,
        link=scene.image_url if scene.image_file_id is None else None,
        meta=" · ".join(meta),
        texts=[],
    )
    room = shape.text_lines - (1 if frame.meta else 0)
    for name, label in TEXT_FIELDS:
        text = getattr(scene, name).strip()
        if name not in options.fields or not text:
            continue
        # The label shares the first line, so it is wrapped with it.
        lines = wrap(f"{label}: {text}", shape.chars_per_line)
        lines[0] = lines[0].removeprefix(f"{label}:").lstrip()
        if not frame.continued and len(lines) <= room:
            frame.texts.append(FrameText(label, lines))
            room -= len(lines)
            continue
        # It does not fit (or an earlier field did not): the frame shows what fits and keeps
        # one line to say where the rest is; the Continued pages have this field in full.
        if not frame.continued and room >= 2:
            shown = room - 1
            frame.texts.append(FrameText(label, [*lines[: shown - 1], lines[shown - 1] + " …"]))
        # Wrapped here too: WeasyPrint breaks a very long word one character at a time.
        frame.continued.append(FrameText(label, wrap(text, shape.continued_chars_per_line)))
    return frame


def storyboard_html(
    project: ProjectDetail,
    options: PdfOptions,
    pictures: dict[uuid.UUID, str],
    today: date,
    dossier: DossierPublic | None = None,
) -> str:
    """The storyboard's HTML, every size fixed; `pictures`: scene file id → its fetcher URL;
    `dossier`: the story dossier for the end (None: no dossier pages)."""
    shape = geometry(options, project.aspect_ratio)
    frames = [_frame(scene, options, shape, pictures) for scene in project.scenes]
    pages: list[list[Frame]] = []
    for start in range(0, len(frames), options.per_page):
        page = frames[start : start + options.per_page]
        for index, frame in enumerate(page):
            row, column = divmod(index, shape.columns)
            frame.x = column * (shape.cell_width + GAP_MM)
            frame.y = row * (shape.cell_height + GAP_MM)
        pages.append(page)
    return TEMPLATES.get_template("storyboard.html.j2").render(
        project=project,
        options=options,
        shape=shape,
        pages=pages or [[]],
        continued=[frame for frame in frames if frame.continued],
        dossier=None
        if dossier is None
        else dossier_sections(dossier, shape.continued_chars_per_line),
        continued_pt=CONTINUED_PT,
        runtime=runtime(project.total_duration_seconds),
        today=today.strftime("%-d %B %Y"),
        margin=MARGIN_MM,
        top=TOP_MM,
        padding=PADDING_MM,
    )


# Rendering: in a worker, with a fetcher that knows only the pictures handed to it.


def _fetcher_class() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StoredPictureFetcher(URLFetcher):  # type: ignore[misc]
        """Serves the pictures it was given (already read from the database) and refuses
        every other URL, whatever its scheme: rendering never makes a request."""

        def __init__(self, pictures: dict[str, tuple[str, bytes]]) -> None:
            super().__init__(allowed_protocols=())
            self._pictures = pictures

        def fetch(self, url: str, headers: object = None) -> Any:
            found = self._pictures.get(url)
            if found is None:
                raise ValueError("Only stored pictures are embedded")
            content_type, body = found
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StoredPictureFetcher


def render_pdf(html: str, pictures: dict[str, tuple[str, bytes]]) -> bytes:
    """The PDF of `html`; `pictures`: fetcher URL → (content type, bytes). Runs in a worker."""
    from weasyprint import HTML

    fetcher = _fetcher_class()(pictures)
    document: bytes = HTML(string=html, url_fetcher=fetcher, base_url=PICTURE_SCHEME).write_pdf()
    return document


def _warm_up() -> None:
    """Import WeasyPrint once per worker process, before its first export waits for it."""
    import weasyprint  # noqa: F401


class PdfRenderer:
    """Renders storyboards off the event loop: `PDF_EXPORT_CONCURRENCY` at once in worker
    processes (`PDF_EXPORT_WORKERS=process`, the default: WeasyPrint is pure Python and would
    hold the GIL in a thread) or threads; up to `PDF_EXPORT_QUEUE` more wait, and past that an
    export gets 503 with Retry-After at once."""

    def __init__(self, settings: Settings, session_factory: async_sessionmaker[AsyncSession]):
        self._session_factory = session_factory
        self._workers = settings.PDF_EXPORT_WORKERS
        self._concurrency = settings.PDF_EXPORT_CONCURRENCY
        self._waiting_max = settings.PDF_EXPORT_QUEUE
        self._slots = asyncio.Semaphore(self._concurrency)
        self._waiting = 0
        self._executor: concurrent.futures.Executor | None = None

    def _pool(self) -> concurrent.futures.Executor:
        if self._executor is None:
            if self._workers == "thread":
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    self._concurrency, thread_name_prefix="pdf-export"
                )
            else:
                # spawn, not fork: the app's process has threads (database drivers, uvicorn).
                self._executor = concurrent.futures.ProcessPoolExecutor(
                    self._concurrency,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_warm_up,
                )
        return self._executor

    async def _load(
        self, project_id: uuid.UUID, user_id: uuid.UUID, options: PdfOptions
    ) -> tuple[ProjectDetail, DossierPublic | None, dict[str, tuple[str, bytes]]]:
        async with unit_of_work(self._session_factory) as session:
            project = await project_service.get_project_detail(session, project_id, user_id)
            dossier = (
                await dossier_service.get_dossier(session, project_id, user_id)
                if options.dossier
                else None
            )
            file_ids = {scene.image_file_id for scene in project.scenes if scene.image_file_id}
            contents = await file_repository.read_pictures(
                session,
                file_ids,
                user_id,
                thumbnail=options.per_page >= THUMBNAIL_FROM_PER_PAGE,
            )
        return (
            project,
            dossier,
            {
                f"{PICTURE_SCHEME}{file_id}": (content_type, body)
                for file_id, (_name, content_type, body) in contents.items()
            },
        )

    async def render(
        self, project_id: uuid.UUID, user_id: uuid.UUID, options: PdfOptions, today: date
    ) -> tuple[ProjectDetail, bytes]:
        """The project (404 unless the user's) and its storyboard PDF."""
        project, dossier, pictures = await self._load(project_id, user_id, options)
        urls = {uuid.UUID(url.removeprefix(PICTURE_SCHEME)): url for url in pictures}
        html = storyboard_html(project, options, urls, today, dossier)
        if self._slots.locked() and self._waiting >= self._waiting_max:
            raise OverloadedError("Too many exports are being made: try again shortly", 5)
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            loop = asyncio.get_running_loop()
            document = await loop.run_in_executor(self._pool(), render_pdf, html, pictures)
        finally:
            self._slots.release()
        return project, document

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def parse_fields(value: str | None) -> frozenset[str]:
    """`script,audio,...` (names from FIELD_CHOICES, checked by the route) → the set; None:
    all of them."""
    if value is None:
        return frozenset(FIELD_CHOICES)
    return frozenset(part for part in value.split(",") if part)
