"""Documents: every accepted type extracted and indexed, what is refused (and stores nothing),
reading slices, search (ranking, snippets, bounds, quality), deletion leaving the index, scenes
from a script, and ownership — on both databases."""

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from backend.models import DocumentPassage
from tests.api.request_corpus import database_rows
from tests.conftest import TestUser, UserFactory
from tests.documents import FOUNTAIN_SCRIPT, FOUNTAIN_TITLES, docx, executable, pdf, zip_bomb_docx
from tests.search_fixture import DOCUMENTS, QUESTIONS, recall_at

Json = dict[str, Any]


async def add_document(
    client: httpx.AsyncClient, user: TestUser, project_id: str, data: bytes, filename: str
) -> httpx.Response:
    return await client.post(
        f"/api/projects/{project_id}/documents",
        files={"file": (filename, data, "application/octet-stream")},
        headers=user.headers,
    )


async def added(
    client: httpx.AsyncClient, user: TestUser, project_id: str, data: bytes, filename: str
) -> Json:
    response = await add_document(client, user, project_id, data, filename)
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


async def search(
    client: httpx.AsyncClient, user: TestUser, project_id: str, query: str, limit: int = 8
) -> list[Json]:
    response = await client.get(
        f"/api/projects/{project_id}/search",
        params={"q": query, "limit": limit},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    results: list[Json] = response.json()["results"]
    return results


async def full_text(client: httpx.AsyncClient, user: TestUser, document_id: str) -> str:
    response = await client.get(f"/api/documents/{document_id}", headers=user.headers)
    assert response.status_code == 200, response.text
    return str(response.json()["text"])


def multi_page_pdf() -> bytes:
    return pdf(
        [
            [f"Page {number} of the treatment.", f"The keeper climbs stair {number}."]
            for number in range(1, 6)
        ]
        + [["The wreck on the north reef shows at the lowest spring tide."]]
    )


async def test_a_multi_page_pdf_is_extracted_and_searchable(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    body = await added(client, user, project["id"], multi_page_pdf(), "treatment.pdf")
    assert body["content_type"] == "application/pdf"
    assert body["filename"] == "treatment.pdf"
    assert body["chunk_count"] >= 1
    text_ = await full_text(client, user, body["id"])
    assert body["characters"] == len(text_)
    for number in range(1, 6):
        assert f"Page {number} of the treatment." in text_
    assert text_.index("Page 1") < text_.index("Page 5") < text_.index("north reef")

    results = await search(client, user, project["id"], "wreck reef")
    assert results[0]["document_id"] == body["id"]
    assert "«wreck»" in results[0]["snippet"]
    served = await client.get(f"/api/files/{body['file_id']}", headers=user.headers)
    assert served.status_code == 200
    assert served.content.startswith(b"%PDF-")


async def test_a_docx_made_by_python_docx_keeps_its_headings(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    data = docx(
        [
            ("title", "Treatment"),
            ("heading1", "Opening"),
            ("text", "Mara steps off the ferry into the rain."),
            ("heading1", "Ending"),
            ("text", "The lamp burns again over the sound."),
        ]
    )
    body = await added(client, user, project["id"], data, "treatment.docx")
    assert body["content_type"].endswith("wordprocessingml.document")
    text_ = await full_text(client, user, body["id"])
    assert text_.startswith("# Treatment")
    assert "## Opening\n\nMara steps off the ferry" in text_
    results = await search(client, user, project["id"], "lamp burns")
    assert [result["document_id"] for result in results] == [body["id"]]


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("notes.txt", "text/plain; charset=utf-8"),
        ("notes.md", "text/markdown; charset=utf-8"),
        ("script.fountain", "text/x-fountain; charset=utf-8"),
    ],
)
async def test_text_documents_are_read_as_utf8(
    client: httpx.AsyncClient, user: TestUser, project: Json, filename: str, content_type: str
) -> None:
    data = "\ufeffCafé scene\r\n\r\nThe naïve keeper waits.\r\n".encode()
    body = await added(client, user, project["id"], data, filename)
    assert body["content_type"] == content_type
    assert await full_text(client, user, body["id"]) == "Café scene\n\nThe naïve keeper waits."


async def test_a_long_document_is_split_into_passages_with_offsets(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    paragraphs = [
        f"## Part {number}\n\n" + " ".join(f"word{number}x{index}" for index in range(150))
        for number in range(12)
    ]
    body = await added(client, user, project["id"], "\n\n".join(paragraphs).encode(), "long.md")
    document_text = await full_text(client, user, body["id"])
    async with app.state.engine.connect() as connection:
        rows = (
            await connection.execute(
                select(DocumentPassage.start_offset, DocumentPassage.text)
                .where(DocumentPassage.document_id == uuid.UUID(body["id"]))
                .order_by(DocumentPassage.position)
            )
        ).all()
    assert len(rows) == body["chunk_count"] >= 12
    for offset, passage in rows:
        assert document_text[offset : offset + len(passage)] == passage
        assert len(passage) <= 1_500
    assert sum(passage.startswith("## Part") for _, passage in rows) == 12

    hit = (await search(client, user, project["id"], "word7x100"))[0]
    passage = await client.get(
        f"/api/documents/{body['id']}",
        params={"offset": hit["offset"], "limit": 40},
        headers=user.headers,
    )
    assert passage.json()["offset"] == hit["offset"]
    assert len(passage.json()["text"]) == 40
    assert document_text[hit["offset"] :].startswith(passage.json()["text"])


@pytest.mark.parametrize(
    ("name", "make", "filename", "status", "message"),
    [
        ("corrupt pdf", lambda: b"%PDF-1.7\n" + b"\x8f" * 4000, "x.pdf", 422, "damaged"),
        ("encrypted pdf", lambda: pdf([["secret plans"]], password="pw"), "x.pdf", 422, "encrypt"),
        ("zip bomb docx", zip_bomb_docx, "bomb.docx", 422, "unpacks"),
        ("broken docx", lambda: b"PK\x03\x04" + b"\x00" * 200, "x.docx", 422, "damaged"),
        ("executable named .pdf", executable, "report.pdf", 415, "Only"),
        ("a zip that is no docx", lambda: _zip_without_document(), "x.docx", 415, "Only"),
        ("latin-1 text", lambda: "caf\xe9".encode("latin-1"), "x.txt", 415, "UTF-8"),
        ("empty text", lambda: b" \n\n \t", "x.txt", 422, "no text"),
        ("pdf without text", lambda: pdf([[]]), "scan.pdf", 422, "no text"),
    ],
)
async def test_refused_documents_store_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    user: TestUser,
    project: Json,
    name: str,
    make: Any,
    filename: str,
    status: int,
    message: str,
) -> None:
    before = await database_rows(app)
    response = await add_document(client, user, project["id"], make(), filename)
    assert response.status_code == status, (name, response.text)
    assert message in str(response.json()["detail"]), name
    assert await database_rows(app) == before


def _zip_without_document() -> bytes:
    import io
    import zipfile

    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("hello.txt", "hello")
    return output.getvalue()


async def test_a_21_mib_document_is_413_and_stores_nothing(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    before = await database_rows(app)
    big = b"a line of a very long treatment\n" * (21 * 1024 * 1024 // 32)
    response = await add_document(client, user, project["id"], big, "huge.txt")
    assert response.status_code == 413, response.text
    assert await database_rows(app) == before


async def test_a_document_over_the_page_or_character_bound_is_422(
    make_app: Any, user: TestUser
) -> None:
    tight = make_app(DOCUMENT_MAX_PAGES=3, DOCUMENT_MAX_CHARS=1_000)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=tight), base_url="http://test"
    ) as client:
        project = await client.post("/api/projects", json={"title": "P"}, headers=user.headers)
        project_id = project.json()["id"]
        pages = await add_document(client, user, project_id, multi_page_pdf(), "long.pdf")
        assert pages.status_code == 422
        assert "more than 3 pages" in str(pages.json()["detail"])
        chars = await add_document(client, user, project_id, b"x " * 600, "long.txt")
        assert chars.status_code == 422
        assert "1,000 characters" in str(chars.json()["detail"])


async def test_listing_reading_and_deleting_a_document(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    first = await added(client, user, project["id"], b"The beach at dawn.", "one.txt")
    second = await added(client, user, project["id"], b"The harbour at dusk.", "two.txt")
    listed = await client.get(f"/api/projects/{project['id']}/documents", headers=user.headers)
    assert [item["id"] for item in listed.json()] == [second["id"], first["id"]]

    sliced = await client.get(
        f"/api/documents/{first['id']}", params={"offset": 4, "limit": 5}, headers=user.headers
    )
    assert sliced.json()["text"] == "beach"
    beyond = await client.get(
        f"/api/documents/{first['id']}", params={"offset": 10_000}, headers=user.headers
    )
    assert beyond.json()["text"] == ""
    for params in ({"limit": 20_001}, {"limit": 0}, {"offset": -1}, {"offset": 2**40}):
        bad = await client.get(f"/api/documents/{first['id']}", params=params, headers=user.headers)
        assert bad.status_code == 422

    assert [r["document_id"] for r in await search(client, user, project["id"], "beach")] == [
        first["id"]
    ]
    deleted = await client.delete(f"/api/documents/{first['id']}", headers=user.headers)
    assert deleted.status_code == 204
    assert await search(client, user, project["id"], "beach") == []
    gone = await client.get(f"/api/files/{first['file_id']}", headers=user.headers)
    assert gone.status_code == 404
    again = await client.delete(f"/api/documents/{first['id']}", headers=user.headers)
    assert again.status_code == 404
    assert await _indexed_passages(app) == 1


async def _indexed_passages(app: FastAPI) -> int:
    """Entries in the full-text index itself (SQLite's FTS5 table), or the passages (PostgreSQL,
    whose GIN index has one entry set per row)."""
    async with app.state.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            found = await connection.scalar(text("SELECT count(*) FROM document_passage_fts"))
        else:
            found = await connection.scalar(select(func.count()).select_from(DocumentPassage))
    return int(found or 0)


async def test_deleting_the_project_or_the_file_takes_passages_out_of_the_index(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    document = await added(client, user, project["id"], b"The beach.\n\nThe reef.", "a.txt")
    assert await _indexed_passages(app) == 1
    await client.delete(f"/api/files/{document['file_id']}", headers=user.headers)
    assert await _indexed_passages(app) == 0
    await added(client, user, project["id"], b"The beach again.", "b.txt")
    assert await _indexed_passages(app) == 1
    await client.delete(f"/api/projects/{project['id']}", headers=user.headers)
    assert await _indexed_passages(app) == 0


async def test_search_ranks_and_bounds(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    await added(client, user, project["id"], b"A lighthouse on a rock.", "a.txt")
    both = await added(client, user, project["id"], b"The lighthouse keeper's storm log.", "b.txt")
    await added(client, user, project["id"], b"A storm at sea.", "c.txt")
    results = await search(client, user, project["id"], "lighthouse storm")
    assert results[0]["document_id"] == both["id"]
    assert len(results) == 3
    scores = [result["score"] for result in results]
    assert scores == sorted(scores, reverse=True)
    assert len(await search(client, user, project["id"], "lighthouse storm", limit=1)) == 1
    # Whatever the syntax, user text is never an error.
    for query in ('"unclosed', "a AND OR NOT", "-", "*", "NEAR(a b)", "'); DROP", "日本語"):
        await search(client, user, project["id"], query)
    bad: list[dict[str, str | int]] = [
        {"q": ""},
        {"q": "x" * 501},
        {"q": "a", "limit": 21},
        {"q": "a", "limit": 0},
    ]
    for params in bad:
        response = await client.get(
            f"/api/projects/{project['id']}/search", params=params, headers=user.headers
        )
        assert response.status_code == 422, params


async def test_search_quality_recall_at_5(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    for filename, content in DOCUMENTS.items():
        await added(client, user, project["id"], content.encode(), filename)
    found: list[list[str]] = []
    for question in QUESTIONS:
        results = await search(client, user, project["id"], question.text, limit=5)
        ids = [uuid.UUID(result["passage_id"]) for result in results]
        async with app.state.engine.connect() as connection:
            texts = dict(
                (
                    await connection.execute(
                        select(DocumentPassage.id, DocumentPassage.text).where(
                            DocumentPassage.id.in_(ids)
                        )
                    )
                ).all()
            )
        found.append([texts[passage_id] for passage_id in ids])
    recall = recall_at(found)
    missed = [
        q.text
        for q, passages in zip(QUESTIONS, found, strict=True)
        if not any(q.phrase in passage for passage in passages)
    ]
    assert recall >= 0.9, (recall, missed)


async def test_a_fountain_script_becomes_scenes_in_order(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    existing = await client.post(
        f"/api/projects/{project['id']}/scenes", json={"title": "Cold open"}, headers=user.headers
    )
    script = await added(client, user, project["id"], FOUNTAIN_SCRIPT.encode(), "s.fountain")
    response = await client.post(f"/api/documents/{script['id']}/scenes", headers=user.headers)
    assert response.status_code == 201, response.text
    scenes = response.json()
    assert [scene["title"] for scene in scenes] == FOUNTAIN_TITLES
    assert [scene["order"] for scene in scenes] == list(range(1, 7))
    assert scenes[0]["script"] == "MARA climbs the spiral stairs with a lantern."
    assert (
        scenes[-1]["script"]
        == "Young Mara on her father's shoulders.\n\n...and the light goes out."
    )
    detail = (await client.get(f"/api/projects/{project['id']}", headers=user.headers)).json()
    assert [scene["id"] for scene in detail["scenes"]] == [existing.json()["id"]] + [
        scene["id"] for scene in scenes
    ]

    # One change set for the whole import: one undo takes every imported scene away.
    history = (
        await client.get(f"/api/projects/{project['id']}/history", headers=user.headers)
    ).json()["change_sets"]
    undone = await client.post(f"/api/change-sets/{history[0]['id']}/undo", headers=user.headers)
    assert undone.status_code in (200, 201), undone.text
    detail = (await client.get(f"/api/projects/{project['id']}", headers=user.headers)).json()
    assert [scene["title"] for scene in detail["scenes"]] == ["Cold open"]


async def test_markdown_headings_become_scenes_and_no_headings_is_422(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    treatment = "# Treatment\n\nIntro.\n\n## Arrival\nThe ferry docks.\n\n## Storm\nThe lamp fails."
    document = await added(client, user, project["id"], treatment.encode(), "t.md")
    response = await client.post(f"/api/documents/{document['id']}/scenes", headers=user.headers)
    assert [(s["title"], s["script"]) for s in response.json()] == [
        ("Arrival", "The ferry docks."),
        ("Storm", "The lamp fails."),
    ]
    plain = await added(client, user, project["id"], b"Just some notes.", "notes.txt")
    before = await database_rows(app)
    refused = await client.post(f"/api/documents/{plain['id']}/scenes", headers=user.headers)
    assert refused.status_code == 422
    assert "no scene headings" in str(refused.json()["detail"])
    assert await database_rows(app) == before


async def test_another_users_documents_are_404(
    client: httpx.AsyncClient, user: TestUser, project: Json, make_user: UserFactory
) -> None:
    document = await added(client, user, project["id"], FOUNTAIN_SCRIPT.encode(), "s.fountain")
    other = await make_user()
    foreign = [
        ("GET", f"/api/documents/{document['id']}"),
        ("DELETE", f"/api/documents/{document['id']}"),
        ("POST", f"/api/documents/{document['id']}/scenes"),
        ("GET", f"/api/projects/{project['id']}/documents"),
        ("GET", f"/api/projects/{project['id']}/search?q=Mara"),
    ]
    for method, path in foreign:
        response = await client.request(method, path, headers=other.headers)
        assert response.status_code == 404, (method, path, response.text)
    upload = await add_document(client, other, project["id"], b"mine", "x.txt")
    assert upload.status_code == 404
    assert len(await search(client, user, project["id"], "Mara")) >= 1

    # Search is per project: the same user's other project sees none of it.
    second = await client.post("/api/projects", json={"title": "Other"}, headers=user.headers)
    assert await search(client, user, second.json()["id"], "Mara") == []
