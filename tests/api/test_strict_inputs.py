"""Request bodies mean what they say, and the OpenAPI document says what validation does: numbers
and booleans are strict, a field is nullable in the schema exactly when null is accepted, and the
lengths the schema shows are the ones enforced. The walks cover every operation of the app's own
OpenAPI document, so a field added later is checked without being listed here."""

import re

import httpx
from fastapi import FastAPI

from tests.api.conftest import World
from tests.api.request_corpus import (
    Input,
    Json,
    allows_null,
    database_rows,
    inputs,
    refusal_names,
    resolve,
    send,
    valid_value,
)
from tests.conftest import TestUser

# What a lax parser would turn into the declared type, and we do not.
COERCIBLE = {
    "integer": [False, True, "3", "0", 2.5],
    "number": [False, True, "3", "1.5"],
    "boolean": ["yes", "true", "false", 1, 0],
}
NUMBER_FIELDS = {
    "post /api/projects/{project_id}/scenes body:order",
    "put /api/scenes/{scene_id} body:order",
}


def json_body_fields(document: Json) -> list[Input]:
    return [target for target in inputs(document) if target.location == "body"]


async def refusals(
    app: FastAPI,
    client: httpx.AsyncClient,
    document: Json,
    world: World,
    cases: list[tuple[Input, object]],
) -> list[str]:
    """The cases that were not a 422 naming their field, or that stored something anyway."""
    failures = []
    for target, value in cases:
        before = await database_rows(app)
        response = await send(client, document, target, value, world)
        if not refusal_names(response, target):
            failures.append(f"{target} = {value!r}: {response.status_code} {response.text}")
        elif await database_rows(app) != before:
            failures.append(f"{target} = {value!r}: refused, but something was stored")
    return failures


async def test_numbers_and_booleans_in_bodies_are_not_coerced(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    document = app.openapi()
    targets = [
        target for target in json_body_fields(document) if target.kind(document) in COERCIBLE
    ]
    cases = [
        (target, value) for target in targets for value in COERCIBLE[str(target.kind(document))]
    ]
    failures = await refusals(app, client, document, world, cases)
    assert not failures, "\n".join(failures)
    assert {str(target) for target in targets} >= NUMBER_FIELDS


async def test_a_whole_number_written_with_a_decimal_point_is_that_integer(
    client: httpx.AsyncClient, world: World
) -> None:
    """JSON has one number type: 0.0 is the integer 0 (JSON Schema agrees); 0.5 is refused."""
    created = await client.post(
        f"/api/projects/{world.project_id}/scenes",
        json={"title": "First", "order": 0.0},
        headers=world.user.headers,
    )
    assert (created.status_code, created.json()["order"]) == (201, 0), created.text


async def test_ids_and_query_numbers_still_arrive_as_strings(
    client: httpx.AsyncClient, world: World
) -> None:
    """JSON has no UUID type and a query string no integer: those are still parsed."""
    reordered = await client.put(
        f"/api/projects/{world.project_id}/scenes/order",
        json={"scene_ids": world.scene_ids[::-1]},
        headers=world.user.headers,
    )
    assert reordered.status_code == 200
    assert [scene["id"] for scene in reordered.json()] == world.scene_ids[::-1]
    history = await client.get(
        f"/api/chat/{world.project_id}/messages",
        params={"limit": "5", "before": world.scene_ids[0]},
        headers=world.user.headers,
    )
    # Parsed as a UUID (not a 422), then looked up: no message of this conversation has it.
    assert history.status_code == 404
    assert history.json() == {"detail": "Message not found"}
    turns = await client.get(
        f"/api/chat/{world.project_id}/turns", params={"limit": "5"}, headers=world.user.headers
    )
    assert turns.status_code == 200
    moved = await client.put(
        f"/api/scenes/{world.scene_ids[0]}", json={"order": 0}, headers=world.user.headers
    )
    assert moved.status_code == 200
    assert moved.json()["order"] == 0


async def test_null_is_refused_exactly_where_the_schema_does_not_allow_it(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    document = app.openapi()
    failures = []
    for target in json_body_fields(document):
        response = await send(client, document, target, None, world)
        nullable = allows_null(target.schema)
        if not (response.is_success if nullable else refusal_names(response, target)):
            failures.append(
                f"{target}: nullable={nullable} in the schema, "
                f"null got {response.status_code} {response.text[:200]}"
            )
    assert not failures, "\n".join(failures)


def string_fields(document: Json) -> list[tuple[Input, Json]]:
    return [
        (target, resolve(document, target.schema))
        for target in inputs(document)
        if target.location in ("body", "form") and target.kind(document) == "string"
    ]


async def test_the_schemas_lengths_are_the_ones_enforced(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    document = app.openapi()
    cases: list[tuple[Input, object]] = []
    for target, schema in string_fields(document):
        valid = str(valid_value(document, target.field[-1], target.schema, world))
        if "maxLength" in schema:
            cases.append((target, valid.ljust(schema["maxLength"] + 1, "x")))
        if schema.get("minLength", 0) > 0:
            cases.append((target, valid[: schema["minLength"] - 1]))
    failures = await refusals(app, client, document, world, cases)
    assert not failures, "\n".join(failures)
    # And a value of exactly the longest length is accepted (ids and emails have formats of
    # their own that padding would break).
    for target, schema in string_fields(document):
        if "maxLength" in schema and schema.get("format") not in ("uuid", "email"):
            valid = str(valid_value(document, target.field[-1], target.schema, world))
            longest = valid.ljust(schema["maxLength"], "x")
            response = await send(client, document, target, longest, world)
            assert response.status_code < 500, (str(target), response.text)
            assert not refusal_names(response, target), (str(target), response.text)


async def test_openapi_shows_what_validation_does(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]

    def field(model: str, name: str) -> Json:
        found: Json = schemas[model]["properties"][name]
        return found

    # Partial updates: a field may be left out, but null is refused, so it is not nullable.
    for model, name in [
        ("SceneUpdate", "title"),
        ("SceneUpdate", "script"),
        ("SceneUpdate", "order"),
        ("ProjectUpdate", "title"),
        ("ProjectUpdate", "description"),
    ]:
        assert not allows_null(field(model, name)), (model, name)
        assert name not in schemas[model].get("required", [])
    # An image URL is a URI, and null (no image) is accepted wherever it is.
    for model in ("SceneCreate", "SceneUpdate"):
        image_url = field(model, "image_url")
        assert allows_null(image_url)
        url = next(option for option in image_url["anyOf"] if option.get("type") == "string")
        assert url["format"] == "uri"
        assert url["maxLength"] == 2048
        assert url["pattern"].startswith("^[Hh][Tt][Tt][Pp][Ss]?://")
    # Titles and messages are trimmed: one that is only spaces is refused, and the schema says so.
    for model, name in [("SceneCreate", "title"), ("ChatSendRequest", "message")]:
        not_blank = re.compile(field(model, name)["pattern"])
        assert not not_blank.search(" \t\r\n\x85\u00a0\u3000"), (model, name)
        assert not_blank.search(" a "), (model, name)
        assert not_blank.search("\x1c"), (model, name)  # not White_Space: it is kept
    # The lengths of the contract.
    for model, name, low, high in [
        ("ProjectCreate", "title", 1, 200),
        ("SceneCreate", "title", 1, 200),
        ("ProjectCreate", "description", None, 2_000),
        ("SceneCreate", "script", None, 20_000),
        ("ChatSendRequest", "message", 1, 8_000),
        ("UserCreate", "password", 8, 128),
    ]:
        shown = field(model, name)
        assert (shown.get("minLength"), shown["maxLength"]) == (low, high), (model, name)
    client_message_id = resolve({}, field("ChatSendRequest", "client_message_id"))
    assert (client_message_id["minLength"], client_message_id["maxLength"]) == (1, 100)
    assert field("SceneCreate", "order")["anyOf"][0]["minimum"] == 0
    assert field("SceneUpdate", "order")["minimum"] == 0


async def test_the_token_form_takes_the_oauth2_fields_swagger_sends(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    form = {
        "grant_type": "password",
        "username": user.email,
        "password": user.password,
        "scope": "",
        "client_id": "swagger",
    }
    response = await client.post("/api/auth/token", data=form)
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
