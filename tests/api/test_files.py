"""Uploads: every image type, documents (kept as sent, downloaded under their name), what is
refused (by content, size, pixels, quota), metadata stripped, serving headers, ownership, and
scenes showing (and no longer showing) a picture."""

import io
import struct
import zlib
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from backend.core.config import Settings
from backend.main import create_app
from tests.api.request_corpus import database_rows
from tests.conftest import TestUser, UserFactory, asgi_client
from tests.documents import docx, pdf
from tests.pictures import has_gps, picture, upload

Json = dict[str, Any]

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


async def post_file(
    client: httpx.AsyncClient, user: TestUser, data: bytes, filename: str = "frame.png"
) -> httpx.Response:
    return await client.post("/api/files", files=upload(data, filename), headers=user.headers)


@pytest.mark.parametrize("image_format", list(CONTENT_TYPES))
async def test_each_image_type_uploads_with_a_thumbnail(
    client: httpx.AsyncClient, user: TestUser, image_format: str
) -> None:
    # Named and declared wrongly on purpose: the type comes from the bytes.
    response = await client.post(
        "/api/files",
        files={"file": ("holiday.txt", picture(image_format, (1200, 600)), "text/plain")},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "image"
    assert body["content_type"] == CONTENT_TYPES[image_format]
    assert (body["width"], body["height"]) == (1200, 600)
    assert body["filename"] == "holiday.txt"

    served = await client.get(f"/api/files/{body['id']}", headers=user.headers)
    assert served.status_code == 200
    assert served.headers["content-type"] == CONTENT_TYPES[image_format]
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["cache-control"].startswith("private")
    assert len(served.content) == body["size_bytes"]
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.format == image_format
        assert image.size == (1200, 600)

    thumbnail = await client.get(f"/api/files/{body['id']}/thumbnail", headers=user.headers)
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(thumbnail.content)) as image:
        assert image.size == (480, 240)


async def test_the_etag_answers_304(client: httpx.AsyncClient, user: TestUser) -> None:
    file_id = (await post_file(client, user, picture())).json()["id"]
    etags = []
    for path in (f"/api/files/{file_id}", f"/api/files/{file_id}/thumbnail"):
        first = await client.get(path, headers=user.headers)
        etags.append(first.headers["etag"])
        again = await client.get(path, headers={**user.headers, "If-None-Match": etags[-1]})
        assert again.status_code == 304
        assert again.content == b""
        other = await client.get(path, headers={**user.headers, "If-None-Match": '"other"'})
        assert other.status_code == 200
    assert etags[0] != etags[1]


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
async def test_gps_exif_is_gone_after_upload(
    client: httpx.AsyncClient, user: TestUser, image_format: str
) -> None:
    original = picture(image_format, gps=True)
    assert has_gps(original)
    file_id = (await post_file(client, user, original)).json()["id"]
    stored = (await client.get(f"/api/files/{file_id}", headers=user.headers)).content
    assert not has_gps(stored)
    assert b"PhoneMaker" not in stored


async def test_a_picture_is_turned_by_its_exif_orientation_before_the_exif_goes(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    image = Image.new("RGB", (80, 40), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif.tobytes())
    body = (await post_file(client, user, output.getvalue())).json()
    assert (body["width"], body["height"]) == (40, 80)


def windows_executable() -> bytes:
    """The start of a PE file: an MZ header pointing at a PE signature."""
    header = bytearray(b"MZ" + b"\x90" * 58 + struct.pack("<I", 64))
    return bytes(header) + b"PE\x00\x00" + b"\x00" * 512


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (windows_executable(), "holiday.png"),
        (windows_executable(), "script.pdf"),
        (windows_executable(), "notes.txt"),
        ("“latin-1”".encode("cp1252"), "notes.txt"),
    ],
)
async def test_anything_but_a_picture_or_a_document_is_415_and_stores_nothing(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, data: bytes, filename: str
) -> None:
    before = await database_rows(app)
    response = await post_file(client, user, data, filename)
    assert response.status_code == 415, response.text
    assert "PNG, JPEG, WebP or GIF picture, or a .txt" in response.json()["detail"]
    assert await database_rows(app) == before


@pytest.mark.parametrize(
    ("data", "filename"),
    [(b"%PDF-1.7\n1 0 obj\n", "treatment.pdf"), (b"", "empty.png"), (b"  \n\n ", "notes.md")],
)
async def test_a_damaged_or_empty_document_is_422_and_stores_nothing(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, data: bytes, filename: str
) -> None:
    before = await database_rows(app)
    response = await post_file(client, user, data, filename)
    assert response.status_code == 422, response.text
    assert await database_rows(app) == before


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (
            b"INT. LIGHTHOUSE - NIGHT\n\nThe lamp turns.",
            "Le phare – v2.fountain",
            "text/x-fountain",
        ),
        # Markup is text too: kept, but only ever served as a text download, never rendered.
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "x.svg",
            "text/plain",
        ),
        (pdf([["The treatment", "A keeper and a storm."]]), "treatment.pdf", "application/pdf"),
        (
            docx([("heading1", "Brief"), ("text", "Thirty seconds, vertical.")]),
            "brief.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
async def test_a_document_uploads_as_sent_and_downloads_under_its_name(
    client: httpx.AsyncClient, user: TestUser, data: bytes, filename: str, content_type: str
) -> None:
    """A document is kept byte for byte and served as a download (never rendered from our
    origin), while a picture shows inline."""
    response = await post_file(client, user, data, filename)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert (stored["kind"], stored["filename"], stored["size_bytes"]) == (
        "document",
        filename,
        len(data),
    )
    assert stored["content_type"].startswith(content_type)
    assert stored["width"] is None
    served = await client.get(f"/api/files/{stored['id']}", headers=user.headers)
    assert served.status_code == 200
    assert served.content == data
    assert served.headers["content-type"].startswith(content_type)
    assert served.headers["x-content-type-options"] == "nosniff"
    disposition = served.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''" + quote(filename, safe="") in disposition
    assert disposition.isascii()
    assert 'filename="' in disposition  # a fallback for old clients
    thumbnail = await client.get(f"/api/files/{stored['id']}/thumbnail", headers=user.headers)
    assert thumbnail.status_code == 404

    picture_id = (await post_file(client, user, picture("PNG"))).json()["id"]
    shown = await client.get(f"/api/files/{picture_id}", headers=user.headers)
    assert shown.headers["content-disposition"] == "inline"


async def test_a_damaged_picture_is_422(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    before = await database_rows(app)
    truncated = picture("JPEG", (400, 400))[:300]
    response = await post_file(client, user, truncated)
    assert response.status_code == 422, response.text
    assert await database_rows(app) == before


def png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header claiming width × height pixels with almost no data: a decompression
    bomb is refused from the header alone, before anything is inflated."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\x00" * (width // 8 + 1) * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(30_000, 30_000), (7_000, 6_000)])
async def test_a_decompression_bomb_is_413_and_stores_nothing(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, size: tuple[int, int]
) -> None:
    before = await database_rows(app)
    response = await post_file(client, user, png_bomb(*size))
    assert response.status_code == 413, response.text
    assert "megapixels" in response.json()["detail"]
    assert await database_rows(app) == before


async def test_a_12_mib_image_is_413_and_stores_nothing(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    before = await database_rows(app)
    big = picture("PNG") + b"\x00" * (12 * 1024 * 1024)
    for path in ("/api/files", f"/api/scenes/{await _scene_id(client, user)}/image"):
        before = await database_rows(app)
        response = await client.post(path, files=upload(big), headers=user.headers)
        assert response.status_code == 413, response.text
        assert await database_rows(app) == before


async def test_an_image_over_max_image_bytes_inside_the_body_cap_is_413(
    settings: Settings, user: TestUser
) -> None:
    """The file's own cap holds while it is read, below the body's bound."""
    small_cap = create_app(settings.model_copy(update={"MAX_IMAGE_BYTES": 4096}))
    async with asgi_client(small_cap) as client:
        response = await post_file(client, user, picture("PNG") + b"\x00" * 8192)
        assert response.status_code == 413
        assert "larger than" in response.json()["detail"]
        assert (await post_file(client, user, picture("PNG"))).status_code == 201
    await small_cap.state.engine.dispose()


async def test_a_document_over_max_document_bytes_is_413_whatever_the_picture_cap(
    settings: Settings, user: TestUser
) -> None:
    """Each kind has its own cap, chosen from what the file starts with."""
    capped = create_app(settings.model_copy(update={"MAX_DOCUMENT_BYTES": 2048}))
    async with asgi_client(capped) as client:
        response = await post_file(client, user, b"words " * 700, "notes.txt")
        assert response.status_code == 413, response.text
        assert "larger than" in response.json()["detail"]
        assert (await post_file(client, user, b"words " * 100, "notes.txt")).status_code == 201
        big_picture = picture("PNG") + b"\x00" * 8192  # the picture cap still applies to it
        assert (await post_file(client, user, big_picture)).status_code == 201
    await capped.state.engine.dispose()


async def test_quota_exceeded_is_409_and_stores_nothing(settings: Settings, user: TestUser) -> None:
    tight = create_app(settings.model_copy(update={"STORAGE_QUOTA_MB": 1}))
    async with asgi_client(tight) as client:
        noisy = Image.effect_noise((500, 500), 100).convert("RGB")
        output = io.BytesIO()
        noisy.save(output, "PNG")
        first = await post_file(client, user, output.getvalue())
        assert first.status_code == 201, first.text
        assert first.json()["size_bytes"] > 400 * 1024
        before = await database_rows(tight)
        second = await post_file(client, user, output.getvalue())
        assert second.status_code == 409, second.text
        assert "storage is full" in second.json()["detail"]
        assert await database_rows(tight) == before
        # Deleting makes room again.
        assert (
            await client.delete(f"/api/files/{first.json()['id']}", headers=user.headers)
        ).status_code == 204
        assert (await post_file(client, user, output.getvalue())).status_code == 201
    await tight.state.engine.dispose()


async def _scene_id(client: httpx.AsyncClient, user: TestUser) -> str:
    project = await client.post("/api/projects", json={"title": "Board"}, headers=user.headers)
    created = await client.post(
        f"/api/projects/{project.json()['id']}/scenes", json={"title": "One"}, headers=user.headers
    )
    return str(created.json()["id"])


async def test_a_file_of_another_user_is_404_everywhere(
    client: httpx.AsyncClient, user: TestUser, make_user: UserFactory
) -> None:
    file_id = (await post_file(client, user, picture())).json()["id"]
    intruder = await make_user()
    for method in ("GET", "DELETE"):
        for path in (f"/api/files/{file_id}", f"/api/files/{file_id}/thumbnail"):
            if method == "DELETE" and path.endswith("thumbnail"):
                continue
            response = await client.request(method, path, headers=intruder.headers)
            assert response.status_code == 404, (method, path)
    # Nor can another user's scene be pointed at it.
    intruder_scene = await _scene_id(client, intruder)
    intruder_project = (await client.get("/api/projects", headers=intruder.headers)).json()[0]
    for method, path, body in (
        ("PUT", f"/api/scenes/{intruder_scene}", {"image_file_id": file_id}),
        (
            "POST",
            f"/api/projects/{intruder_project['id']}/scenes",
            {"title": "Stolen", "image_file_id": file_id},
        ),
    ):
        response = await client.request(method, path, json=body, headers=intruder.headers)
        assert response.status_code == 422, response.text
        assert "no uploaded image" in response.json()["detail"][0]["msg"]
    assert (await client.get(f"/api/files/{file_id}", headers=user.headers)).status_code == 200


async def test_a_scene_shows_its_upload_and_stops_when_removed_or_deleted(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    scene_id = await _scene_id(client, user)
    await client.put(
        f"/api/scenes/{scene_id}",
        json={"image_url": "https://example.com/fallback.png"},
        headers=user.headers,
    )
    shown = await client.post(
        f"/api/scenes/{scene_id}/image", files=upload(picture("JPEG")), headers=user.headers
    )
    assert shown.status_code == 200, shown.text
    scene = shown.json()
    file_id = scene["image_file_id"]
    assert scene["image_src"] == f"/api/files/{file_id}"
    assert scene["thumbnail_src"] == f"/api/files/{file_id}/thumbnail"
    project_id = scene["project_id"]
    read = (await client.get(f"/api/projects/{project_id}", headers=user.headers)).json()
    assert read["scenes"][0]["image_src"] == scene["image_src"]
    listed = (await client.get("/api/projects", headers=user.headers)).json()
    assert listed[0]["cover"][0]["thumbnail_src"] == scene["thumbnail_src"]

    removed = await client.delete(f"/api/scenes/{scene_id}/image", headers=user.headers)
    assert removed.status_code == 200
    assert removed.json()["image_file_id"] is None
    assert removed.json()["image_src"] == "https://example.com/fallback.png"
    assert (await client.get(f"/api/files/{file_id}", headers=user.headers)).status_code == 200

    # Shown again by id, then the file is deleted: the scene shows only its URL.
    again = await client.put(
        f"/api/scenes/{scene_id}", json={"image_file_id": file_id}, headers=user.headers
    )
    assert again.json()["image_src"] == f"/api/files/{file_id}"
    copy = (await client.post(f"/api/scenes/{scene_id}/duplicate", headers=user.headers)).json()
    assert copy["image_file_id"] == file_id
    assert (await client.delete(f"/api/files/{file_id}", headers=user.headers)).status_code == 204
    read = (await client.get(f"/api/projects/{project_id}", headers=user.headers)).json()
    assert [s["image_file_id"] for s in read["scenes"]] == [None, None]
    assert [s["image_src"] for s in read["scenes"]] == ["https://example.com/fallback.png"] * 2
    assert (await client.get(f"/api/files/{file_id}", headers=user.headers)).status_code == 404


async def test_a_failed_scene_upload_leaves_the_scene_as_it_was(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    scene_id = await _scene_id(client, user)
    before = await database_rows(app)
    response = await client.post(
        f"/api/scenes/{scene_id}/image", files=upload(b"GIF89a-not-really"), headers=user.headers
    )
    assert response.status_code == 422
    assert await database_rows(app) == before


async def test_an_upload_without_a_file_part_is_422(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    response = await client.post(
        "/api/files", files={"other": ("x.png", picture(), "image/png")}, headers=user.headers
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "file"]
