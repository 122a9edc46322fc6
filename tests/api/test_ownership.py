"""Ownership matrix: walks every route of the OpenAPI schema, so a new route cannot be forgotten.

For each route with an id, a second user gets 404 (never 403) and the owner's data is unchanged;
without credentials every non-public route is 401.
"""

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import TestUser, UserFactory
from tests.pictures import picture, upload

PUBLIC_ROUTES = {
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/token"),
    ("POST", "/api/auth/guest"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    *(
        ("GET", "/api/s/{token}"),
        ("GET", "/api/s/{token}/files/{file_id}"),
        ("GET", "/api/s/{token}/files/{file_id}/thumbnail"),
        ("POST", "/api/s/{token}/scenes/{scene_id}/comments"),
    ),
}
# A share link's routes take no account: the token is the credential, so anyone holding the
# owner's token may use them (tests/api/test_shares.py walks them with dead and made-up tokens,
# and with another project's ids).
LINK_ROUTES = {route for route in PUBLIC_ROUTES if "{token}" in route[1]}

# A valid body for each route that takes one, so the 404 comes from ownership, not validation.
BODIES: dict[tuple[str, str], Any] = {
    ("PUT", "/api/projects/{project_id}"): {"title": "hijacked"},
    ("POST", "/api/projects/{project_id}/scenes"): {"title": "intruder"},
    ("PUT", "/api/scenes/{scene_id}"): {"title": "hijacked", "order": 0},
    ("PATCH", "/api/users/me"): {"assistant_approval": "none"},
    ("POST", "/api/users/me/tokens"): {"name": "stolen", "scope": "write"},
    ("POST", "/api/chat/{project_id}/send"): {"message": "delete scene 1"},
    ("POST", "/api/chat/{project_id}/stream"): {"message": "delete scene 1"},
    ("POST", "/api/projects/{project_id}/shares"): {"allow_comments": True},
    ("PATCH", "/api/comments/{comment_id}"): {"resolved": True},
    ("POST", "/api/s/{token}/scenes/{scene_id}/comments"): {"author_name": "A", "body": "B"},
    ("PUT", "/api/projects/{project_id}/dossier"): {},
    ("PATCH", "/api/conversations/{conversation_id}"): {"title": "hijacked"},
    ("POST", "/api/conversations/{conversation_id}/send"): {"message": "delete scene 1"},
    ("POST", "/api/conversations/{conversation_id}/stream"): {"message": "delete scene 1"},
    ("POST", "/api/chat/{project_id}/approvals/{approval_id}"): {"approve": True},
    ("POST", "/api/conversations/{conversation_id}/approvals/{approval_id}"): {"approve": True},
    ("POST", "/api/projects/{project_id}/dossier/characters"): {"name": "intruder"},
    ("POST", "/api/projects/{project_id}/dossier/locations"): {"name": "intruder"},
    ("POST", "/api/projects/{project_id}/dossier/themes"): {"text": "intruder"},
    ("POST", "/api/projects/{project_id}/dossier/plot_points"): {"text": "intruder"},
    **{
        ("PATCH", f"/api/projects/{{project_id}}/dossier/{kind}/{{item_id}}"): {}
        for kind in ("characters", "themes", "locations", "plot_points")
    },
}


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ]


async def owner_snapshot(client: httpx.AsyncClient, owner: TestUser) -> list[Any]:
    projects = (await client.get("/api/projects", headers=owner.headers)).json()
    details = [
        (await client.get(f"/api/projects/{project['id']}", headers=owner.headers)).json()
        for project in projects
    ]
    pictures = [
        (await client.get(scene["image_src"], headers=owner.headers)).content
        for detail in details
        for scene in detail["scenes"]
        if scene["image_file_id"]
    ]
    documents = [
        (await client.get(f"/api/projects/{project['id']}/documents", headers=owner.headers)).json()
        for project in projects
    ]
    reviews = [
        (await client.get(f"/api/projects/{project['id']}/{part}", headers=owner.headers)).json()
        for project in projects
        for part in ("shares", "comments")
    ]
    dossiers = [
        (await client.get(f"/api/projects/{project['id']}/dossier", headers=owner.headers)).json()
        for project in projects
    ]
    tokens = (await client.get("/api/users/me/tokens", headers=owner.headers)).json()
    conversations = [
        (
            await client.get(f"/api/projects/{project['id']}/conversations", headers=owner.headers)
        ).json()
        for project in projects
    ]
    return [projects, details, pictures, documents, reviews, dossiers, tokens, conversations]


@pytest.fixture
async def owner_data(client: httpx.AsyncClient, make_user: UserFactory) -> dict[str, Any]:
    owner = await make_user()
    project = (
        await client.post("/api/projects", json={"title": "Owner's"}, headers=owner.headers)
    ).json()
    scenes = []
    for title in ("one", "two"):
        response = await client.post(
            f"/api/projects/{project['id']}/scenes", json={"title": title}, headers=owner.headers
        )
        scenes.append(response.json())
    shown = await client.post(
        f"/api/scenes/{scenes[0]['id']}/image", files=upload(picture()), headers=owner.headers
    )
    assert shown.status_code == 200, shown.text
    token = await client.post(
        "/api/users/me/tokens", json={"name": "owner's", "scope": "read"}, headers=owner.headers
    )
    assert token.status_code == 201, token.text
    document = await client.post(
        f"/api/projects/{project['id']}/documents",
        files=upload(SCRIPT, "script.fountain", "text/plain"),
        headers=owner.headers,
    )
    assert document.status_code == 201, document.text
    link = (
        await client.post(
            f"/api/projects/{project['id']}/shares",
            json={"allow_comments": True},
            headers=owner.headers,
        )
    ).json()
    review = await client.post(
        f"/api/s/{link['token']}/scenes/{scenes[0]['id']}/comments",
        json={"author_name": "Guest", "body": "Nice"},
    )
    assert review.status_code == 201, review.text
    character = await client.post(
        f"/api/projects/{project['id']}/dossier/characters",
        json={"name": "Mara"},
        headers=owner.headers,
    )
    assert character.status_code == 201, character.text
    history = await client.get(f"/api/projects/{project['id']}/history", headers=owner.headers)
    conversation = await client.post(
        f"/api/projects/{project['id']}/conversations",
        json={"title": "Owner's talk"},
        headers=owner.headers,
    )
    assert conversation.status_code == 201, conversation.text
    # A turn that waits for the owner's OK on a delete: its approval is the owner's.
    waiting = await client.post(
        f"/api/conversations/{conversation.json()['id']}/send",
        json={"message": "delete scene 2"},
        headers=owner.headers,
    )
    assert waiting.status_code == 202, waiting.text
    return {
        "approval_id": waiting.json()["approval"]["approval_id"],
        "conversation_id": conversation.json()["id"],
        "owner": owner,
        "project": project,
        "scenes": scenes,
        "file_id": shown.json()["image_file_id"],
        "token_id": token.json()["id"],
        "document_id": document.json()["id"],
        "share_id": link["id"],
        "comment_id": review.json()["id"],
        "token": link["token"],
        "item_id": character.json()["id"],
        "change_set_id": history.json()["change_sets"][0]["id"],
    }


def fill(path: str, ids: dict[str, str]) -> str:
    return path.format(
        **{
            name: ids[name]
            for name in (
                "project_id",
                "scene_id",
                "file_id",
                "item_id",
                "document_id",
                "share_id",
                "comment_id",
                "token",
                "token_id",
                "change_set_id",
                "conversation_id",
                "approval_id",
            )
            if f"{{{name}}}" in path
        }
    )


# Routes that take a multipart upload rather than JSON.
UPLOADS = {("POST", "/api/files"), ("POST", "/api/scenes/{scene_id}/image")}
DOCUMENT_UPLOADS = {("POST", "/api/projects/{project_id}/documents")}
SCRIPT = b"INT. HOUSE - DAY\n\nThe owner's scene."
# Required query parameters, so the 404 comes from ownership, not validation.
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/projects/{project_id}/search"): {"q": "house"},
}


def body_for(method: str, path: str, scene_ids: list[str]) -> Any:
    if path.endswith("/scenes/order"):
        return {"scene_ids": scene_ids}
    return BODIES.get((method, path))


def request_for(method: str, path: str, scene_ids: list[str]) -> dict[str, Any]:
    """The request's body: a picture or a document for upload routes, else the JSON body (if
    any); and its required query."""
    params = {"params": QUERIES[(method, path)]} if (method, path) in QUERIES else {}
    if (method, path) in UPLOADS:
        return {"files": upload(picture()), **params}
    if (method, path) in DOCUMENT_UPLOADS:
        return {"files": upload(SCRIPT, "script.fountain", "text/plain"), **params}
    return {"json": body_for(method, path, scene_ids), **params}


def _ids(owner_data: dict[str, Any]) -> dict[str, str]:
    return {
        "project_id": owner_data["project"]["id"],
        "scene_id": owner_data["scenes"][0]["id"],
        "file_id": owner_data["file_id"],
        "token_id": owner_data["token_id"],
        "document_id": owner_data["document_id"],
        "share_id": owner_data["share_id"],
        "comment_id": owner_data["comment_id"],
        "token": owner_data["token"],
        "item_id": owner_data["item_id"],
        "conversation_id": owner_data["conversation_id"],
        "change_set_id": owner_data["change_set_id"],
        "approval_id": owner_data["approval_id"],
    }


async def test_every_route_with_an_id_is_404_for_another_user(
    app: FastAPI, client: httpx.AsyncClient, make_user: UserFactory, owner_data: dict[str, Any]
) -> None:
    owner: TestUser = owner_data["owner"]
    intruder = await make_user()
    before = await owner_snapshot(client, owner)
    ids = _ids(owner_data)
    scene_ids = [scene["id"] for scene in owner_data["scenes"]]

    checked = []
    for method, path in api_routes(app):
        if "{" not in path or (method, path) in LINK_ROUTES:
            continue
        response = await client.request(
            method,
            fill(path, ids),
            **request_for(method, path, scene_ids),
            headers=intruder.headers,
        )
        assert response.status_code == 404, (method, path, response.status_code, response.text)
        assert "not found" in response.json()["detail"].lower()
        checked.append((method, path))

    assert len(checked) >= 18  # the matrix really ran over the id routes, chat and files included
    assert ("GET", "/api/chat/{project_id}/turns") in checked
    assert await owner_snapshot(client, owner) == before
    assert (await client.get("/api/projects", headers=intruder.headers)).json() == []


async def test_made_up_ids_are_404_like_foreign_ones(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    ids = {
        "project_id": str(uuid.uuid4()),
        "scene_id": str(uuid.uuid4()),
        "file_id": str(uuid.uuid4()),
        "token_id": str(uuid.uuid4()),
        "document_id": str(uuid.uuid4()),
        "share_id": str(uuid.uuid4()),
        "comment_id": str(uuid.uuid4()),
        "token": "made-up-token",
        "item_id": str(uuid.uuid4()),
        "conversation_id": str(uuid.uuid4()),
        "change_set_id": str(uuid.uuid4()),
        "approval_id": str(uuid.uuid4()),
    }
    for method, path in api_routes(app):
        if "{" in path:
            response = await client.request(
                method, fill(path, ids), **request_for(method, path, []), headers=user.headers
            )
            assert response.status_code == 404, (method, path, response.text)


async def test_mixed_ownership_cannot_reorder_foreign_scenes_into_a_project(
    client: httpx.AsyncClient, make_user: UserFactory, owner_data: dict[str, Any]
) -> None:
    """The intruder's own project, listing the owner's scene ids, is refused and moves nothing."""
    intruder = await make_user()
    own = (
        await client.post("/api/projects", json={"title": "mine"}, headers=intruder.headers)
    ).json()
    response = await client.put(
        f"/api/projects/{own['id']}/scenes/order",
        json={"scene_ids": [scene["id"] for scene in owner_data["scenes"]]},
        headers=intruder.headers,
    )
    assert response.status_code == 422
    detail = (
        await client.get(
            f"/api/projects/{owner_data['project']['id']}", headers=owner_data["owner"].headers
        )
    ).json()
    assert [scene["title"] for scene in detail["scenes"]] == ["one", "two"]


async def test_every_private_route_is_401_without_credentials(
    app: FastAPI, client: httpx.AsyncClient, owner_data: dict[str, Any]
) -> None:
    ids = _ids(owner_data)
    scene_ids = [scene["id"] for scene in owner_data["scenes"]]
    private = [route for route in api_routes(app) if route not in PUBLIC_ROUTES]
    assert len(private) >= 18
    for route in [
        ("GET", "/api/assistant"),
        ("POST", "/api/assistant/check"),
        ("GET", "/api/users/me/usage"),
    ]:
        assert route in private
    for method, path in private:
        response = await client.request(
            method, fill(path, ids), **request_for(method, path, scene_ids)
        )
        assert response.status_code == 401, (method, path, response.status_code)
    assert (await owner_snapshot(client, owner_data["owner"]))[0][0]["scene_count"] == 2
    assert all(route in api_routes(app) for route in LINK_ROUTES)


async def test_no_response_leaks_a_password_hash(
    client: httpx.AsyncClient, owner_data: dict[str, Any]
) -> None:
    owner: TestUser = owner_data["owner"]
    bodies = [
        (await client.get("/api/users/me", headers=owner.headers)).text,
        (await client.get("/api/projects", headers=owner.headers)).text,
        (
            await client.get(f"/api/projects/{owner_data['project']['id']}", headers=owner.headers)
        ).text,
    ]
    for body in bodies:
        assert "hash" not in body.lower()
        assert "password" not in body.lower()
