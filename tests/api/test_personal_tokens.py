"""Personal access tokens over REST: made once and stored hashed, scoped (a read token is 403 on
every unsafe route, walked from OpenAPI), refused at once when revoked or expired (on another
instance too), and never usable to manage tokens or the password. And the assistant_approval
setting."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from backend.core.security import personal_token_hash
from backend.models import PersonalAccessToken
from tests.api import test_ownership
from tests.api.test_ownership import PUBLIC_ROUTES, api_routes, fill, owner_snapshot, request_for
from tests.conftest import AppFactory, TestUser, UserFactory, asgi_client

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
owner_data = test_ownership.owner_data  # the ownership matrix's world: a project, scenes, files


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_token(
    client: httpx.AsyncClient, user: TestUser, scope: str = "write", **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/users/me/tokens",
        json={"name": f"{scope} token", "scope": scope, **extra},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_token_is_shown_once_and_stored_only_hashed(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    made = await make_token(client, user, "read", expires_in_days=30)
    assert made["token"].startswith("scp_")
    assert len(made["token"]) > 40
    assert made["scope"] == "read"
    assert made["name"] == "read token"
    expires = datetime.fromisoformat(made["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)

    listed = (await client.get("/api/users/me/tokens", headers=user.headers)).json()
    assert [token["id"] for token in listed] == [made["id"]]
    assert "token" not in listed[0]
    assert (
        made["token"] not in (await client.get("/api/users/me/tokens", headers=user.headers)).text
    )

    async with app.state.engine.connect() as connection:
        stored = (
            await connection.execute(
                select(PersonalAccessToken.token_hash).where(
                    PersonalAccessToken.id == uuid.UUID(made["id"])
                )
            )
        ).scalar_one()
    assert stored == personal_token_hash(made["token"])
    assert made["token"] not in stored


async def test_a_token_authenticates_the_rest_api(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    token = (await make_token(client, user))["token"]
    me = await client.get("/api/users/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["id"] == user.id
    created = await client.post("/api/projects", json={"title": "By token"}, headers=bearer(token))
    assert created.status_code == 201, created.text
    read = await client.get(f"/api/projects/{created.json()['id']}", headers=bearer(token))
    assert read.status_code == 200
    assert read.json()["title"] == "By token"
    assert read.headers["etag"].startswith('"r')
    # The owner's sign-in sees what the token made: the same account.
    projects = (await client.get("/api/projects", headers=user.headers)).json()
    assert [project["title"] for project in projects] == ["By token"]


async def test_a_read_token_is_403_on_every_unsafe_route_and_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, owner_data: dict[str, Any]
) -> None:
    owner: TestUser = owner_data["owner"]
    read_token = (await make_token(client, owner, "read"))["token"]
    before = await owner_snapshot(client, owner)
    ids = test_ownership._ids(owner_data)
    scene_ids = [scene["id"] for scene in owner_data["scenes"]]
    checked = []
    for method, path in api_routes(app):
        if method not in UNSAFE or (method, path) in PUBLIC_ROUTES:
            continue
        response = await client.request(
            method,
            fill(path, ids),
            **request_for(method, path, scene_ids),
            headers=bearer(read_token),
        )
        assert response.status_code == 403, (method, path, response.status_code, response.text)
        assert response.json()["detail"], (method, path)
        checked.append((method, path))
    assert len(checked) >= 15  # projects, scenes, files, chat, account: the walk really ran
    assert await owner_snapshot(client, owner) == before
    # Reading works with the same token.
    assert (await client.get("/api/projects", headers=bearer(read_token))).status_code == 200
    project = await client.get(f"/api/projects/{ids['project_id']}", headers=bearer(read_token))
    assert project.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/users/me/tokens", None),
        ("POST", "/api/users/me/tokens", {"name": "more", "scope": "write"}),
        ("DELETE", "/api/users/me/tokens/{token_id}", None),
        ("PUT", "/api/users/me/password", {"current_password": "x", "new_password": "y" * 10}),
        ("POST", "/api/auth/logout", None),
    ],
)
async def test_tokens_and_the_password_need_a_real_sign_in(
    client: httpx.AsyncClient, user: TestUser, method: str, path: str, body: Any
) -> None:
    made = await make_token(client, user)
    response = await client.request(
        method, path.format(token_id=made["id"]), json=body, headers=bearer(made["token"])
    )
    assert response.status_code == 403, response.text
    assert "sign in" in response.json()["detail"]
    # Nothing happened: the token still works and is still listed, alone.
    assert (await client.get("/api/users/me", headers=bearer(made["token"]))).status_code == 200
    listed = (await client.get("/api/users/me/tokens", headers=user.headers)).json()
    assert [token["id"] for token in listed] == [made["id"]]


async def test_a_revoked_token_is_401_at_once_on_every_instance(
    client: httpx.AsyncClient, user: TestUser, make_app: AppFactory
) -> None:
    made = await make_token(client, user)
    other_instance = make_app()
    async with asgi_client(other_instance) as other:
        assert (await other.get("/api/users/me", headers=bearer(made["token"]))).status_code == 200
        revoked = await client.delete(f"/api/users/me/tokens/{made['id']}", headers=user.headers)
        assert revoked.status_code == 204
        for instance in (client, other):
            response = await instance.get("/api/projects", headers=bearer(made["token"]))
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"
    again = await client.delete(f"/api/users/me/tokens/{made['id']}", headers=user.headers)
    assert again.status_code == 404
    assert (await client.get("/api/users/me/tokens", headers=user.headers)).json() == []


async def test_an_expired_token_is_401(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    made = await make_token(client, user, expires_in_days=1)
    assert (await client.get("/api/users/me", headers=bearer(made["token"]))).status_code == 200
    async with app.state.engine.begin() as connection:
        await connection.execute(
            update(PersonalAccessToken)
            .where(PersonalAccessToken.id == uuid.UUID(made["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    for path in ("/api/users/me", "/api/projects"):
        assert (await client.get(path, headers=bearer(made["token"]))).status_code == 401
    project = await client.get(
        "/api/projects/00000000-0000-0000-0000-000000000000", headers=bearer(made["token"])
    )
    assert project.status_code == 401


async def test_garbage_personal_tokens_are_401(client: httpx.AsyncClient) -> None:
    for token in ("scp_", "scp_not-a-real-token", "scp_" + "A" * 43):
        assert (await client.get("/api/users/me", headers=bearer(token))).status_code == 401


async def test_token_bodies_are_checked(client: httpx.AsyncClient, user: TestUser) -> None:
    for body in (
        {"name": "x", "scope": "admin"},
        {"name": "  ", "scope": "read"},
        {"name": "x" * 101, "scope": "read"},
        {"name": "x", "scope": "read", "expires_in_days": 0},
        {"name": "x", "scope": "read", "expires_in_days": 3651},
        {"name": "x", "scope": "read", "extra": 1},
    ):
        response = await client.post("/api/users/me/tokens", json=body, headers=user.headers)
        assert response.status_code == 422, (body, response.text)
    assert (await client.get("/api/users/me/tokens", headers=user.headers)).json() == []


async def test_another_users_token_cannot_be_revoked(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    owner, intruder = await make_user(), await make_user()
    made = await make_token(client, owner)
    response = await client.delete(f"/api/users/me/tokens/{made['id']}", headers=intruder.headers)
    assert response.status_code == 404
    assert (await client.get("/api/users/me", headers=bearer(made["token"]))).status_code == 200


async def test_assistant_approval_defaults_to_destructive_and_can_be_changed(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    me = (await client.get("/api/users/me", headers=user.headers)).json()
    assert me["assistant_approval"] == "destructive"
    for value in ("writes", "none", "destructive"):
        changed = await client.patch(
            "/api/users/me", json={"assistant_approval": value}, headers=user.headers
        )
        assert changed.status_code == 200
        assert changed.json()["assistant_approval"] == value
        me = (await client.get("/api/users/me", headers=user.headers)).json()
        assert me["assistant_approval"] == value
    unchanged = await client.patch("/api/users/me", json={}, headers=user.headers)
    assert unchanged.json()["assistant_approval"] == "destructive"
    for body in ({"assistant_approval": "always"}, {"assistant_approval": None}, {"email": "x"}):
        response = await client.patch("/api/users/me", json=body, headers=user.headers)
        assert response.status_code == 422, (body, response.text)
    assert (await client.get("/api/users/me", headers=user.headers)).json()[
        "assistant_approval"
    ] == "destructive"
