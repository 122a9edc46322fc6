"""Health probes: answered first, and logged only when they fail (load balancers ask often)."""

import logging
from collections.abc import Iterator

import httpx
import pytest

from tests.api.test_platform import RecordingHandler
from tests.conftest import AppFactory, asgi_client


@pytest.fixture
def request_log() -> Iterator[RecordingHandler]:
    logger = logging.getLogger("scenecraft.request")
    handler, level = RecordingHandler(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


async def test_probes_that_succeed_are_not_logged_and_failing_ones_are(
    client: httpx.AsyncClient, make_app: AppFactory, request_log: RecordingHandler
) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).status_code == 200
    assert (await client.get("/api/nowhere")).status_code == 404
    # Nothing listens on port 1: the database does not answer.
    unready = make_app(DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:1/none")
    async with asgi_client(unready) as unready_client:
        assert (await unready_client.get("/readyz")).status_code == 503
    assert [(vars(r)["path"], vars(r)["status"]) for r in request_log.records] == [
        ("/api/nowhere", 404),
        ("/readyz", 503),
    ]
