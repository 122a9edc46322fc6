"""A document's text: recognised from its bytes, extracted within bounds, cut into passages for
the search index, and read for scene headings. Everything here is pure and synchronous: the
document service runs it in a worker thread, never on the event loop.

The kind (PDF, DOCX, text) is decided by the content; for text, the name only says which
flavour it is (Markdown, Fountain or plain), since the bytes cannot tell them apart.
"""

import io
import re
import time
import unicodedata
import zipfile
from dataclasses import dataclass

from backend.core.errors import InvalidInputError, UnsupportedMediaError
from backend.schemas.common import SCRIPT_MAX, TITLE_MAX

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MARKDOWN = "text/markdown; charset=utf-8"
FOUNTAIN = "text/x-fountain; charset=utf-8"
PLAIN = "text/plain; charset=utf-8"

PASSAGE_TARGET_CHARS = 1_000
PASSAGE_MAX_CHARS = 1_500
# A .docx is a zip: its parts together may unpack to at most this, each at most this ratio.
DOCX_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
DOCX_MAX_RATIO = 200

_UNSUPPORTED = (
    "Only .txt, .md, .fountain, .pdf and .docx documents can be added (judged by the content)"
)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Control characters other than tab, newline and carriage return: binary, not text.
_BINARY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
# Fountain: a line starting INT, EXT, EST, INT./EXT, INT/EXT or I/E, then a dot or a space; or
# a forced heading, one dot then a letter or digit (two dots start an ellipsis, not a heading).
_SLUGLINE = re.compile(r"^(?:INT\.?/EXT|INT|EXT|EST|I/E)[. ].*\S", re.IGNORECASE)
_FORCED_SLUGLINE = re.compile(r"^\.(?=[^\W_])(.*\S)")
_SCENE_NUMBER = re.compile(r"\s*#[\w.-]+#\s*$")


@dataclass(frozen=True, slots=True)
class Bounds:
    max_pages: int
    max_chars: int
    max_seconds: float


@dataclass(frozen=True, slots=True)
class ExtractedText:
    content_type: str
    text: str


@dataclass(frozen=True, slots=True)
class Passage:
    offset: int
    text: str


@dataclass(frozen=True, slots=True)
class SceneDraft:
    title: str
    script: str


def _flavour(filename: str) -> str:
    name = filename.lower()
    if name.endswith((".md", ".markdown")):
        return MARKDOWN
    if name.endswith(".fountain"):
        return FOUNTAIN
    return PLAIN


def _clean(text: str) -> str:
    """Line ends as \\n, Unicode composed, and nothing the database cannot store."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSTORABLE.sub("\ufffd", unicodedata.normalize("NFC", text))


class _Budget:
    """The time and character bounds of one extraction."""

    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self._deadline = time.monotonic() + bounds.max_seconds
        self._chars = 0

    def spend(self, text: str) -> None:
        self._chars += len(text)
        if self._chars > self.bounds.max_chars:
            raise InvalidInputError(
                f"The document has more than {self.bounds.max_chars:,} characters of text"
            )
        if time.monotonic() > self._deadline:
            raise InvalidInputError(
                f"Reading the document took longer than {self.bounds.max_seconds:g} seconds"
            )


def _pdf_text(data: bytes, budget: _Budget) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise InvalidInputError("The PDF is encrypted: remove its password and upload again")
        pages = reader.pages
        if len(pages) > budget.bounds.max_pages:
            raise InvalidInputError(f"The PDF has more than {budget.bounds.max_pages:,} pages")
        texts = []
        for page in pages:
            text = page.extract_text() or ""
            budget.spend(text)
            texts.append(text.strip())
    except InvalidInputError:
        raise
    except Exception as error:  # pypdf raises many kinds on damaged files; all mean "damaged"
        raise InvalidInputError("The PDF is damaged and cannot be read") from error
    return "\n\n".join(text for text in texts if text)


def _check_zip(data: bytes) -> zipfile.ZipFile:
    """The .docx as a zip, refused before anything unpacks it when it would unpack to too
    much (a zip bomb); zipfile stops each part at its declared size, so the check holds."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise InvalidInputError("The .docx is damaged and cannot be read") from error
    if "word/document.xml" not in {member.filename for member in members}:
        raise UnsupportedMediaError(_UNSUPPORTED)
    unpacked = sum(member.file_size for member in members)
    too_dense = any(
        member.file_size > 1024 * 1024
        and member.file_size > DOCX_MAX_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if unpacked > DOCX_MAX_UNPACKED_BYTES or too_dense:
        raise InvalidInputError("The .docx unpacks to far more than its size: refused")
    return archive


def _docx_text(data: bytes, budget: _Budget) -> str:
    """Paragraphs and table cells in order; the title and headings become Markdown headings,
    so a treatment written in Word splits and imports like a Markdown one."""
    _check_zip(data)
    from docx import Document
    from docx.table import Table

    try:
        document = Document(io.BytesIO(data))
        blocks = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                cells = (cell.text.strip() for row in item.rows for cell in row.cells)
                text = "\n".join(cell for cell in cells if cell)
            else:
                text = item.text.strip()
                style = (item.style.name if item.style is not None else "") or ""
                level = style.removeprefix("Heading ").strip()
                # The Title style is the top level, so "Heading 1" sections sit under it.
                if text and style.startswith("Heading ") and level.isdigit():
                    text = "#" * min(int(level) + 1, 6) + " " + text
                elif text and style == "Title":
                    text = "# " + text
            budget.spend(text)
            if text:
                blocks.append(text)
    except InvalidInputError:
        raise
    except Exception as error:  # python-docx and lxml raise many kinds on damaged files
        raise InvalidInputError("The .docx is damaged and cannot be read") from error
    return "\n\n".join(blocks)


def _plain_text(data: bytes, budget: _Budget) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnsupportedMediaError(_UNSUPPORTED + " (text must be UTF-8)") from error
    if _BINARY.search(text):
        raise UnsupportedMediaError(_UNSUPPORTED)
    budget.spend(text)
    return text


def extract_text(data: bytes, filename: str, bounds: Bounds) -> ExtractedText:
    """The document's type and text; 415 when it is none of the accepted types, 422 when it is
    damaged, encrypted, over a bound, or has no text."""
    budget = _Budget(bounds)
    if data.startswith(b"%PDF-"):
        content_type, text = PDF, _pdf_text(data, budget)
    elif data.startswith(b"PK\x03\x04"):
        content_type, text = DOCX, _docx_text(data, budget)
    else:
        content_type, text = _flavour(filename), _plain_text(data, budget)
    text = _clean(text).strip()
    if not text:
        raise InvalidInputError("The document has no text to read (a scanned PDF has none)")
    return ExtractedText(content_type, text)


# --- passages ------------------------------------------------------------------------------------


def _is_heading(line: str) -> bool:
    return bool(
        _MARKDOWN_HEADING.match(line) or _SLUGLINE.match(line) or _FORCED_SLUGLINE.match(line)
    )


def _blocks(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, starts with a heading) of each paragraph: runs of lines between blank
    lines, a heading line always starting a new one."""
    blocks: list[tuple[int, int, bool]] = []
    start: int | None = None
    heading = False
    position = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if not stripped or _is_heading(stripped):
            if start is not None:
                blocks.append((start, position, heading))
                start = None
            if stripped:
                start, heading = position + line.index(stripped[0]), True
        elif start is None:
            start, heading = position + line.index(stripped[0]), False
        position += len(line)
    if start is not None:
        blocks.append((start, position, heading))
    return blocks


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A paragraph longer than PASSAGE_MAX_CHARS, cut near PASSAGE_TARGET_CHARS at a sentence
    end, or else a space."""
    pieces = []
    while end - start > PASSAGE_MAX_CHARS:
        window = text[start : start + PASSAGE_MAX_CHARS]
        cut = max(window.rfind(". ", 0, PASSAGE_TARGET_CHARS + 200), window.rfind("\n"))
        if cut < PASSAGE_TARGET_CHARS // 2:
            cut = window.rfind(" ", 0, PASSAGE_TARGET_CHARS)
        cut = cut + 1 if cut > 0 else PASSAGE_TARGET_CHARS
        pieces.append((start, start + cut))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    pieces.append((start, end))
    return pieces


def split_passages(text: str) -> list[Passage]:
    """Passages of about PASSAGE_TARGET_CHARS: whole paragraphs gathered until the next would
    pass the target, a new passage at every heading; each knows its offset in the text."""
    spans: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for start, end, heading in _blocks(text):
        for piece_start, piece_end in _split_long(text, start, end):
            if (
                current is not None
                and not heading
                and piece_end - current[0] <= PASSAGE_TARGET_CHARS
            ):
                current = (current[0], piece_end)
                continue
            if current is not None:
                spans.append(current)
            current = (piece_start, piece_end)
            heading = False
    if current is not None:
        spans.append(current)
    passages = []
    for start, end in spans:
        body = text[start:end].rstrip()
        if body:
            passages.append(Passage(start, body))
    return passages


# --- scene headings ------------------------------------------------------------------------------


def _slugline_title(line: str) -> str | None:
    forced = _FORCED_SLUGLINE.match(line)
    if forced is not None:
        return _SCENE_NUMBER.sub("", forced.group(1)).strip()
    if _SLUGLINE.match(line):
        return _SCENE_NUMBER.sub("", line).strip()
    return None


def _markdown_headings(lines: list[str]) -> list[tuple[int, str]]:
    """Markdown headings; the top level is left out when it is used once only, at the start
    (the document's own title, as in "# Treatment" over "## Scene" headings)."""
    found = []
    for index, line in enumerate(lines):
        match = _MARKDOWN_HEADING.match(line.strip())
        if match is not None:
            found.append((index, len(match.group(1)), match.group(2).strip()))
    levels = [level for _, level, _ in found]
    if len(set(levels)) > 1 and levels.count(min(levels)) == 1 and levels[0] == min(levels):
        found = found[1:]
    return [(index, title) for index, _, title in found]


def scene_drafts(text: str) -> list[SceneDraft]:
    """Scenes from the text's scene headings, in order: Fountain sluglines when it has any,
    else Markdown headings; a scene's script is the text up to the next heading."""
    lines = text.split("\n")
    headings = [
        (index, title)
        for index, line in enumerate(lines)
        if (title := _slugline_title(line.strip())) is not None
    ]
    if not headings:
        headings = _markdown_headings(lines)
    if not headings:
        return []
    drafts = []
    ends = [index for index, _ in headings[1:]] + [len(lines)]
    for (index, title), end in zip(headings, ends, strict=True):
        script = "\n".join(lines[index + 1 : end]).strip()
        if len(script) > SCRIPT_MAX:
            script = script[: SCRIPT_MAX - 1].rstrip() + "…"
        drafts.append(SceneDraft(title[:TITLE_MAX].strip(), script))
    return [draft for draft in drafts if draft.title]
