"""Bounds on what one turn's tool calls may do: the calls run per round, and which of them write."""

import asyncio
import uuid
from typing import Any

import pytest
from fastapi import FastAPI

from backend.assistant.tools import ToolContext, run_tool
from backend.core.db import SQLITE_WRITE_OPTION
from tests.api.test_chat import ENGINES, scenes_of, send
from tests.conftest import AppFactory, StatementLog, TestUser, ThrowawayDatabase, asgi_client

Json = dict[str, Any]


@pytest.mark.parametrize("engine", ENGINES)
async def test_calls_beyond_the_per_round_limit_run_nothing(
    make_app: AppFactory, user: TestUser, project: Json, engine: dict[str, str]
) -> None:
    """The model asks for five scenes in one round; with a limit of three, three are made and
    the other two calls are answered with an error (every call still gets its output, or the
    Assistants and Responses surfaces would refuse the round)."""
    app = make_app(CHAT_MAX_TOOL_CALLS_PER_ROUND=3, **engine)
    async with asgi_client(app) as client:
        response = await send(client, user, project, "add scenes A, B, C, D and E")
        assert response.status_code == 200, response.text
        calls = response.json()["tool_calls"]
        assert [(c["name"], c["ok"]) for c in calls] == [("create_scene", True)] * 3 + [
            ("create_scene", False)
        ] * 2
        assert all("only 3 tool calls run per round" in c["output"] for c in calls[3:])
        assert [s["title"] for s in await scenes_of(client, user, project)] == ["A", "B", "C"]


async def test_a_read_only_tool_does_not_open_a_write_transaction(
    app: FastAPI, database: ThrowawayDatabase, user: TestUser, project: Json
) -> None:
    context = ToolContext(app.state.session_factory, uuid.UUID(user.id), uuid.UUID(project["id"]))
    read = {"project_id": project["id"]}
    with StatementLog(app) as reading:
        result = await run_tool(context, "get_project_details", read)
    assert result.ok, result.output
    with StatementLog(app) as writing:
        result = await run_tool(context, "create_scene", {**read, "title": "One"})
    assert result.ok, result.output

    if database.backend == "sqlite":
        assert reading.begins() == ["BEGIN"]
        assert writing.begins() == ["BEGIN IMMEDIATE"]
        assert not any(options.get(SQLITE_WRITE_OPTION) for _, options in reading.entries)
        # Another connection holds the write lock: a reader is not queued behind it (a writer
        # would wait for the busy timeout, 30 s).
        async with app.state.engine.connect() as holder:
            await holder.execution_options(**{SQLITE_WRITE_OPTION: True})
            with StatementLog(app) as held:
                await holder.begin()
            assert held.begins() == ["BEGIN IMMEDIATE"]
            result = await asyncio.wait_for(
                run_tool(context, "get_project_details", read), timeout=10
            )
            await holder.rollback()
        assert result.ok, result.output
        assert '"title": "One"' in result.output
    else:
        # PostgreSQL: reads run in autocommit, without BEGIN/COMMIT.
        assert reading.isolation_levels() == {"AUTOCOMMIT"}
        assert "AUTOCOMMIT" not in writing.isolation_levels()
