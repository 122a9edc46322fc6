"""The storyboard fields: bounds and enum values, the film's total runtime through every scene
change, and the project's aspect ratio."""

from typing import Any

import httpx
import pytest

from backend.schemas import common
from tests.conftest import TestUser

Json = dict[str, Any]


async def scene(
    client: httpx.AsyncClient, user: TestUser, project_id: str, **fields: object
) -> Json:
    response = await client.post(
        f"/api/projects/{project_id}/scenes",
        json={"title": "Shot", **fields},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def detail(client: httpx.AsyncClient, user: TestUser, project_id: str) -> Json:
    response = await client.get(f"/api/projects/{project_id}", headers=user.headers)
    assert response.status_code == 200
    return dict(response.json())


async def test_a_scene_takes_every_storyboard_field(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    fields = {
        "duration_seconds": 4.5,
        "shot_size": "close_up",
        "camera_movement": "dolly",
        "audio": "VO: It began with a wave.",
        "notes": "Golden hour",
    }
    created = await scene(client, user, str(project["id"]), **fields)
    assert {key: created[key] for key in fields} == fields
    assert created["image_file_id"] is None
    assert created["image_src"] is None
    assert created["thumbnail_src"] is None

    read = (await detail(client, user, str(project["id"])))["scenes"][0]
    assert {key: read[key] for key in fields} == fields

    cleared = await client.put(
        f"/api/scenes/{created['id']}",
        json={"duration_seconds": None, "shot_size": None, "camera_movement": None, "notes": ""},
        headers=user.headers,
    )
    assert cleared.status_code == 200, cleared.text
    body = cleared.json()
    assert (body["duration_seconds"], body["shot_size"], body["camera_movement"]) == (None,) * 3
    assert (body["notes"], body["audio"]) == ("", fields["audio"])


async def test_defaults_for_a_plain_scene_and_project(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    assert project["aspect_ratio"] == "16:9"
    assert project["target_duration_seconds"] is None
    assert project["total_duration_seconds"] == 0
    created = await scene(client, user, str(project["id"]))
    assert created["duration_seconds"] is None
    assert (created["audio"], created["notes"]) == ("", "")


@pytest.mark.parametrize("shot_size", common.SHOT_SIZES)
async def test_every_shot_size_is_accepted(
    client: httpx.AsyncClient, user: TestUser, project: Json, shot_size: str
) -> None:
    assert (await scene(client, user, str(project["id"]), shot_size=shot_size))[
        "shot_size"
    ] == shot_size


async def test_every_camera_movement_and_aspect_ratio_is_accepted(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    for movement in common.CAMERA_MOVEMENTS:
        created = await scene(client, user, str(project["id"]), camera_movement=movement)
        assert created["camera_movement"] == movement
    for ratio in common.ASPECT_RATIOS:
        changed = await client.put(
            f"/api/projects/{project['id']}", json={"aspect_ratio": ratio}, headers=user.headers
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["aspect_ratio"] == ratio
        assert (await detail(client, user, str(project["id"])))["aspect_ratio"] == ratio


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_seconds", 0),
        ("duration_seconds", 0.04),
        ("duration_seconds", -1),
        ("duration_seconds", 3600.1),
        ("duration_seconds", "4"),
        ("duration_seconds", True),
        ("shot_size", "closeup"),
        ("shot_size", "CLOSE_UP"),
        ("shot_size", ""),
        ("camera_movement", "zoom-in"),
        ("camera_movement", 3),
        ("audio", "a" * (common.AUDIO_MAX + 1)),
        ("audio", None),
        ("notes", "n" * (common.NOTES_MAX + 1)),
        ("image_file_id", "not-a-uuid"),
    ],
)
async def test_scene_fields_out_of_bounds_are_422(
    client: httpx.AsyncClient, user: TestUser, project: Json, field: str, value: object
) -> None:
    created = await scene(client, user, str(project["id"]))
    for method, path in (
        ("POST", f"/api/projects/{project['id']}/scenes"),
        ("PUT", f"/api/scenes/{created['id']}"),
    ):
        body: Json = {"title": "Shot", field: value} if method == "POST" else {field: value}
        response = await client.request(method, path, json=body, headers=user.headers)
        assert response.status_code == 422, (method, field, value, response.text)
        assert response.json()["detail"][0]["loc"][:2] == ["body", field]
    assert len((await detail(client, user, str(project["id"])))["scenes"]) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("aspect_ratio", "21:9"),
        ("aspect_ratio", None),
        ("aspect_ratio", "16/9"),
        ("target_duration_seconds", 0),
        ("target_duration_seconds", 86_400.1),
        ("target_duration_seconds", "60"),
    ],
)
async def test_project_fields_out_of_bounds_are_422(
    client: httpx.AsyncClient, user: TestUser, project: Json, field: str, value: object
) -> None:
    for method, path, body in (
        ("POST", "/api/projects", {"title": "New", field: value}),
        ("PUT", f"/api/projects/{project['id']}", {field: value}),
    ):
        response = await client.request(method, path, json=body, headers=user.headers)
        assert response.status_code == 422, (method, field, value, response.text)
    assert (await detail(client, user, str(project["id"])))["aspect_ratio"] == "16:9"


async def test_durations_are_kept_to_one_decimal(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    created = await scene(client, user, str(project["id"]), duration_seconds=2.25)
    assert created["duration_seconds"] in (2.2, 2.3)  # rounded half to even, as floats do
    assert (await scene(client, user, str(project["id"]), duration_seconds=3600))[
        "duration_seconds"
    ] == 3600
    target = await client.put(
        f"/api/projects/{project['id']}",
        json={"target_duration_seconds": 90.04},
        headers=user.headers,
    )
    assert target.json()["target_duration_seconds"] == 90.0


async def test_total_runtime_follows_create_update_duplicate_and_delete(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    project_id = str(project["id"])

    async def total() -> float:
        read = await detail(client, user, project_id)
        listed = (await client.get("/api/projects", headers=user.headers)).json()
        assert listed[0]["total_duration_seconds"] == read["total_duration_seconds"]
        return float(read["total_duration_seconds"])

    first = await scene(client, user, project_id, duration_seconds=4)
    second = await scene(client, user, project_id, duration_seconds=2.5)
    await scene(client, user, project_id)  # no duration: counts nothing
    assert await total() == 6.5

    await client.put(
        f"/api/scenes/{second['id']}", json={"duration_seconds": 3.1}, headers=user.headers
    )
    assert await total() == 7.1

    copy = await client.post(f"/api/scenes/{first['id']}/duplicate", headers=user.headers)
    assert copy.status_code == 201
    assert copy.json()["duration_seconds"] == 4
    assert await total() == 11.1

    assert (
        await client.delete(f"/api/scenes/{first['id']}", headers=user.headers)
    ).status_code == 204
    assert await total() == 7.1

    renamed = await client.put(
        f"/api/projects/{project_id}", json={"title": "Renamed"}, headers=user.headers
    )
    assert renamed.json()["total_duration_seconds"] == 7.1
    assert renamed.json()["scene_count"] == 3


async def test_a_duplicate_copies_every_storyboard_field(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    fields = {
        "script": "INT. ROOM",
        "duration_seconds": 6,
        "shot_size": "wide",
        "camera_movement": "crane",
        "audio": "Music: strings",
        "notes": "Rain",
    }
    original = await scene(client, user, str(project["id"]), **fields)
    copy = (
        await client.post(f"/api/scenes/{original['id']}/duplicate", headers=user.headers)
    ).json()
    assert {key: copy[key] for key in fields} == fields


async def test_the_project_list_shows_first_frames_as_a_cover(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    project_id = str(project["id"])
    for index in range(6):
        await scene(
            client,
            user,
            project_id,
            title=f"S{index}",
            image_url=f"https://example.com/{index}.png" if index % 2 == 0 else None,
        )
    listed = (await client.get("/api/projects", headers=user.headers)).json()
    assert listed[0]["cover"] == [
        {"title": "S0", "thumbnail_src": "https://example.com/0.png"},
        {"title": "S1", "thumbnail_src": None},
        {"title": "S2", "thumbnail_src": "https://example.com/2.png"},
        {"title": "S3", "thumbnail_src": None},
    ]
    empty = await client.post("/api/projects", json={"title": "Empty"}, headers=user.headers)
    listed = (await client.get("/api/projects", headers=user.headers)).json()
    assert next(item for item in listed if item["id"] == empty.json()["id"])["cover"] == []
