"""Request and response helpers shared by the three API surfaces."""

from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import Response, StreamingResponse
from starlette.requests import Request

from backend.assistant.offline.knobs import Knobs, OfflineAPIError


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


async def event_stream(chunks: AsyncIterator[bytes], knobs: Knobs) -> Response:
    """An SSE response. With no latency, delay or hang to show, the events are produced at once
    and sent as one body (the same bytes, far fewer writes); otherwise they go out as made."""
    headers = {"cache-control": "no-cache"}
    if knobs.streams_instantly:
        body = b"".join([chunk async for chunk in chunks])
        return Response(body, media_type="text/event-stream", headers=headers)
    return StreamingResponse(chunks, media_type="text/event-stream", headers=headers)


def require_model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise OfflineAPIError(400, "Missing required parameter: 'model'.", param="model")
    return model
