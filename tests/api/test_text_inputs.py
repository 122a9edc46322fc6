"""Text a database cannot store never reaches it: NUL (PostgreSQL's text refuses it) and lone
surrogates (UTF-8 cannot encode them) are a 422 naming the field, on every text input.

The corpus walks the app's own OpenAPI document (every operation, every string field of its JSON
or form body, every query and path parameter) and the tools' argument schemas, so a new route,
field or tool is covered without anyone remembering to add it here.
"""

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError
from uvicorn.logging import DefaultFormatter

from backend.assistant.tools import TOOLS, ToolContext, run_tool
from backend.core.logging import JsonFormatter
from backend.models import Project, User
from backend.repositories import projects as project_repository
from tests.api.conftest import World
from tests.api.request_corpus import (
    Field,
    Input,
    Json,
    database_rows,
    inputs,
    leaves,
    refusal_names,
    resolve,
    send,
    set_at,
    valid_value,
)
from tests.conftest import UserFactory
from tests.servers import serve

# NUL, which PostgreSQL's text refuses, and lone surrogates, which UTF-8 cannot encode. JSON
# spells a surrogate "\ud800"; a form, query or path value is percent-encoded UTF-8, which cannot,
# so there only NUL can arrive.
UNSTORABLE = {"nul": "\x00", "high-surrogate": "\ud800", "low-surrogate": "\udfff"}
# Each placed inside an otherwise valid value (so nothing else is wrong), at its end, and alone.
PLACEMENTS: dict[str, Callable[[str, str], str]] = {
    "inside": lambda valid, bad: f"{valid[:4]}{bad}{valid[4:]}",
    "at-end": lambda valid, bad: f"{valid}{bad}",
    "alone": lambda valid, bad: bad,
}


def spoilt(valid: str, location: str) -> Iterator[tuple[str, str]]:
    """(label, value) for each unstorable character and placement that `location` can carry."""
    for name, bad in UNSTORABLE.items():
        if location == "body" or name == "nul":
            for placement, place in PLACEMENTS.items():
                yield f"{name}-{placement}", place(valid, bad)


# Odd but storable text: accepted and kept exactly as sent.
ODD_BUT_STORABLE = [
    "\U0001f3ac emoji \U0001f30a",
    "\u202eright-to-left\u202c",
    "\ufeffbyte order mark",
    "tab\tand\x01control\x7f",
    "noncharacter \uffff \U0010ffff",
    "pair \ud83c\udfac",  # a surrogate pair: one character once decoded
]


def text_inputs(document: Json) -> Iterator[Input]:
    """String body and form fields, and every query and path parameter (text on the wire)."""
    for target in inputs(document):
        if target.location in ("query", "path") or target.kind(document) == "string":
            yield target


async def test_unstorable_text_is_422_naming_the_field_on_every_route(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    document = app.openapi()
    targets = list(text_inputs(document))
    failures = []
    for text_input in targets:
        valid = str(valid_value(document, text_input.field[-1], text_input.schema, world))
        for label, value in spoilt(valid, text_input.location):
            before = await database_rows(app)
            response = await send(client, document, text_input, value, world)
            if not refusal_names(response, text_input):
                failures.append(f"{text_input} {label}: {response.status_code} {response.text}")
            elif await database_rows(app) != before:
                failures.append(f"{text_input} {label}: refused, but something was stored")
    assert not failures, "\n".join(failures)
    # The walk really covered the text inputs named in the issue (and every other one).
    covered = {str(text_input) for text_input in targets}
    for expected in [
        "post /api/auth/login body:email",
        "post /api/auth/register body:password",
        "post /api/auth/token form:username",
        "post /api/auth/token form:password",
        "post /api/projects body:description",
        "put /api/scenes/{scene_id} body:script",
        "post /api/chat/{project_id}/send body:message",
        "post /api/chat/{project_id}/send body:client_message_id",
        "put /api/projects/{project_id}/scenes/order body:scene_ids.0",
        "get /api/chat/{project_id}/messages query:before",
        "post /api/s/{token}/scenes/{scene_id}/comments body:author_name",
        "post /api/s/{token}/scenes/{scene_id}/comments body:body",
        "get /api/s/{token} path:token",
    ]:
        assert expected in covered


async def test_refusals_say_what_is_wrong_in_a_short_sentence(
    client: httpx.AsyncClient, world: World
) -> None:
    cases = [
        ("/api/projects", {"title": "a\x00b"}, "title must not contain NUL characters"),
        (
            f"/api/projects/{world.project_id}/scenes",
            {"title": "Fine", "script": "x\ud800"},
            "script must not contain unpaired surrogate characters",
        ),
    ]
    for path, body, message in cases:
        response = await client.post(
            path,
            content=json.dumps(body).encode(),
            headers={**world.user.headers, "content-type": "application/json"},
        )
        assert response.status_code == 422
        assert [error["msg"] for error in response.json()["detail"]] == [message]


async def test_odd_but_storable_text_is_kept_exactly(
    client: httpx.AsyncClient, world: World
) -> None:
    for text in ODD_BUT_STORABLE:
        response = await client.put(
            f"/api/scenes/{world.scene_ids[0]}",
            content=json.dumps({"title": f"T {text}", "script": text}).encode(),
            headers={**world.user.headers, "content-type": "application/json"},
        )
        assert response.status_code == 200, (text, response.text)
        scene = next(
            scene
            for scene in (
                await client.get(f"/api/projects/{world.project_id}", headers=world.user.headers)
            ).json()["scenes"]
            if scene["id"] == world.scene_ids[0]
        )
        assert scene["script"] == json.loads(json.dumps(text))
        assert scene["title"] == f"T {json.loads(json.dumps(text))}".strip()


def tool_text_inputs() -> Iterator[tuple[str, Field, Json, Json]]:
    for name, tool in sorted(TOOLS.items()):
        document = tool.arguments.model_json_schema()
        for field, leaf in leaves(document, document):
            if field and resolve(document, leaf).get("type") == "string":
                yield name, field, leaf, document


async def test_unstorable_tool_arguments_are_refused_and_change_nothing(
    app: FastAPI, world: World
) -> None:
    context = ToolContext(
        app.state.session_factory, uuid.UUID(world.user.id), uuid.UUID(world.project_id)
    )
    targets = list(tool_text_inputs())
    failures = []
    for name, field, leaf, document in targets:
        valid = str(valid_value(document, field[-1], leaf, world))
        for label, value in spoilt(valid, "body"):
            arguments = valid_value(document, "arguments", document, world)
            set_at(document, document, arguments, field, value, world)
            before = await database_rows(app)
            # Through the JSON text a model sends, so surrogates arrive as "\ud800" escapes.
            result = await run_tool(context, name, json.dumps(arguments))
            error = json.loads(result.output).get("error", "")
            if result.ok or str(field[0]) not in error:
                failures.append(f"{name} {field} {label}: {result.output}")
            elif await database_rows(app) != before:
                failures.append(f"{name} {field} {label}: refused, but something was stored")
    assert not failures, "\n".join(failures)
    assert {(name, field[0]) for name, field, _, _ in targets} >= {
        ("create_scene", "title"),
        ("update_scene_script", "script_content"),
        ("update_project", "description"),
        ("update_scene_image_url", "image_url"),
    }


SENTINEL_TITLE = "sentinel-title-7f3a"


async def test_a_database_error_logs_no_user_text_or_email(
    app: FastAPI, make_user: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repository bug sends the user's title and email to the database in a failing
    statement. The 500 is logged by the app and again by uvicorn (Starlette re-raises it to the
    server): neither log has the title or the email, in the message or the traceback."""
    email = f"private-{uuid.uuid4().hex[:8]}@example.com"
    owner = await make_user(email=email)

    async def broken_add_project(session: Any, user_id: uuid.UUID, fields: Any) -> Project:
        # A real DBAPI error carrying both: the statement's parameters hold the title, and
        # PostgreSQL's own message quotes the duplicate email.
        await session.execute(insert(User).values(email=email, hashed_password=fields["title"]))
        raise AssertionError("unreachable: the insert fails")

    monkeypatch.setattr(project_repository, "add_project", broken_add_project)
    # Each formatted by the formatter its real handler has.
    ours, uvicorns = LogCapture(JsonFormatter()), LogCapture(DefaultFormatter("%(message)s"))
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        with ours.on("scenecraft"), uvicorns.on("uvicorn.error"):
            response = await client.post(
                "/api/projects", json={"title": SENTINEL_TITLE}, headers=owner.headers
            )
    assert response.status_code == 500
    assert SENTINEL_TITLE not in response.text
    logged = "\n".join(ours.lines + uvicorns.lines)
    # Both logged it, with the error's type and the database's code...
    assert "unhandled error" in logged
    assert "Exception in ASGI application" in logged
    assert logged.count("IntegrityError") >= 2
    # ...and nothing of what the user sent.
    assert SENTINEL_TITLE not in logged
    assert email not in logged


async def test_database_errors_do_not_quote_the_statements_parameters(app: FastAPI) -> None:
    """Whoever prints the error (a log, an error report), the values bound to it are not in it."""
    statement = insert(Project).values(
        id=uuid.uuid4(), user_id=uuid.uuid4(), title=SENTINEL_TITLE, description=""
    )
    with pytest.raises(DBAPIError) as raised:
        async with app.state.engine.begin() as connection:
            await connection.execute(statement)  # no such account: a foreign-key violation
    assert "parameters hidden" in str(raised.value)
    assert SENTINEL_TITLE not in str(raised.value)


class LogCapture(logging.Handler):
    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @contextmanager
    def on(self, *names: str) -> Iterator[None]:
        loggers = [logging.getLogger(name) for name in names]
        for logger in loggers:
            logger.addHandler(self)
        try:
            yield
        finally:
            for logger in loggers:
                logger.removeHandler(self)
