"""Walks the app's OpenAPI document (or a tool's argument schema): every input of every
operation, a valid request around any one of them, and the database's rows to compare. Tests
built on it cover a new route, field or tool without anyone listing it."""

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from backend.models import Base
from tests.api.conftest import World
from tests.pictures import picture

Json = dict[str, Any]
Field = tuple[str | int, ...]  # keys and list indexes inside a body


@dataclass(frozen=True)
class Input:
    method: str
    path: str
    location: str  # "body" (JSON), "form", "query" or "path"
    field: Field
    schema: Json  # the field's own schema, as written (refs and nullability not unwrapped)

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.location}:{'.'.join(map(str, self.field))}"

    def kind(self, document: Json) -> str | None:
        kind: str | None = resolve(document, self.schema).get("type")
        return kind


def resolve(document: Json, schema: Json) -> Json:
    """Follows `$ref` (OpenAPI components or JSON-schema $defs) and unwraps `X | None`."""
    while True:
        if "$ref" in schema:
            *_, section, name = schema["$ref"].split("/")
            found = document["components"]["schemas"] if section == "schemas" else document["$defs"]
            schema = found[name]
        elif "anyOf" in schema:
            schema = next(option for option in schema["anyOf"] if option.get("type") != "null")
        else:
            return schema


def allows_null(schema: Json) -> bool:
    return schema.get("type") == "null" or any(
        option.get("type") == "null" for option in schema.get("anyOf", [])
    )


def leaves(document: Json, schema: Json) -> Iterator[tuple[Field, Json]]:
    """Every non-object field of a body schema at any depth (lists entered at index 0)."""
    resolved = resolve(document, schema)
    if resolved.get("type") == "array":
        for path, leaf in leaves(document, resolved["items"]):
            yield (0, *path), leaf
    elif resolved.get("type") == "object":
        for name, child in resolved.get("properties", {}).items():
            for path, leaf in leaves(document, child):
                yield (name, *path), leaf
    yield (), schema


def inputs(document: Json) -> Iterator[Input]:
    """Every query and path parameter and every body field of every operation."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("query", "path"):
                    yield Input(
                        method, path, parameter["in"], (parameter["name"],), parameter["schema"]
                    )
            for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
                location = "body" if media_type == "application/json" else "form"
                for field, leaf in leaves(document, content["schema"]):
                    if field:
                        yield Input(method, path, location, field, leaf)


def valid_value(document: Json, name: str | int, schema: Json, world: World) -> Any:
    """A value that passes validation, so the field under test is the only thing wrong."""
    schema = resolve(document, schema)
    kind, value_format = schema.get("type"), schema.get("format")
    if name == "scene_ids":
        return list(world.scene_ids)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if schema.get("contentEncoding") == "base64":
        return base64.b64encode(picture()).decode()
    if kind == "array":
        return [valid_value(document, 0, schema["items"], world)]
    if kind == "object":
        return {
            key: valid_value(document, key, schema["properties"][key], world)
            for key in schema.get("required", [])
        }
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return True
    if value_format == "uuid":
        ids = {"scene_id": world.scene_ids[0], "conversation_id": world.conversation_id}
        return ids.get(str(name), world.project_id)
    if value_format == "email":
        return f"new-{uuid.uuid4().hex[:8]}@example.com"
    if value_format == "uri":
        return "https://example.com/frame.png"
    return "plain text".ljust(schema.get("minLength", 0), "x")


def set_at(
    document: Json, schema: Json, target: Any, field: Field, value: Any, world: World
) -> None:
    """Put `value` at `field`, first filling in valid optional containers on the way (a list
    of items the body may leave out, with one valid item)."""
    *parents, last = field
    for key in parents:
        resolved = resolve(document, schema)
        schema = resolved["items"] if isinstance(key, int) else resolved["properties"][key]
        if isinstance(key, int) and len(target) <= key:
            target.append(valid_value(document, key, schema, world))
        elif isinstance(key, str) and key not in target:
            target[key] = valid_value(document, key, schema, world)
        target = target[key]
    target[last] = value


async def send(
    client: httpx.AsyncClient, document: Json, target: Input, value: Any, world: World
) -> httpx.Response:
    """The operation with `value` at the input under test and valid values everywhere else."""
    operation = document["paths"][target.path][target.method]
    path = target.path
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            name = parameter["name"]
            filled = (
                value
                if (target.location, target.field) == ("path", (name,))
                else valid_value(document, name, parameter["schema"], world)
            )
            path = path.replace(f"{{{name}}}", quote(filled, safe=""))
    if target.location == "query":
        path += f"?{quote(str(target.field[0]))}={quote(value, safe='')}"
    headers = dict(world.user.headers)
    content: bytes | None = None
    data: dict[str, str] | None = None
    for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
        body = valid_value(document, "body", media["schema"], world)
        if target.location in ("body", "form"):
            set_at(document, media["schema"], body, target.field, value, world)
        if media_type == "application/json":
            # json.dumps escapes non-ASCII, so a lone surrogate travels as "\ud800".
            content = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        else:
            data = body
    return await client.request(
        target.method.upper(), path, content=content, data=data, headers=headers
    )


def refusal_names(response: httpx.Response, target: Input) -> bool:
    """A 422 with an entry located at the input (a list's items are named by their list)."""
    location = "body" if target.location == "form" else target.location
    return response.status_code == 422 and any(
        error["loc"][:2] == [location, target.field[0]] for error in response.json()["detail"]
    )


async def database_rows(app: FastAPI) -> dict[str, list[str]]:
    """Every row of every table, to show that a refused request stored nothing. A sign-in's
    `last_seen_at` is left out: any request may move it (once a minute), refused or not."""
    rows = {}
    async with app.state.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [column for column in table.columns if column.name != "last_seen_at"]
            found = (await connection.execute(select(*columns))).all()
            rows[table.name] = sorted(repr(tuple(row)) for row in found)
    return rows
