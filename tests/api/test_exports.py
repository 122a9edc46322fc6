"""The board out and in: the PDF storyboard (every layout and field choice, 200 scenes, a
20,000-character script, embedded and linked pictures), the CSV shot list, and the JSON
project document's export → import round trip, with every kind of invalid document refused."""

import asyncio
import base64
import copy
import csv
import http.server
import io
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pypdf import PdfReader
from sqlalchemy import func, select

from backend.models import Project, Scene, StoredFile, StoryDossier
from tests.conftest import AppFactory, TestUser, asgi_client
from tests.pictures import picture, upload

Json = dict[str, Any]
MARKERS = {
    "script": "Scriptword",
    "audio": "Audioword",
    "notes": "Notesword",
    "shot": "Medium close-up",
    "duration": "4.5 s",
}


async def add_scene(
    client: httpx.AsyncClient, user: TestUser, project_id: str, **fields: Any
) -> Json:
    response = await client.post(
        f"/api/projects/{project_id}/scenes", json=fields, headers=user.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def full_scene(
    client: httpx.AsyncClient, user: TestUser, project_id: str, title: str
) -> Json:
    return await add_scene(
        client,
        user,
        project_id,
        title=title,
        script=f"{MARKERS['script']} on the shore.",
        audio=f"{MARKERS['audio']} of gulls",
        notes=f"{MARKERS['notes']} at dawn",
        shot_size="medium_close_up",
        camera_movement="dolly",
        duration_seconds=4.5,
    )


def pdf_text(document: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(document))
    return reader, [page.extract_text() for page in reader.pages]


async def export_pdf(
    client: httpx.AsyncClient, user: TestUser, project_id: str, **query: str
) -> tuple[PdfReader, list[str]]:
    response = await client.get(
        f"/api/projects/{project_id}/export.pdf", params=query, headers=user.headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF-")
    return pdf_text(response.content)


def compact(text: str) -> str:
    return "".join(text.split())


async def test_every_layout_gives_its_pages_with_header_and_page_numbers(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    for index in range(7):
        await full_scene(client, user, project["id"], f"Shot {index + 1}")
    for orientation in ("landscape", "portrait"):
        for per_page in (1, 2, 3, 4, 6, 9):
            reader, pages = await export_pdf(
                client, user, project["id"], per_page=str(per_page), orientation=orientation
            )
            expected = -(-7 // per_page)
            assert len(reader.pages) == expected, (orientation, per_page)
            box = reader.pages[0].mediabox
            assert (box.width > box.height) == (orientation == "landscape")
            first = compact(pages[0])
            for fact in ("Teaser", "Runtime0:31.5", "16:9", "7scenes", f"Page1of{expected}"):
                assert fact in first, (orientation, per_page, fact)
            every = compact(" ".join(pages))
            for index in range(7):
                assert f"Shot{index + 1}" in every


async def test_each_field_choice_shows_that_field_and_no_other(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    await full_scene(client, user, project["id"], "Harbour")
    for chosen in (*MARKERS, ""):
        _, pages = await export_pdf(client, user, project["id"], fields=chosen, per_page="4")
        text = " ".join(pages)
        for name, marker in MARKERS.items():
            assert (marker in text) == (name == chosen), (chosen, name)
    _, pages = await export_pdf(client, user, project["id"])  # default: every field
    assert all(marker in " ".join(pages) for marker in MARKERS.values())


async def test_bad_pdf_options_are_422(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    for query in ({"per_page": "5"}, {"orientation": "sideways"}, {"fields": "script,colour"}):
        response = await client.get(
            f"/api/projects/{project['id']}/export.pdf", params=query, headers=user.headers
        )
        assert response.status_code == 422, query


async def test_the_story_dossier_is_the_last_page_when_asked_for(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    await full_scene(client, user, project["id"], "Harbour")
    dossier = {
        "characters": [
            {
                "name": "Mara",
                "description": "A retired detective who distrusts everyone",
                "relationships": ["Leo's sister"],
                "arc": "Learns to trust again",
            }
        ],
        "themes": [{"text": "Redemption"}],
        "locations": [{"name": "Lisbon", "description": "Steep streets, the river"}],
        "plot_points": [{"text": "Mara finds the letter"}, {"text": "The storm"}],
    }
    saved = await client.put(
        f"/api/projects/{project['id']}/dossier", json=dossier, headers=user.headers
    )
    assert saved.status_code == 200, saved.text
    _, without = await export_pdf(client, user, project["id"])
    assert "Story dossier" not in " ".join(without)  # not unless asked for

    reader, pages = await export_pdf(client, user, project["id"], dossier="true")
    assert len(reader.pages) == len(without) + 1
    last = compact(pages[-1])
    assert "Teaser" in last  # the running header
    expected = (
        "Storydossier",
        "Characters",
        "Mara",
        "Aretireddetectivewhodistrustseveryone",
        "Relationships:Leo'ssister",
        "Arc:Learnstotrustagain",
        "Themes",
        "Redemption",
        "Locations",
        "Lisbon",
        "Steepstreets,theriver",
        "Plotpoints",
        "1.Marafindstheletter",
        "2.Thestorm",
    )
    position = 0
    for part in expected:  # each there, in this order
        position = last.find(part, position)
        assert position >= 0, part

    emptied = await client.put(
        f"/api/projects/{project['id']}/dossier", json={}, headers=user.headers
    )
    assert emptied.status_code == 200, emptied.text
    _, pages = await export_pdf(client, user, project["id"], dossier="true")
    assert "Thedossierisempty." in compact(pages[-1])
    bad = await client.get(
        f"/api/projects/{project['id']}/export.pdf",
        params={"dossier": "maybe"},
        headers=user.headers,
    )
    assert bad.status_code == 422


async def test_a_project_of_200_scenes_fills_its_pages(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    for index in range(200):
        await add_scene(client, user, project["id"], title=f"S{index + 1}", duration_seconds=1)
    reader, pages = await export_pdf(client, user, project["id"], per_page="9")
    assert len(reader.pages) == 23
    assert "Page 23 of 23" in pages[-1]
    assert "S200" in compact(pages[-1])
    assert "200 scenes" in pages[0]


async def test_a_20000_character_script_continues_after_the_board_in_full(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    words = [f"w{index:04d}" for index in range(3334)]
    script = " ".join(words)[:20_000]
    assert len(script) == 20_000
    await add_scene(client, user, project["id"], title="Long", script=script)
    await add_scene(client, user, project["id"], title="After", script="Short one")
    reader, pages = await export_pdf(client, user, project["id"], per_page="6")
    board = compact(pages[0])
    # The frame shows the beginning and says where the rest is; its end is not on the board.
    assert "w0000" in board
    assert "Continuedonpage2" in board
    assert words[-1] not in board
    assert "Shortone" in board
    assert len(reader.pages) > 2
    rest = compact(" ".join(pages[1:]))
    assert all("Teaser" in page for page in pages)  # the header is on every page
    assert rest.startswith("Continued")
    position = 0
    for word in script.split():  # every word is there, in order
        position = rest.find(word, position)
        assert position >= 0, word
        position += len(word)


async def test_an_uploaded_picture_is_embedded_at_every_layout(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    scene = await add_scene(client, user, project["id"], title="Pictured")
    await add_scene(client, user, project["id"], title="Bare")
    shown = await client.post(
        f"/api/scenes/{scene['id']}/image",
        files=upload(picture(size=(320, 180))),
        headers=user.headers,
    )
    assert shown.status_code == 200
    for per_page in ("1", "6"):  # the picture itself, and its thumbnail
        reader, pages = await export_pdf(client, user, project["id"], per_page=per_page)
        # The pages share one resource dictionary: the picture is one image, embedded once.
        images = {image.data for page in reader.pages for image in page.images}
        assert len(images) == 1, per_page
        assert "No picture" in " ".join(pages)


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        body = picture()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request made to it."""
    requests: list[str] = []
    handler = type("Handler", (RecordingHandler,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


async def test_a_picture_from_a_url_is_linked_never_fetched(
    client: httpx.AsyncClient,
    user: TestUser,
    project: Json,
    listener: tuple[str, list[str]],
) -> None:
    base_url, requests = listener
    image_url = f"{base_url}/frame.png"
    await add_scene(client, user, project["id"], title="Linked", image_url=image_url)
    # A picture tag in the text itself is only text: nothing fetches it either.
    await add_scene(client, user, project["id"], title=f'<img src="{base_url}/title.png">')
    for per_page in ("1", "6"):
        reader, pages = await export_pdf(client, user, project["id"], per_page=per_page)
        text = " ".join(pages)
        assert "Linked picture (not embedded)" in text
        assert image_url in compact(text)
        assert not [image for page in reader.pages for image in page.images]
    for kind in ("csv", "json"):
        response = await client.get(
            f"/api/projects/{project['id']}/export.{kind}", headers=user.headers
        )
        assert response.status_code == 200
    # The listener answers (so it would have been recorded), and nothing asked it.
    async with httpx.AsyncClient() as outside:
        assert (await outside.get(f"{base_url}/probe")).status_code == 200
    assert requests == ["/probe"]


async def test_the_shot_list_is_utf8_with_a_bom_and_neutralises_formulas(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    dangerous = ['=HYPERLINK("http://x")', "+1+2", "-3", "@SUM(A1)", "\tTab", "\rReturn"]
    for title in dangerous:
        await add_scene(client, user, project["id"], title=title)
    await add_scene(
        client,
        user,
        project["id"],
        title='Café, "quoted"',
        script="Line one\nline two, with =formula inside",
        audio="=cmd|' /C calc'!A0",
        notes="-- a note",
        shot_size="close_up",
        camera_movement="pan",
        duration_seconds=2.5,
        image_url="https://example.com/a.png",
    )
    response = await client.get(f"/api/projects/{project['id']}/export.csv", headers=user.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == [
        "number",
        "title",
        "duration_seconds",
        "shot_size",
        "camera_movement",
        "script",
        "audio",
        "notes",
        "image",
    ]
    titles = [row[1] for row in rows[1 : len(dangerous) + 1]]
    # Titles are trimmed when stored; what is left still starts like a formula or not at all.
    assert titles == ['\'=HYPERLINK("http://x")', "'+1+2", "'-3", "'@SUM(A1)", "Tab", "Return"]
    for row in rows[1:]:
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
    last = rows[-1]
    assert last == [
        str(len(dangerous) + 1),
        'Café, "quoted"',
        "2.5",
        "close_up",
        "pan",
        "Line one\nline two, with =formula inside",
        "'=cmd|' /C calc'!A0",
        "'-- a note",
        "https://example.com/a.png",
    ]


async def test_a_script_cell_starting_with_tab_or_cr_is_neutralised(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    await add_scene(client, user, project["id"], title="T", script="\t=1", notes="\r=2")
    response = await client.get(f"/api/projects/{project['id']}/export.csv", headers=user.headers)
    row = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))[1]
    assert row[5] == "'\t=1"
    assert row[7] == "'\r=2"


VOLATILE = {"id", "project_id", "image_file_id", "created_at", "updated_at", "exported_at"}


def without_ids(document: Any) -> Any:
    if isinstance(document, dict):
        return {k: without_ids(v) for k, v in document.items() if k not in VOLATILE}
    if isinstance(document, list):
        return [without_ids(item) for item in document]
    return document


async def rich_project(client: httpx.AsyncClient, user: TestUser) -> Json:
    created = await client.post(
        "/api/projects",
        json={
            "title": "Round trip",
            "description": "All the fields",
            "aspect_ratio": "9:16",
            "target_duration_seconds": 30,
        },
        headers=user.headers,
    )
    project = dict(created.json())
    scene = await full_scene(client, user, project["id"], "With picture")
    shown = await client.post(
        f"/api/scenes/{scene['id']}/image",
        files=upload(picture(size=(90, 160), color=(10, 120, 200)), filename="sea.png"),
        headers=user.headers,
    )
    assert shown.status_code == 200
    await add_scene(
        client, user, project["id"], title="Linked", image_url="https://example.com/b.jpg"
    )
    await add_scene(client, user, project["id"], title="Plain")
    dossier = await client.put(
        f"/api/projects/{project['id']}/dossier",
        json={
            "characters": [{"name": "Mara", "relationships": ["Sister of Jo"], "arc": "Leaves"}],
            "themes": [{"text": "Leaving home"}],
            "locations": [{"name": "Harbour", "description": "Dawn, fog"}],
            "plot_points": [{"text": "The boat leaves"}],
        },
        headers=user.headers,
    )
    assert dossier.status_code == 200, dossier.text
    return project


async def count_rows(app: FastAPI) -> list[int]:
    """Projects, scenes, stored files and dossiers in the database."""
    async with app.state.session_factory() as session:
        return [
            (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in (Project, Scene, StoredFile, StoryDossier)
        ]


async def test_export_import_export_is_the_same_document_but_for_ids_and_times(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    original = await rich_project(client, user)
    exported = await client.get(f"/api/projects/{original['id']}/export.json", headers=user.headers)
    assert exported.status_code == 200
    document = exported.json()
    assert document["format"] == "scenecraft.project"
    assert document["version"] == 1
    dossier = document["dossier"]
    assert [character["name"] for character in dossier["characters"]] == ["Mara"]
    assert dossier["characters"][0]["relationships"] == ["Sister of Jo"]
    assert [theme["text"] for theme in dossier["themes"]] == ["Leaving home"]
    assert dossier["plot_points"][0]["text"] == "The boat leaves"
    assert [scene["title"] for scene in document["scenes"]] == ["With picture", "Linked", "Plain"]
    assert document["scenes"][0]["picture"]["filename"] == "sea.png"
    assert document["scenes"][1]["picture"] is None

    imported = await client.post("/api/projects/import", json=document, headers=user.headers)
    assert imported.status_code == 201, imported.text
    created = imported.json()
    assert created["id"] != original["id"]
    assert created["scene_count"] == 3
    assert created["total_duration_seconds"] == 4.5

    again = await client.get(f"/api/projects/{created['id']}/export.json", headers=user.headers)
    assert without_ids(again.json()) == without_ids(document)
    # A new picture file, shown by the new scene; the original project is untouched.
    detail = (await client.get(f"/api/projects/{created['id']}", headers=user.headers)).json()
    source = (await client.get(f"/api/projects/{original['id']}", headers=user.headers)).json()
    assert detail["scenes"][0]["image_file_id"] != source["scenes"][0]["image_file_id"]
    assert source["title"] == "Round trip"
    assert source["scene_count"] == 3
    assert await count_rows(app) == [2, 6, 2, 2]


def invalid_documents(document: Json) -> list[tuple[str, Json, list[Any]]]:
    """(what is wrong, the document, the `loc` its 422 names)."""
    not_a_picture = base64.b64encode(b"MZ\x90\x00 an executable").decode()
    cases: list[tuple[str, Json, list[Any]]] = []

    def case(name: str, loc: list[Any], change: Any) -> None:
        changed = copy.deepcopy(document)
        change(changed)
        cases.append((name, changed, loc))

    case("format", ["body", "format"], lambda d: d.update(format="other.app"))
    case("version", ["body", "version"], lambda d: d.update(version=2))
    case("no project", ["body", "project"], lambda d: d.pop("project"))
    case("unknown field", ["body", "extra"], lambda d: d.update(extra=1))
    case("blank title", ["body", "project", "title"], lambda d: d["project"].update(title=" "))
    case(
        "aspect ratio",
        ["body", "project", "aspect_ratio"],
        lambda d: d["project"].update(aspect_ratio="3:2"),
    )
    case(
        "shot size",
        ["body", "scenes", 2, "shot_size"],
        lambda d: d["scenes"][2].update(shot_size="huge"),
    )
    case(
        "script too long",
        ["body", "scenes", 1, "script"],
        lambda d: d["scenes"][1].update(script="x" * 20_001),
    )
    case(
        "javascript url",
        ["body", "scenes", 1, "image_url"],
        lambda d: d["scenes"][1].update(image_url="javascript:alert(1)"),
    )
    case(
        "duration",
        ["body", "scenes", 0, "duration_seconds"],
        lambda d: d["scenes"][0].update(duration_seconds=0),
    )
    case(
        "unknown scene field",
        ["body", "scenes", 0, "colour"],
        lambda d: d["scenes"][0].update(colour="red"),
    )
    case(
        "not base64",
        ["body", "scenes", 0, "picture", "data"],
        lambda d: d["scenes"][0]["picture"].update(data="not base64!"),
    )
    case(
        "not a picture",
        ["body", "scenes", 0, "picture", "data"],
        lambda d: d["scenes"][0]["picture"].update(data=not_a_picture),
    )
    case(
        "damaged picture",
        ["body", "scenes", 0, "picture", "data"],
        lambda d: d["scenes"][0]["picture"].update(data=base64.b64encode(picture()[:40]).decode()),
    )
    case(
        "dossier item",
        ["body", "dossier", "characters", 0, "name"],
        lambda d: d["dossier"]["characters"][0].update(name=""),
    )
    case(
        "dossier kind",
        ["body", "dossier", "villains"],
        lambda d: d["dossier"].update(villains=[]),
    )
    case(
        "too many scenes",
        ["body", "scenes"],
        lambda d: d.update(scenes=[{"title": f"s{i}"} for i in range(1001)]),
    )
    return cases


async def test_every_invalid_document_is_422_naming_its_path_and_creates_nothing(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    original = await rich_project(client, user)
    document = (
        await client.get(f"/api/projects/{original['id']}/export.json", headers=user.headers)
    ).json()
    before = await count_rows(app)
    for name, invalid, loc in invalid_documents(document):
        response = await client.post("/api/projects/import", json=invalid, headers=user.headers)
        assert response.status_code == 422, (name, response.text)
        locs = [fault["loc"][: len(loc)] for fault in response.json()["detail"]]
        assert loc in locs, (name, response.json())
        assert await count_rows(app) == before, name
    not_json = await client.post(
        "/api/projects/import",
        content=b"{not json",
        headers={**user.headers, "content-type": "application/json"},
    )
    assert not_json.status_code == 422
    assert await count_rows(app) == before


async def test_a_bad_picture_late_in_the_document_rolls_back_everything(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    good = base64.b64encode(picture()).decode()
    broken = base64.b64encode(b"GIF89a broken").decode()
    scenes = [
        {
            "title": f"s{index}",
            "picture": {"filename": "a.png", "content_type": "image/png", "data": data},
        }
        for index, data in enumerate((good, good, broken))
    ]
    body = {
        "format": "scenecraft.project",
        "version": 1,
        "project": {"title": "P"},
        "scenes": scenes,
    }
    response = await client.post("/api/projects/import", json=body, headers=user.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "scenes", 2, "picture", "data"]
    assert response.json()["detail"][0]["msg"].startswith("scenes[2].picture.data: ")
    assert await count_rows(app) == [0, 0, 0, 0]


async def test_import_respects_the_storage_quota_and_the_project_limit(
    make_app: AppFactory, client: httpx.AsyncClient
) -> None:
    document = {
        "format": "scenecraft.project",
        "version": 1,
        "project": {"title": "Imported"},
        "scenes": [
            {
                "title": "One",
                "picture": {
                    "filename": "a.png",
                    "content_type": "image/png",
                    "data": base64.b64encode(picture()).decode(),
                },
            }
        ],
    }
    small = make_app(STORAGE_QUOTA_MB=0)
    async with asgi_client(small) as other:
        guest = (await other.post("/api/auth/guest")).json()["access_token"]
        headers = {"Authorization": f"Bearer {guest}"}
        over_quota = await other.post("/api/projects/import", json=document, headers=headers)
        assert over_quota.status_code == 409
        assert (await other.get("/api/projects", headers=headers)).json() == []
        document["scenes"] = [{"title": "No picture"}]
        for index in range(3):  # a guest's limit
            created = await other.post("/api/projects/import", json=document, headers=headers)
            assert created.status_code == 201, (index, created.text)
        over_limit = await other.post("/api/projects/import", json=document, headers=headers)
        assert over_limit.status_code == 409
        assert len((await other.get("/api/projects", headers=headers)).json()) == 3


async def test_an_import_may_pass_the_json_cap_up_to_its_own(
    make_app: AppFactory, user: TestUser, client: httpx.AsyncClient
) -> None:
    padding = "n" * 1_500_000  # a document over MAX_BODY_BYTES (1 MiB)
    document = {
        "format": "scenecraft.project",
        "version": 1,
        "project": {"title": "Big"},
        "scenes": [{"title": f"s{i}", "script": padding[:19_000]} for i in range(80)],
    }
    created = await client.post("/api/projects/import", json=document, headers=user.headers)
    assert created.status_code == 201, created.text
    assert created.json()["scene_count"] == 80
    capped = make_app(MAX_IMPORT_BYTES=1_000_000)
    async with asgi_client(capped) as other:
        refused = await other.post("/api/projects/import", json=document, headers=user.headers)
        assert refused.status_code == 413
    # Other JSON routes keep the 1 MiB cap.
    other_route = await client.post(
        "/api/projects", json={"title": "x", "description": padding}, headers=user.headers
    )
    assert other_route.status_code == 413


async def test_exports_of_another_users_project_are_404(
    client: httpx.AsyncClient, user: TestUser, make_user: Any, project: Json
) -> None:
    intruder = await make_user()
    for kind in ("pdf", "csv", "json"):
        response = await client.get(
            f"/api/projects/{project['id']}/export.{kind}", headers=intruder.headers
        )
        assert response.status_code == 404, kind
        unauthenticated = await client.get(f"/api/projects/{project['id']}/export.{kind}")
        assert unauthenticated.status_code == 401


async def test_exports_past_the_queue_get_503_with_retry_after(
    make_app: AppFactory, user: TestUser, project: Json, client: httpx.AsyncClient
) -> None:
    await full_scene(client, user, project["id"], "Queued")
    busy = make_app(PDF_EXPORT_CONCURRENCY=1, PDF_EXPORT_QUEUE=0)
    path = f"/api/projects/{project['id']}/export.pdf"
    async with asgi_client(busy) as other:
        first, second = await asyncio.gather(
            other.get(path, headers=user.headers), other.get(path, headers=user.headers)
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 503]
        refused = first if first.status_code == 503 else second
        assert refused.headers["retry-after"] == "5"
        assert "try again" in refused.json()["detail"]
        # Once the render is done, the next export is served.
        assert (await other.get(path, headers=user.headers)).status_code == 200
