"""Guest accounts: try without an account, with smaller limits, throttled per address, and sign
up in place (same id, everything kept)."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import PASSWORD, AppFactory, UserFactory, asgi_client
from tests.servers import serve


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def start_guest(client: httpx.AsyncClient, **kwargs: Any) -> str:
    response = await client.post("/api/auth/guest", **kwargs)
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])


async def test_a_guest_works_then_signs_up_and_keeps_everything(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    started = await client.post("/api/auth/guest")
    assert started.status_code == 201
    body = started.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    assert "scenecraft_session" in started.cookies  # signed in like a login
    token = body["access_token"]
    client.cookies.clear()

    me = (await client.get("/api/users/me", headers=bearer(token))).json()
    assert me["email"] is None
    assert me["is_guest"] is True
    assert me["limits"]["projects_per_account"] == app.state.settings.GUEST_MAX_PROJECTS == 3
    assert me["limits"]["assistant_messages_per_day"] == 50
    guest_id = me["id"]

    project = (
        await client.post("/api/projects", json={"title": "Trial"}, headers=bearer(token))
    ).json()
    turn = await client.post(
        f"/api/chat/{project['id']}/send",
        json={"message": "add scenes Intro and Beach"},
        headers=bearer(token),
    )
    assert turn.status_code == 200, turn.text

    signed_up = await client.post(
        "/api/auth/register",
        json={"email": "Guest@Example.com", "password": PASSWORD},
        headers=bearer(token),
    )
    assert signed_up.status_code == 201, signed_up.text
    assert signed_up.json()["id"] == guest_id
    assert signed_up.json()["email"] == "guest@example.com"

    # The guest's own session carries on, now as the full account.
    me = (await client.get("/api/users/me", headers=bearer(token))).json()
    assert (me["id"], me["email"], me["is_guest"]) == (guest_id, "guest@example.com", False)
    assert me["limits"]["projects_per_account"] == 500
    login = await client.post(
        "/api/auth/login", json={"email": "guest@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200
    fresh = login.json()["access_token"]
    assert (await client.get("/api/users/me", headers=bearer(fresh))).json()["id"] == guest_id
    detail = (await client.get(f"/api/projects/{project['id']}", headers=bearer(fresh))).json()
    assert [scene["title"] for scene in detail["scenes"]] == ["Intro", "Beach"]
    history = (
        await client.get(f"/api/chat/{project['id']}/messages", headers=bearer(fresh))
    ).json()
    assert [message["role"] for message in history["messages"]] == ["user", "assistant"]

    # Signing up again with the same session is an ordinary new registration, not a conversion.
    again = await client.post(
        "/api/auth/register",
        json={"email": "second@example.com", "password": PASSWORD},
        headers=bearer(fresh),
    )
    assert again.status_code == 201
    assert again.json()["id"] != guest_id


async def test_a_guest_signs_up_with_its_cookie_from_the_app(client: httpx.AsyncClient) -> None:
    await client.post("/api/auth/guest")  # the browser keeps the cookie
    guest_id = (await client.get("/api/users/me")).json()["id"]
    await client.post("/api/projects", json={"title": "Kept"})
    cross_site = await client.post(
        "/api/auth/register",
        json={"email": "forged@example.com", "password": PASSWORD},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross_site.status_code == 403
    assert (await client.get("/api/users/me")).json()["is_guest"] is True

    signed_up = await client.post(
        "/api/auth/register",
        json={"email": "mine@example.com", "password": PASSWORD},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert signed_up.status_code == 201
    assert signed_up.json()["id"] == guest_id
    me = (await client.get("/api/users/me")).json()
    assert me["is_guest"] is False
    assert [p["title"] for p in (await client.get("/api/projects")).json()] == ["Kept"]


async def test_a_guest_signing_up_with_a_taken_email_stays_a_guest(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    taken = await make_user()
    token = await start_guest(client)
    client.cookies.clear()
    refused = await client.post(
        "/api/auth/register",
        json={"email": taken.email.upper(), "password": PASSWORD},
        headers=bearer(token),
    )
    assert refused.status_code == 409
    assert (await client.get("/api/users/me", headers=bearer(token))).json()["is_guest"] is True


async def test_a_guest_has_no_password_to_sign_in_with_or_change(
    client: httpx.AsyncClient,
) -> None:
    token = await start_guest(client)
    client.cookies.clear()
    change = await client.put(
        "/api/users/me/password",
        json={"current_password": "anything", "new_password": PASSWORD},
        headers=bearer(token),
    )
    assert change.status_code == 409
    assert "guest" in change.json()["detail"]
    for email in ("", "null", "None"):
        login = await client.post("/api/auth/login", json={"email": email, "password": "x"})
        assert login.status_code == 401


async def test_a_guest_cannot_exceed_its_limits(
    make_app: AppFactory, make_user: UserFactory
) -> None:
    app = make_app(GUEST_MAX_PROJECTS=2, GUEST_MESSAGES_PER_DAY=2)
    async with asgi_client(app) as client:
        token = await start_guest(client)
        client.cookies.clear()
        ids = []
        for title in ("One", "Two"):
            created = await client.post(
                "/api/projects", json={"title": title}, headers=bearer(token)
            )
            assert created.status_code == 201
            ids.append(created.json()["id"])
        third = await client.post("/api/projects", json={"title": "Three"}, headers=bearer(token))
        assert third.status_code == 409
        assert "limit of 2 projects" in third.json()["detail"]

        for _ in range(2):
            sent = await client.post(
                f"/api/chat/{ids[0]}/send", json={"message": "hello"}, headers=bearer(token)
            )
            assert sent.status_code == 200
        over = await client.post(
            f"/api/chat/{ids[0]}/send", json={"message": "hello"}, headers=bearer(token)
        )
        assert over.status_code == 429
        assert int(over.headers["retry-after"]) > 0
        assert "2 messages" in over.json()["detail"]

        # A full account on the same app keeps the full limits.
        register = await client.post(
            "/api/auth/register", json={"email": "full@example.com", "password": PASSWORD}
        )
        assert register.status_code == 201
        login = await client.post(
            "/api/auth/login", json={"email": "full@example.com", "password": PASSWORD}
        )
        full = bearer(login.json()["access_token"])
        client.cookies.clear()
        for title in ("A", "B", "C"):
            assert (
                await client.post("/api/projects", json={"title": title}, headers=full)
            ).status_code == 201


async def test_concurrent_creations_cannot_pass_a_guest_limit(make_app: AppFactory) -> None:
    app = make_app(GUEST_MAX_PROJECTS=3)
    async with asgi_client(app) as client:
        token = await start_guest(client)
        client.cookies.clear()
        responses = await asyncio.gather(
            *(
                client.post("/api/projects", json={"title": f"P{n}"}, headers=bearer(token))
                for n in range(8)
            )
        )
        assert sorted(response.status_code for response in responses) == [201] * 3 + [409] * 5
        assert len((await client.get("/api/projects", headers=bearer(token))).json()) == 3


async def test_guest_creation_is_throttled_per_address(make_app: AppFactory) -> None:
    app = make_app(GUESTS_PER_ADDRESS=2, GUEST_WINDOW_SECONDS=600)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for _ in range(2):
            await start_guest(client)
        # A header the client sends itself is no proxy's word: the peer is still the address.
        refused = await client.post(
            "/api/auth/guest", headers={"X-Forwarded-For": str(uuid.uuid4().int % 250) + ".1.1.1"}
        )
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 600
        assert "Too many guest accounts" in refused.json()["detail"]
    other = httpx.ASGITransport(app=app, client=("198.51.100.4", 4000))
    async with httpx.AsyncClient(transport=other, base_url="http://testserver") as client:
        await start_guest(client)


async def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(
    make_app: AppFactory,
) -> None:
    """Under uvicorn (the served app) a request from a trusted proxy (FORWARDED_ALLOW_IPS,
    127.0.0.1 by default) is counted against the client it forwards for, so one proxy's users
    do not share one budget."""
    app = make_app(GUESTS_PER_ADDRESS=1)
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        first = {"X-Forwarded-For": "192.0.2.10"}
        assert (await client.post("/api/auth/guest", headers=first)).status_code == 201
        assert (await client.post("/api/auth/guest", headers=first)).status_code == 429
        second = {"X-Forwarded-For": "192.0.2.11"}
        assert (await client.post("/api/auth/guest", headers=second)).status_code == 201


@pytest.mark.parametrize("body", [{"email": "x@example.com"}, [], "guest"])
async def test_guest_creation_takes_no_body(client: httpx.AsyncClient, body: object) -> None:
    """The route reads nothing: a body is ignored rather than trusted."""
    response = await client.post("/api/auth/guest", json=body)
    assert response.status_code == 201
    token = response.json()["access_token"]
    client.cookies.clear()
    assert (await client.get("/api/users/me", headers=bearer(token))).json()["email"] is None
