"""Personal access tokens: made (shown once), listed, revoked; checked by AuthService."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import ConflictError, NotFoundError
from backend.core.security import new_personal_token, personal_token_hash
from backend.models import PersonalAccessToken
from backend.repositories import personal_tokens as token_repository
from backend.schemas.personal_token import (
    PersonalTokenCreate,
    PersonalTokenCreated,
    PersonalTokenPublic,
)

# Enough for every client a person uses; bounded so the list stays short.
TOKENS_PER_USER_MAX = 50


async def create_token(
    session: AsyncSession, user_id: uuid.UUID, data: PersonalTokenCreate
) -> PersonalTokenCreated:
    if await token_repository.count_tokens(session, user_id) >= TOKENS_PER_USER_MAX:
        raise ConflictError(
            f"You have {TOKENS_PER_USER_MAX} tokens, the most an account may have: revoke one "
            "you no longer use first."
        )
    secret = new_personal_token()
    now = datetime.now(UTC)
    expires_at = (
        now + timedelta(days=data.expires_in_days) if data.expires_in_days is not None else None
    )
    token = await token_repository.add_token(
        session,
        PersonalAccessToken(
            user_id=user_id,
            name=data.name,
            scope=data.scope,
            token_hash=personal_token_hash(secret),
            created_at=now,
            expires_at=expires_at,
        ),
    )
    return PersonalTokenCreated(
        **PersonalTokenPublic.model_validate(token).model_dump(), token=secret
    )


async def list_tokens(session: AsyncSession, user_id: uuid.UUID) -> list[PersonalTokenPublic]:
    return [
        PersonalTokenPublic.model_validate(token)
        for token in await token_repository.list_tokens(session, user_id)
    ]


async def revoke_token(session: AsyncSession, user_id: uuid.UUID, token_id: uuid.UUID) -> None:
    if not await token_repository.delete_token(session, token_id, user_id):
        raise NotFoundError("Token")
