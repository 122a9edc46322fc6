"""The fixtures every database test stands on keep tests apart."""

import asyncio

import pytest
from sqlalchemy import select

from backend.core.config import Settings
from backend.main import create_app
from backend.models import ChatTurn
from tests import conftest
from tests.conftest import TestUser, asgi_client, close_and_wipe
from tests.servers import eventually


async def test_teardown_ends_a_running_turn_before_it_wipes_the_rows(
    settings: Settings, user: TestUser, project: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A turn still running when its test ends must be over before the rows go: otherwise it
    writes into the next test's data."""
    application = create_app(settings.model_copy(update={"OFFLINE_MODEL_LATENCY_MS": 60_000}))
    statuses_when_wiped: list[str] = []
    wipe = conftest.delete_all_rows

    async def recording_wipe(app: object) -> None:
        async with application.state.session_factory() as session:
            statuses_when_wiped.extend(await session.scalars(select(ChatTurn.status)))
        await wipe(application)

    monkeypatch.setattr(conftest, "delete_all_rows", recording_wipe)

    async def turn_running() -> bool:
        async with application.state.session_factory() as session:
            status: str | None = await session.scalar(select(ChatTurn.status))
        return status == "running"

    async with asgi_client(application) as client:
        send = asyncio.create_task(
            client.post(
                f"/api/chat/{project['id']}/send", json={"message": "hello"}, headers=user.headers
            )
        )
        await eventually(turn_running, what="the turn's start")
        await close_and_wipe(application)
        await send
    assert statuses_when_wiped == ["failed"]  # ended by the shutdown, not left running
