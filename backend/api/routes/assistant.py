"""The assistant: which one answers, what it can do (a live check), and what its turns cost."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from backend.api.deps import AssistantServiceDep, CurrentUser, DetachedUser, SessionDep, SettingsDep
from backend.models.base import utc_now
from backend.schemas.assistant import AssistantCheck, AssistantStatus, TurnLedgerPublic, UsagePublic
from backend.services import ledger
from backend.services.chat import ConversationById, CurrentConversation
from backend.services.limits import account_limits

router = APIRouter(tags=["assistant"])


@router.get("/assistant")
async def read_assistant(user: CurrentUser, assistant: AssistantServiceDep) -> AssistantStatus:
    """The configured engine, model and provider (never its key), and what the model can do:
    known for the offline model, else as the latest check found (`null` before one)."""
    return assistant.status()


@router.post(
    "/assistant/check",
    responses={429: {"description": "Checked too recently by this account; see Retry-After"}},
)
async def check_assistant(user: DetachedUser, assistant: AssistantServiceDep) -> AssistantCheck:
    """Probe the provider live: list the models, a plain answer, one tool round, a streamed
    answer and an image, each with what it saw (and what to change), and its time. A probe
    that fails is `ok: false` in a 200: the check itself worked."""
    return await assistant.check(user.id)


TurnsLimit = Annotated[int, Query(ge=1, le=200)]


@router.get("/chat/{project_id}/turns", responses={404: {"description": "No such project"}})
async def read_chat_turns(
    project_id: uuid.UUID, session: SessionDep, user: CurrentUser, limit: TurnsLimit = 50
) -> list[TurnLedgerPublic]:
    """The current conversation's turns, newest first, each with its figures: engine, model,
    status, model/tool/total time, tokens, tool calls, retries, error (failed and cancelled
    turns too)."""
    return await ledger.list_turns(session, user.id, CurrentConversation(project_id), limit)


@router.get(
    "/conversations/{conversation_id}/turns",
    responses={404: {"description": "No such conversation, or not yours"}},
)
async def read_conversation_turns(
    conversation_id: uuid.UUID, session: SessionDep, user: CurrentUser, limit: TurnsLimit = 50
) -> list[TurnLedgerPublic]:
    """As `/api/chat/{project_id}/turns`, for this conversation."""
    return await ledger.list_turns(session, user.id, ConversationById(conversation_id), limit)


@router.get("/users/me/usage")
async def read_usage(session: SessionDep, user: CurrentUser, settings: SettingsDep) -> UsagePublic:
    """The assistant turns and tokens of the account's conversations, today (UTC) and over the
    last 30 days, with the daily message limit and what is used of it."""
    per_day = account_limits(settings, is_guest=user.is_guest).assistant_messages_per_day
    return await ledger.usage(session, user.id, messages_per_day=per_day, now=utc_now())
