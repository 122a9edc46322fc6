"""Share links and review comments: the token is a capability for one project's board and its
pictures, nothing else; dead links are 404 everywhere at once; guests' comments are throttled in
the database."""

import asyncio
import hashlib
import json
import logging
import math
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from backend.core.db import unit_of_work
from backend.jobs.cleanup import delete_dead_share_links, run_cleanup
from backend.models import ShareComment, ShareCommentPost, ShareLink
from tests.api.request_corpus import database_rows
from tests.api.test_text_inputs import ODD_BUT_STORABLE
from tests.conftest import AppFactory, TestUser, UserFactory, asgi_client
from tests.pictures import picture, upload


async def make_project(client: httpx.AsyncClient, user: TestUser, title: str) -> dict[str, Any]:
    """A project with two scenes, the first showing an uploaded picture."""
    project = (
        await client.post("/api/projects", json={"title": title}, headers=user.headers)
    ).json()
    scenes = []
    for name in ("Open", "Close"):
        response = await client.post(
            f"/api/projects/{project['id']}/scenes", json={"title": name}, headers=user.headers
        )
        scenes.append(response.json())
    shown = await client.post(
        f"/api/scenes/{scenes[0]['id']}/image", files=upload(picture()), headers=user.headers
    )
    assert shown.status_code == 200, shown.text
    scenes[0] = shown.json()
    return {**project, "scenes": scenes}


async def share(
    client: httpx.AsyncClient, user: TestUser, project_id: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/projects/{project_id}/shares", json=body, headers=user.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def comment(
    client: httpx.AsyncClient, token: str, scene_id: str, body: str = "Hold the shot longer"
) -> httpx.Response:
    return await client.post(
        f"/api/s/{token}/scenes/{scene_id}/comments",
        json={"author_name": "Dana (client)", "body": body},
    )


def link_paths(token: str, project: dict[str, Any]) -> list[tuple[str, str]]:
    """Every public route of a link, as (method, path)."""
    file_id = project["scenes"][0]["image_file_id"]
    return [
        ("GET", f"/s/{token}"),
        ("GET", f"/api/s/{token}"),
        ("GET", f"/api/s/{token}/files/{file_id}"),
        ("GET", f"/api/s/{token}/files/{file_id}/thumbnail"),
        ("POST", f"/api/s/{token}/scenes/{project['scenes'][0]['id']}/comments"),
    ]


async def assert_dead(client: httpx.AsyncClient, token: str, project: dict[str, Any]) -> None:
    for method, path in link_paths(token, project):
        body = {"author_name": "x", "body": "y"} if method == "POST" else None
        response = await client.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.status_code)


async def test_a_link_token_has_256_random_bits_and_only_its_hash_is_stored(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await make_project(client, user, "Teaser")
    links = [await share(client, user, project["id"]) for _ in range(20)]
    tokens = [link["token"] for link in links]
    assert len(set(tokens)) == 20
    for link in links:
        # 43 URL-safe base64 characters carry 258 bits, of which secrets.token_urlsafe(32)
        # fills 256 from the OS's random source.
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", link["token"])
        assert link["url"] == f"/s/{link['token']}"
        assert set(link) >= {"id", "token", "url", "allow_comments", "expires_at", "created_at"}
    # The tokens' characters are spread like random ones: no position is constant.
    assert all(len({token[i] for token in tokens}) > 1 for i in range(42))

    stored = repr(await database_rows(app))
    assert not any(token in stored for token in tokens)
    async with unit_of_work(app.state.session_factory) as session:
        hashes = set(await session.scalars(select(ShareLink.token_hash)))
    assert hashes == {hashlib.sha256(token.encode()).hexdigest() for token in tokens}

    listed = await client.get(f"/api/projects/{project['id']}/shares", headers=user.headers)
    assert listed.status_code == 200
    assert len(listed.json()) == 20
    assert not any(token in listed.text for token in tokens)


async def test_a_link_token_never_reaches_the_request_log(
    client: httpx.AsyncClient, user: TestUser, caplog: pytest.LogCaptureFixture
) -> None:
    project = await make_project(client, user, "Teaser")
    token = (await share(client, user, project["id"]))["token"]
    with caplog.at_level(logging.INFO, logger="scenecraft.request"):
        assert (await client.get(f"/s/{token}")).status_code == 200
        assert (await client.get(f"/api/s/{token}")).status_code == 200
    paths = [record.__dict__.get("path") for record in caplog.records]
    assert "/s/…" in paths
    assert "/api/s/…" in paths
    assert token not in caplog.text
    assert not any(token in str(record.__dict__) for record in caplog.records)


async def test_a_link_shows_the_board_without_anything_about_the_owner(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await make_project(client, user, "Teaser")
    link = await share(client, user, project["id"], allow_comments=True, expires_in_days=7)
    expires_at = datetime.fromisoformat(link["expires_at"])
    assert timedelta(days=6, hours=23) < expires_at - datetime.now(UTC) <= timedelta(days=7)

    response = await client.get(f"/api/s/{link['token']}")
    assert response.status_code == 200
    board = response.json()
    assert board["title"] == "Teaser"
    assert board["allow_comments"] is True
    assert [scene["title"] for scene in board["scenes"]] == ["Open", "Close"]
    assert user.email not in response.text
    assert user.id not in response.text
    assert "user_id" not in response.text
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert response.headers["referrer-policy"] == "no-referrer"

    first = board["scenes"][0]
    base = f"/api/s/{link['token']}/files/{first['image_file_id']}"
    assert (first["image_src"], first["thumbnail_src"]) == (base, f"{base}/thumbnail")
    for path, kind in ((base, "image/png"), (f"{base}/thumbnail", "image/webp")):
        picture_response = await client.get(path)  # no credentials at all
        assert picture_response.status_code == 200
        assert picture_response.headers["content-type"] == kind
        assert picture_response.headers["cache-control"] == "private, no-cache"
        etag = picture_response.headers["etag"]
        again = await client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304

    page = await client.get(f"/s/{link['token']}")
    assert page.status_code == 200
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    assert page.headers["x-robots-tag"] == "noindex, nofollow"
    assert page.headers["cache-control"] == "no-store"


async def test_revoked_expired_and_made_up_links_are_404_everywhere(
    app: FastAPI, make_app: AppFactory, client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await make_project(client, user, "Teaser")
    revoked, expired, live = [
        await share(client, user, project["id"], allow_comments=True) for _ in range(3)
    ]
    other_instance = make_app()
    async with asgi_client(other_instance) as other:
        assert (await other.get(f"/api/s/{revoked['token']}")).status_code == 200
        response = await client.delete(f"/api/shares/{revoked['id']}", headers=user.headers)
        assert response.status_code == 204
        # Dead at once on the other instance too: every request asks the database.
        await assert_dead(other, revoked["token"], project)
    await assert_dead(client, revoked["token"], project)
    again = await client.delete(f"/api/shares/{revoked['id']}", headers=user.headers)
    assert again.status_code == 404

    async with unit_of_work(app.state.session_factory, write=True) as session:
        await session.execute(
            update(ShareLink)
            .where(ShareLink.id == uuid.UUID(expired["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    await assert_dead(client, expired["token"], project)
    for made_up in ("A" * 43, live["token"][:-1] + ("A" if live["token"][-1] != "A" else "B")):
        await assert_dead(client, made_up, project)

    listed = await client.get(f"/api/projects/{project['id']}/shares", headers=user.headers)
    assert [link["id"] for link in listed.json()] == [live["id"]]
    assert (await client.get(f"/api/s/{live['token']}")).status_code == 200


async def test_a_link_reads_only_its_own_projects_pictures_and_scenes(
    client: httpx.AsyncClient, make_user: UserFactory, user: TestUser
) -> None:
    """A link of project A asking for a picture of project B (same owner or another), or a file
    no scene shows, or a scene of B, gets 404 and nothing changes."""
    mine_a = await make_project(client, user, "A")
    mine_b = await make_project(client, user, "B")
    stranger = await make_user()
    theirs = await make_project(client, stranger, "Theirs")
    loose = await client.post("/api/files", files=upload(picture()), headers=user.headers)
    link = await share(client, user, mine_a["id"], allow_comments=True)
    token = link["token"]

    own_file = mine_a["scenes"][0]["image_file_id"]
    assert (await client.get(f"/api/s/{token}/files/{own_file}")).status_code == 200
    for file_id in (
        mine_b["scenes"][0]["image_file_id"],
        theirs["scenes"][0]["image_file_id"],
        loose.json()["id"],
    ):
        for suffix in ("", "/thumbnail"):
            response = await client.get(f"/api/s/{token}/files/{file_id}{suffix}")
            assert response.status_code == 404, (file_id, suffix)
    for scene in (mine_b["scenes"][0], theirs["scenes"][0]):
        assert (await comment(client, token, scene["id"])).status_code == 404
    for project, owner in ((mine_b, user), (theirs, stranger)):
        listed = await client.get(f"/api/projects/{project['id']}/comments", headers=owner.headers)
        assert listed.json() == {"comments": []}

    # A picture removed from its scene is no longer served through the link.
    removed = await client.delete(
        f"/api/scenes/{mine_a['scenes'][0]['id']}/image", headers=user.headers
    )
    assert removed.status_code == 200
    assert (await client.get(f"/api/s/{token}/files/{own_file}")).status_code == 404


async def test_comments_need_a_link_that_allows_them_and_the_owner_manages_them(
    app: FastAPI, client: httpx.AsyncClient, make_user: UserFactory, user: TestUser
) -> None:
    project = await make_project(client, user, "Teaser")
    scene_id = project["scenes"][1]["id"]
    closed = await share(client, user, project["id"])
    open_link = await share(client, user, project["id"], allow_comments=True)

    before = await database_rows(app)
    refused = await comment(client, closed["token"], scene_id)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This link does not take comments."}
    assert await database_rows(app) == before

    posted = await comment(client, open_link["token"], scene_id, "  Hold the shot longer  ")
    assert posted.status_code == 201, posted.text
    created = posted.json()
    assert created["scene_id"] == scene_id
    assert (created["author_name"], created["body"]) == ("Dana (client)", "Hold the shot longer")
    assert created["resolved"] is False

    listed = await client.get(f"/api/projects/{project['id']}/comments", headers=user.headers)
    assert listed.json() == {"comments": [created]}

    resolved = await client.patch(
        f"/api/comments/{created['id']}", json={"resolved": True}, headers=user.headers
    )
    assert resolved.status_code == 200
    assert resolved.json()["resolved"] is True
    intruder = await make_user()
    for method, body in (("PATCH", {"resolved": False}), ("DELETE", None)):
        foreign = await client.request(
            method, f"/api/comments/{created['id']}", json=body, headers=intruder.headers
        )
        assert foreign.status_code == 404
    assert (
        await client.get(f"/api/projects/{project['id']}/comments", headers=user.headers)
    ).json()["comments"][0]["resolved"] is True

    deleted = await client.delete(f"/api/comments/{created['id']}", headers=user.headers)
    assert deleted.status_code == 204
    listed = await client.get(f"/api/projects/{project['id']}/comments", headers=user.headers)
    assert listed.json() == {"comments": []}

    # Revoking the link keeps the comments that came through it.
    kept = (await comment(client, open_link["token"], scene_id)).json()
    await client.delete(f"/api/shares/{open_link['id']}", headers=user.headers)
    listed = await client.get(f"/api/projects/{project['id']}/comments", headers=user.headers)
    assert [item["id"] for item in listed.json()["comments"]] == [kept["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {"author_name": "", "body": "fine"},
        {"author_name": "   ", "body": "fine"},
        {"author_name": "x" * 81, "body": "fine"},
        {"author_name": "Dana", "body": ""},
        {"author_name": "Dana", "body": "x" * 2001},
        {"author_name": "Dana"},
        {"author_name": "Dana", "body": "fine", "resolved": True},
        {"author_name": 7, "body": "fine"},
    ],
)
async def test_bad_comments_are_422_and_store_nothing(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, body: dict[str, Any]
) -> None:
    project = await make_project(client, user, "Teaser")
    link = await share(client, user, project["id"], allow_comments=True)
    before = await database_rows(app)
    response = await client.post(
        f"/api/s/{link['token']}/scenes/{project['scenes'][0]['id']}/comments", json=body
    )
    assert response.status_code == 422, response.text
    assert await database_rows(app) == before


async def test_the_longest_comment_and_name_are_kept_exactly(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await make_project(client, user, "Teaser")
    link = await share(client, user, project["id"], allow_comments=True)
    body = {"author_name": "n" * 80, "body": "<img src=x onerror=alert(1)>" + "b" * 1972}
    response = await client.post(
        f"/api/s/{link['token']}/scenes/{project['scenes'][0]['id']}/comments", json=body
    )
    assert response.status_code == 201
    assert (response.json()["author_name"], response.json()["body"]) == (
        body["author_name"],
        body["body"],
    )


async def test_odd_but_storable_comment_text_is_kept_exactly(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await make_project(client, user, "Teaser")
    link = await share(client, user, project["id"], allow_comments=True)
    for text in ODD_BUT_STORABLE:
        body = {"author_name": text, "body": text}
        expected = json.loads(json.dumps(text))  # a surrogate pair arrives as one character
        response = await client.post(
            f"/api/s/{link['token']}/scenes/{project['scenes'][0]['id']}/comments",
            content=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 201, (text, response.text)
        assert (response.json()["author_name"], response.json()["body"]) == (expected, expected)


@pytest.mark.parametrize("days", [0, 366, -1, 1.5, "7", True])
async def test_a_link_lives_1_to_365_days(
    client: httpx.AsyncClient, user: TestUser, days: object
) -> None:
    project = await make_project(client, user, "Teaser")
    response = await client.post(
        f"/api/projects/{project['id']}/shares",
        json={"expires_in_days": days},
        headers=user.headers,
    )
    assert response.status_code == 422
    for fine in (1, 365, 49.0):
        link = await share(client, user, project["id"], expires_in_days=fine)
        assert link["expires_at"] is not None


async def test_comments_are_throttled_per_address_across_instances(
    make_app: AppFactory, make_user: UserFactory, client: httpx.AsyncClient
) -> None:
    owner = await make_user()
    project = await make_project(client, owner, "Teaser")
    scene_id = project["scenes"][0]["id"]
    first_link = await share(client, owner, project["id"], allow_comments=True)
    second_link = await share(client, owner, project["id"], allow_comments=True)
    limits = {"SHARE_COMMENTS_PER_ADDRESS": 3, "SHARE_COMMENT_WINDOW_SECONDS": 600}
    instances = [make_app(**limits), make_app(**limits)]

    def guest(instance: FastAPI, address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=instance, client=(address, 5000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async with guest(instances[0], "203.0.113.9") as a, guest(instances[1], "203.0.113.9") as b:
        statuses = [
            (await comment(a, first_link["token"], scene_id)).status_code,
            (await comment(b, second_link["token"], scene_id)).status_code,
            (await comment(a, second_link["token"], scene_id)).status_code,
        ]
        assert statuses == [201, 201, 201]
        throttled = await comment(b, first_link["token"], scene_id)
        assert throttled.status_code == 429
        retry_after = int(throttled.headers["retry-after"])
        assert 0 < retry_after <= 600
        assert f"{math.ceil(retry_after / 60)} minute" in throttled.json()["detail"]
    async with guest(instances[1], "198.51.100.20") as elsewhere:
        assert (await comment(elsewhere, first_link["token"], scene_id)).status_code == 201
    listed = await client.get(f"/api/projects/{project['id']}/comments", headers=owner.headers)
    assert len(listed.json()["comments"]) == 4


async def test_comments_are_throttled_per_link_and_deleting_them_frees_no_place(
    app: FastAPI, make_app: AppFactory, make_user: UserFactory, client: httpx.AsyncClient
) -> None:
    owner = await make_user()
    project = await make_project(client, owner, "Teaser")
    scene_id = project["scenes"][0]["id"]
    link = await share(client, owner, project["id"], allow_comments=True)
    other_link = await share(client, owner, project["id"], allow_comments=True)
    instance = make_app(SHARE_COMMENTS_PER_LINK=2, SHARE_COMMENTS_PER_ADDRESS=100)
    created = []
    for number in range(2):
        transport = httpx.ASGITransport(app=instance, client=(f"192.0.2.{number + 1}", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as guest:
            response = await comment(guest, link["token"], scene_id)
            assert response.status_code == 201
            created.append(response.json()["id"])
    for comment_id in created:
        await client.delete(f"/api/comments/{comment_id}", headers=owner.headers)
    transport = httpx.ASGITransport(app=instance, client=("192.0.2.99", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as guest:
        assert (await comment(guest, link["token"], scene_id)).status_code == 429
        assert (await comment(guest, other_link["token"], scene_id)).status_code == 201


async def test_cleanup_deletes_dead_links_and_old_posts_and_keeps_comments(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await make_project(client, user, "Teaser")
    live, revoked, expired = [
        await share(client, user, project["id"], allow_comments=True) for _ in range(3)
    ]
    for link in (live, revoked, expired):
        assert (await comment(client, link["token"], project["scenes"][0]["id"])).status_code == 201
    await client.delete(f"/api/shares/{revoked['id']}", headers=user.headers)
    long_ago = datetime.now(UTC) - timedelta(days=2)
    async with unit_of_work(app.state.session_factory, write=True) as session:
        await session.execute(
            update(ShareLink)
            .where(ShareLink.id == uuid.UUID(expired["id"]))
            .values(expires_at=long_ago)
        )
        await session.execute(
            update(ShareCommentPost)
            .where(ShareCommentPost.share_id == uuid.UUID(live["id"]))
            .values(created_at=long_ago)
        )

    report = await run_cleanup(
        app.state.settings,
        app.state.session_factory,
        app.state.model_client,
        rules=[delete_dead_share_links],
    )
    assert {rule.name: rule.counts for rule in report.rules} == {
        "share_links": {"links_deleted": 2, "posts_deleted": 1}
    }
    async with unit_of_work(app.state.session_factory) as session:
        assert set(await session.scalars(select(ShareLink.id))) == {uuid.UUID(live["id"])}
        assert await session.scalar(select(func.count()).select_from(ShareComment)) == 3
        assert await session.scalar(select(func.count()).select_from(ShareCommentPost)) == 0
    assert (await client.get(f"/api/s/{live['token']}")).status_code == 200


async def test_concurrent_comments_cannot_pass_the_limit(
    make_app: AppFactory, make_user: UserFactory, client: httpx.AsyncClient
) -> None:
    """Ten posts at once from one address, split over two instances, with room for three: the
    advisory locks make them count one after another, so exactly three land."""
    owner = await make_user()
    project = await make_project(client, owner, "Teaser")
    link = await share(client, owner, project["id"], allow_comments=True)
    instances = [make_app(SHARE_COMMENTS_PER_ADDRESS=3), make_app(SHARE_COMMENTS_PER_ADDRESS=3)]
    guests = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=instance, client=("203.0.113.50", 5000)),
            base_url="http://testserver",
        )
        for instance in instances
    ]
    try:
        responses = await asyncio.gather(
            *(
                comment(guests[number % 2], link["token"], project["scenes"][0]["id"])
                for number in range(10)
            )
        )
    finally:
        for guest in guests:
            await guest.aclose()
    assert sorted(response.status_code for response in responses) == [201] * 3 + [429] * 7
    listed = await client.get(f"/api/projects/{project['id']}/comments", headers=owner.headers)
    assert len(listed.json()["comments"]) == 3
