"""The storyboard's layout and its fetcher, without a database: every grid fits its page and
every frame's text fits its box; the fetcher serves only the pictures it was handed."""

import http.server
import io
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from backend.schemas.project import ScenePublic
from backend.services.export_pdf import (
    A4_MM,
    GAP_MM,
    GRIDS,
    MARGIN_MM,
    PICTURE_SCHEME,
    RATIOS,
    TOP_MM,
    PdfOptions,
    _frame,
    geometry,
    render_pdf,
)
from tests.pictures import picture

NOW = datetime.now(UTC)


def scene(**fields: object) -> ScenePublic:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "project_id": uuid.uuid4(),
        "title": "A scene",
        "script": "",
        "image_url": None,
        "position": 0,
        "duration_seconds": None,
        "shot_size": None,
        "camera_movement": None,
        "audio": "",
        "notes": "",
        "image_file_id": None,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return ScenePublic.model_validate(values)


@pytest.mark.parametrize(("orientation", "per_page"), list(GRIDS))
@pytest.mark.parametrize("ratio", list(RATIOS))
def test_every_grid_fits_the_page_and_every_picture_its_frame(
    orientation: str, per_page: int, ratio: str
) -> None:
    options = PdfOptions(per_page=per_page, orientation=orientation)  # type: ignore[arg-type]
    shape = geometry(options, ratio)
    width, height = A4_MM if orientation == "landscape" else A4_MM[::-1]
    used_width = shape.columns * shape.cell_width + (shape.columns - 1) * GAP_MM
    used_height = shape.rows * shape.cell_height + (shape.rows - 1) * GAP_MM
    assert used_width == pytest.approx(width - 2 * MARGIN_MM)
    assert used_height == pytest.approx(height - TOP_MM - MARGIN_MM)
    assert shape.columns * shape.rows == per_page
    assert shape.picture_width <= shape.cell_width
    assert shape.picture_width / shape.picture_height == pytest.approx(RATIOS[ratio])
    assert shape.text_lines >= 2  # room for a line and "Continued on page"


texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=3000)


@settings(max_examples=60, deadline=None)
@given(
    script=texts,
    audio=texts,
    notes=texts,
    grid=st.sampled_from(list(GRIDS)),
    ratio=st.sampled_from(list(RATIOS)),
)
def test_a_frame_never_has_more_lines_than_its_box_nor_a_line_wider_than_it(
    script: str, audio: str, notes: str, grid: tuple[str, int], ratio: str
) -> None:
    orientation, per_page = grid
    options = PdfOptions(per_page=per_page, orientation=orientation)  # type: ignore[arg-type]
    shape = geometry(options, ratio)
    frame = _frame(
        scene(
            script=script,
            audio=audio,
            notes=notes,
            shot_size="close_up",
            camera_movement="crane",
            duration_seconds=12.5,
        ),
        options,
        shape,
        {},
    )
    lines = [line for text in frame.texts for line in text.lines]
    used = len(lines) + (1 if frame.meta else 0) + (1 if frame.continued else 0)
    assert used <= shape.text_lines
    # The first line of a field also holds its label; " …" may end a cut one.
    for text in frame.texts:
        first, *rest = text.lines
        assert len(text.label) + 1 + len(first) <= shape.chars_per_line + 2
        assert all(len(line) <= shape.chars_per_line + 2 for line in rest)
    # Whatever was cut is on the continued pages in full.
    shown = {text.label for text in frame.texts if not text.lines[-1].endswith(" …")}
    for label, value in (("Script", script), ("Audio", audio), ("Notes", notes)):
        if value.strip() and label not in shown:
            continued = next(text for text in frame.continued if text.label == label)
            assert "".join("".join(continued.lines).split()) == "".join(value.split())


class Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    requests: list[str] = []
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), type("Handler", (Recorder,), {"requests": requests})
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def test_the_fetcher_serves_only_the_pictures_handed_to_it(
    listener: tuple[str, list[str]], tmp_path: object
) -> None:
    base, requests = listener
    stored = f"{PICTURE_SCHEME}{uuid.uuid4()}"
    html = f"""<html><head><link rel="stylesheet" href="{base}/style.css">
        <style>@import url("{base}/imported.css"); body {{ background: url("{base}/bg.png") }}
        @font-face {{ font-family: X; src: url("{base}/font.woff") }}</style></head><body>
        <img src="{stored}"> <img src="{base}/remote.png"> <img src="file:///etc/hostname">
        <img src="data:image/png;base64,iVBORw0KGgo="> <img src="{PICTURE_SCHEME}{uuid.uuid4()}">
        <p>{date.today()}</p></body></html>"""
    document = render_pdf(html, {stored: ("image/png", picture())})
    reader = PdfReader(io.BytesIO(document))
    assert len({image.data for page in reader.pages for image in page.images}) == 1
    assert requests == []
