"""An `AsyncOpenAI` client wired to an offline server running in this process.

Requests still go through the unmodified SDK and real HTTP semantics, over an ASGI transport
instead of a socket: bodies are buffered, so streams arrive whole (use a real socket to see
latency or to cancel mid-stream).
"""

from collections.abc import Awaitable, Callable, Sequence

import httpx2
from fastapi import FastAPI
from openai import AsyncOpenAI

from backend.assistant.offline.app import create_offline_app
from backend.assistant.offline.knobs import OfflineSettings

IN_PROCESS_BASE_URL = "http://offline.invalid/v1"


def create_offline_client(
    app: FastAPI | None = None,
    *,
    settings: OfflineSettings | None = None,
    max_retries: int = 2,
    strict: bool = False,
    request_hooks: Sequence[Callable[[httpx2.Request], Awaitable[None]]] = (),
) -> AsyncOpenAI:
    app = app or create_offline_app(settings)
    http_client = httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), event_hooks={"request": list(request_hooks)}
    )
    return AsyncOpenAI(
        api_key="offline",
        base_url=IN_PROCESS_BASE_URL,
        http_client=http_client,
        max_retries=max_retries,
        _strict_response_validation=strict,
    )
