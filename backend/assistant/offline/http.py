"""Request and response helpers shared by the three API surfaces."""

from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse
from starlette.requests import Request

from backend.assistant.offline.knobs import OfflineAPIError


async def read_body(request: Request) -> dict[str, Any]:
    """The JSON object body; an empty body is `{}` (the SDK posts none for cancel)."""
    if not await request.body():
        return {}
    try:
        body = await request.json()
    except ValueError as error:
        raise OfflineAPIError(400, "We could not parse the JSON body of your request.") from error
    if not isinstance(body, dict):
        raise OfflineAPIError(400, "The request body must be a JSON object.")
    return body


def event_stream(chunks: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        chunks, media_type="text/event-stream", headers={"cache-control": "no-cache"}
    )


def require_model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise OfflineAPIError(400, "Missing required parameter: 'model'.", param="model")
    return model
