"""Data access for personal access tokens."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import PersonalAccessToken, User
from backend.repositories.users import rowcount


async def add_token(session: AsyncSession, token: PersonalAccessToken) -> PersonalAccessToken:
    session.add(token)
    await session.flush()
    return token


async def count_tokens(session: AsyncSession, user_id: uuid.UUID) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(PersonalAccessToken)
        .where(PersonalAccessToken.user_id == user_id)
    )
    return int(result.scalar_one())


async def list_tokens(session: AsyncSession, user_id: uuid.UUID) -> Sequence[PersonalAccessToken]:
    result = await session.execute(
        select(PersonalAccessToken)
        .where(PersonalAccessToken.user_id == user_id)
        .order_by(PersonalAccessToken.created_at.desc(), PersonalAccessToken.id)
    )
    return result.scalars().all()


async def delete_token(session: AsyncSession, token_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """False when there is no such token of this user (someone else's counts as none)."""
    result = await session.execute(
        delete(PersonalAccessToken).where(
            PersonalAccessToken.id == token_id, PersonalAccessToken.user_id == user_id
        )
    )
    return rowcount(result) > 0


# Built once, plain columns: it runs on every request that carries a personal token.
_ACCOUNT_FOR_TOKEN = (
    select(
        User.id,
        User.email,
        User.created_at,
        User.token_version,
        User.is_guest,
        PersonalAccessToken.id,
        PersonalAccessToken.name,
        PersonalAccessToken.scope,
    )
    .join(PersonalAccessToken, PersonalAccessToken.user_id == User.id)
    .where(
        PersonalAccessToken.token_hash == bindparam("token_hash"),
        or_(
            PersonalAccessToken.expires_at.is_(None),
            PersonalAccessToken.expires_at > bindparam("now"),
        ),
    )
)


async def get_account_for_token(
    session: AsyncSession, token_hash: str, now: datetime
) -> Row[uuid.UUID, str | None, datetime, int, bool, uuid.UUID, str, str] | None:
    """(user id, email, created_at, token_version, is_guest, token id, name, scope) for a live
    token with this hash; None for a revoked, expired or unknown one."""
    result = await session.execute(_ACCOUNT_FOR_TOKEN, {"token_hash": token_hash, "now": now})
    return result.one_or_none()
