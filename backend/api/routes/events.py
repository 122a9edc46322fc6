"""The live event stream of a project: its change sets as they commit, on any instance."""

import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from backend.api.deps import DetachedUser, SessionFactoryDep, SettingsDep
from backend.core.db import unit_of_work
from backend.services.live_events import LiveEvents
from backend.services.projects import require_project

router = APIRouter(prefix="/projects", tags=["projects"])

RECONNECT_MS = 500
"""How soon a browser reconnects once a stream ends (the SSE `retry:` field)."""


async def followed_project(
    project_id: uuid.UUID, user: DetachedUser, session_factory: SessionFactoryDep
) -> uuid.UUID:
    """The project, checked to be the caller's before the stream's 200 goes out (a generator's
    own body runs only once the response has started)."""
    async with unit_of_work(session_factory) as session:
        await require_project(session, project_id, user.id)
    return project_id


@router.get(
    "/{project_id}/events",
    response_class=EventSourceResponse,
    responses={
        200: {"description": "`text/event-stream` of `change` and `ping` events"},
        404: {"description": "No such project, or not yours"},
    },
)
async def follow_project_events(
    project_id: Annotated[uuid.UUID, Depends(followed_project)],
    request: Request,
    user: DetachedUser,
    settings: SettingsDep,
    last_event_header: Annotated[
        str,
        Header(
            alias="Last-Event-ID",
            pattern=r"^[0-9]{0,18}$",
            description="The revision of the last change set received: the stream first "
            "replays every change set after it (empty: none, as an EventSource sends it)",
        ),
    ] = "",
    last_event_id: Annotated[
        int | None,
        Query(
            ge=0,
            description="The same for a first connection (a browser's EventSource cannot set "
            "the header); the header wins when both are sent",
        ),
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Follow the project live. Each `change` event has `id:` its revision and `data:` the
    change set (as in the history); a `ping` comes at least every 20 s. Change sets made on
    any instance arrive within a second. Reconnect with `Last-Event-ID` to get what you missed;
    the stream ends when the project is deleted, the server shuts down, and after
    `EVENTS_STREAM_SECONDS` (15 minutes): reconnect then (an EventSource does, by itself)."""
    streams: LiveEvents = request.app.state.live_events
    changes = streams.follow(
        project_id,
        user.id,
        int(last_event_header) if last_event_header else last_event_id,
        settings.EVENTS_PING_SECONDS,
        settings.EVENTS_STREAM_SECONDS,
    )
    # A client told to come back soon: the stream ends after EVENTS_STREAM_SECONDS.
    yield ServerSentEvent(retry=RECONNECT_MS)
    # Closed with this generator, so a disconnect unsubscribes at once.
    async with aclosing(changes):
        async for change_set in changes:
            if change_set is None:
                yield ServerSentEvent(event="ping", raw_data="")
            else:
                yield ServerSentEvent(event="change", id=str(change_set.revision), data=change_set)
