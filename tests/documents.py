"""Documents made on the spot for the document tests and benchmarks: real PDFs (pypdf, with a
text layer in the standard Helvetica font), real DOCX files (python-docx), a Fountain script
with every kind of scene heading, and hostile files."""

import io
import zipfile

from docx import Document as WordDocument
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

FOUNTAIN_SCRIPT = """Title: The Lighthouse
Author: Test

INT. LIGHTHOUSE - NIGHT

MARA climbs the spiral stairs with a lantern.

EXT. BEACH - DAWN #2#

Waves wash over the wreck. Mara finds a bottle.

INT./EXT. CAR - DAY

Mara drives along the coast road.

EST. HARBOUR TOWN - DAY

Fishing boats and gulls.

I/E TRAIN - NIGHT

The carriage rattles; Mara sleeps.

.FLASHBACK - MARA AS A CHILD

Young Mara on her father's shoulders.

...and the light goes out.
"""
FOUNTAIN_TITLES = [
    "INT. LIGHTHOUSE - NIGHT",
    "EXT. BEACH - DAWN",
    "INT./EXT. CAR - DAY",
    "EST. HARBOUR TOWN - DAY",
    "I/E TRAIN - NIGHT",
    "FLASHBACK - MARA AS A CHILD",
]


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(pages: list[list[str]], *, password: str | None = None) -> bytes:
    """A PDF with one page per list of lines, as real text a reader extracts."""
    writer = PdfWriter()
    font = writer._add_object(  # pypdf has no public call for a bare font
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        text = "".join(f"({_escape(line)}) Tj T* " for line in lines)
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 11 Tf 14 TL 50 740 Td {text}ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    if password is not None:
        writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def docx(blocks: list[tuple[str, str]]) -> bytes:
    """A .docx of (style, text) blocks: "title", "heading1".."heading3" or "text"."""
    document = WordDocument()
    for style, text in blocks:
        if style == "title":
            document.add_heading(text, level=0)
        elif style.startswith("heading"):
            document.add_heading(text, level=int(style.removeprefix("heading")))
        else:
            document.add_paragraph(text)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def zip_bomb_docx() -> bytes:
    """A .docx whose document part unpacks to 100 MiB of zeros from about 100 KiB."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"\0" * (1024 * 1024)
            for _ in range(100):
                part.write(block)
    return output.getvalue()


def executable() -> bytes:
    """The start of a Windows executable (MZ header and DOS stub), padded with code-like bytes."""
    stub = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    return stub + b"This program cannot be run in DOS mode.\r\r\n$\x00" + bytes(range(256)) * 64
