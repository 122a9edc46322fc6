"""The live event stream of a project: its change sets as they commit, on any instance."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from backend.api.deps import DetachedUser, SessionFactoryDep, SettingsDep, SignInCheckDep
from backend.core.db import unit_of_work
from backend.schemas.history import REVISION_MAX
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


async def stream_slot(
    _project_id: Annotated[uuid.UUID, Depends(followed_project)],
    request: Request,
    user: DetachedUser,
    settings: SettingsDep,
) -> AsyncIterator[None]:
    """One of the caller's EVENTS_STREAMS_PER_USER streams, held until the stream ends; taken
    once the project is known to be theirs (someone else's is a 404 however many are open)."""
    streams: LiveEvents = request.app.state.live_events
    with streams.stream_slot(user.id, settings.EVENTS_STREAMS_PER_USER):
        yield


@router.get(
    "/{project_id}/events",
    response_class=EventSourceResponse,
    responses={
        200: {"description": "`text/event-stream` of `change` and `ping` events"},
        404: {"description": "No such project, or not yours"},
        429: {"description": "`EVENTS_STREAMS_PER_USER` streams of yours are open already"},
    },
    dependencies=[Depends(stream_slot)],
)
async def follow_project_events(
    project_id: Annotated[uuid.UUID, Depends(followed_project)],
    request: Request,
    user: DetachedUser,
    settings: SettingsDep,
    sign_in: SignInCheckDep,
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
            le=REVISION_MAX,
            description="The same for a first connection (a browser's EventSource cannot set "
            "the header); the header wins when both are sent",
        ),
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Follow the project live. Each `change` event has `id:` its revision and `data:` the
    change set (as in the history); a `ping` comes at least every 20 s. Change sets made on
    any instance arrive within a second. Reconnect with `Last-Event-ID` to get what you missed;
    the stream ends when the project is deleted, when your sign-in ends (checked again every
    `EVENTS_PING_SECONDS`: a sign-out or a revoked token), when the server shuts down, and
    after `EVENTS_STREAM_SECONDS` (15 minutes): reconnect then (an EventSource does, by
    itself). At most `EVENTS_STREAMS_PER_USER` (20) of your streams at once per instance."""
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
    loop = asyncio.get_running_loop()
    checked = loop.time()
    # Closed with this generator, so a disconnect unsubscribes at once.
    async with aclosing(changes):
        async for change_set in changes:
            if loop.time() - checked >= settings.EVENTS_PING_SECONDS:
                if not await sign_in.still_valid():
                    return  # signed out meanwhile: the reconnection is a 401
                checked = loop.time()
            if change_set is None:
                yield ServerSentEvent(event="ping", raw_data="")
            else:
                yield ServerSentEvent(event="change", id=str(change_set.revision), data=change_set)
