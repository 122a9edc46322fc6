"""The turn ledger read back: a conversation's turns with their figures, and an account's usage
(turns and tokens today and over 30 days, against its daily message limit)."""

import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import ChatTurn
from backend.repositories import chat as chat_repository
from backend.repositories import users as user_repository
from backend.schemas.assistant import (
    TurnLedgerPublic,
    UsageLimits,
    UsagePublic,
    UsageTotals,
)
from backend.services.chat import ChatTarget, find_conversation


def public_turn(turn: ChatTurn) -> TurnLedgerPublic:
    fields = {name: getattr(turn, name, None) for name in TurnLedgerPublic.model_fields}
    return TurnLedgerPublic.model_validate({**fields, "started_at": turn.created_at})


async def list_turns(
    session: AsyncSession, user_id: uuid.UUID, target: ChatTarget, limit: int
) -> list[TurnLedgerPublic]:
    """The conversation's turns, newest first (none before the project's first)."""
    _, chat = await find_conversation(session, user_id, target)
    if chat is None:
        return []
    return [public_turn(turn) for turn in await chat_repository.list_turns(session, chat.id, limit)]


async def usage(
    session: AsyncSession, user_id: uuid.UUID, *, messages_per_day: int, now: datetime
) -> UsagePublic:
    midnight = datetime.combine(now.date(), time(), tzinfo=UTC)
    today = await chat_repository.usage_since(session, user_id, midnight)
    month = await chat_repository.usage_since(session, user_id, midnight - timedelta(days=29))
    used = await user_repository.messages_used(session, user_id, now.date())
    return UsagePublic(
        today=UsageTotals(messages=today[0], input_tokens=today[1], output_tokens=today[2]),
        last_30_days=UsageTotals(messages=month[0], input_tokens=month[1], output_tokens=month[2]),
        limits=UsageLimits(assistant_messages_per_day=messages_per_day, messages_used_today=used),
    )
