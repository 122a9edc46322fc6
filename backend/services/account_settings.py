"""The account's own settings (for now: which assistant tool calls need approval)."""

import uuid
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import AuthenticationError
from backend.repositories import users as user_repository
from backend.schemas.user import AssistantApproval, UserSettingsUpdate


async def get_assistant_approval(session: AsyncSession, user_id: uuid.UUID) -> AssistantApproval:
    value = await user_repository.get_assistant_approval(session, user_id)
    if value is None:  # deleted since its token was checked
        raise AuthenticationError("Invalid or expired token")
    return cast(AssistantApproval, value)


async def update_settings(
    session: AsyncSession, user_id: uuid.UUID, changes: UserSettingsUpdate
) -> None:
    if changes.assistant_approval is not None:
        await user_repository.set_assistant_approval(session, user_id, changes.assistant_approval)
