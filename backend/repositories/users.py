"""Data access for accounts, sign-in sessions and failed logins."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Result,
    Row,
    Select,
    bindparam,
    case,
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.security import TokenClaims
from backend.models import AuthSession, GuestCreation, LoginFailure, User


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == email))
    return result.scalar_one_or_none()


async def add_user(session: AsyncSession, email: str, hashed_password: str) -> User:
    user = User(email=email, hashed_password=hashed_password)
    session.add(user)
    await session.flush()
    return user


async def add_guest(session: AsyncSession, client_address: str) -> User:
    """A guest account, and the record of its creation from `client_address` (for throttling)."""
    user = User(email=None, hashed_password=None, is_guest=True)
    session.add_all([user, GuestCreation(client_address=client_address)])
    await session.flush()
    return user


async def nth_latest_guest_creation_at(
    session: AsyncSession, client_address: str, *, since: datetime, n: int
) -> datetime | None:
    """When the n-th most recent guest creation from this address since `since` happened (None
    if there are fewer): the address may create another once that one leaves the window."""
    result = await session.execute(
        select(GuestCreation.created_at)
        .where(GuestCreation.client_address == client_address, GuestCreation.created_at > since)
        .order_by(GuestCreation.created_at.desc())
        .offset(n - 1)
        .limit(1)
    )
    return result.scalar_one_or_none()


async def convert_guest(
    session: AsyncSession, user_id: uuid.UUID, email: str, hashed_password: str
) -> User | None:
    """Give a guest account its email and password, in place (same id, everything it owns
    stays); None when it is not a guest (any more)."""
    result = await session.execute(
        update(User)
        .where(User.id == user_id, User.is_guest.is_(True))
        .values(email=email, hashed_password=hashed_password, is_guest=False)
        .returning(User)
    )
    return result.scalar_one_or_none()


async def shorten_auth_sessions(
    session: AsyncSession, user_id: uuid.UUID, expires_at: datetime
) -> None:
    """Make the user's sessions end by `expires_at` at the latest (a guest's long sessions
    become ordinary ones when it signs up)."""
    await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.expires_at > expires_at)
        .values(expires_at=expires_at)
    )


async def set_password(
    session: AsyncSession, user_id: uuid.UUID, hashed_password: str, *, replacing: str
) -> bool:
    """Replace the hash `replacing` (read before hashing, outside this transaction); False when
    it has been replaced meanwhile, and nothing changes."""
    result = await session.execute(
        update(User)
        .where(User.id == user_id, User.hashed_password == replacing)
        .values(hashed_password=hashed_password)
        .returning(User.id)
    )
    return result.first() is not None


async def end_all_sessions(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Bump the token version: every token issued so far stops working. Returns the new version."""
    result = await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(token_version=User.token_version + 1)
        .returning(User.token_version)
    )
    return int(result.scalar_one())


async def add_auth_session(
    session: AsyncSession, user_id: uuid.UUID, expires_at: datetime
) -> AuthSession:
    auth_session = AuthSession(user_id=user_id, expires_at=expires_at)
    session.add(auth_session)
    await session.flush()
    return auth_session


async def delete_expired_auth_sessions(
    session: AsyncSession, user_id: uuid.UUID, now: datetime
) -> None:
    await session.execute(
        delete(AuthSession).where(AuthSession.user_id == user_id, AuthSession.expires_at <= now)
    )


# What makes a token's session live, over user_account joined with auth_session; the parameters
# come from `session_parameters`.
LIVE_SESSION = (
    AuthSession.id == bindparam("session_id"),
    User.id == bindparam("user_id"),
    User.token_version == bindparam("token_version"),
    AuthSession.revoked_at.is_(None),
    AuthSession.expires_at > bindparam("now"),
    # A guest has no password to sign in again with, so its session never idles out: it ends
    # with its expiry, or with the guest account itself (deleted after GUEST_TTL_DAYS unused).
    or_(AuthSession.last_seen_at > bindparam("idle_since"), User.is_guest.is_(True)),
)


def session_parameters(claims: TokenClaims, now: datetime, idle_since: datetime) -> dict[str, Any]:
    return {
        "session_id": claims.session_id,
        "user_id": claims.user_id,
        "token_version": claims.token_version,
        "now": now,
        "idle_since": idle_since,
    }


# Built once, and plain columns rather than an ORM entity: every authenticated request runs it,
# and building a statement or an entity costs about as much as the query itself.
_ACCOUNT_FOR_SESSION = (
    select(
        User.id,
        User.email,
        User.created_at,
        User.token_version,
        User.is_guest,
        AuthSession.last_seen_at,
    )
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(*LIVE_SESSION)
)


async def get_account_for_session(
    session: AsyncSession, claims: TokenClaims, now: datetime, idle_since: datetime
) -> Row[uuid.UUID, str | None, datetime, int, bool, datetime] | None:
    """(id, email, created_at, token_version, is_guest, session last_seen_at) of the account
    behind a token, if its session is live and the account's version still matches."""
    result = await session.execute(
        _ACCOUNT_FOR_SESSION, session_parameters(claims, now, idle_since)
    )
    return result.one_or_none()


async def touch_auth_session(session: AsyncSession, session_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.last_seen_at < now)
        .values(last_seen_at=now)
    )


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def revoke_auth_session(session: AsyncSession, session_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def nth_latest_failure_at(
    session: AsyncSession, *, client_address: str, email: str | None, since: datetime, n: int
) -> datetime | None:
    """When the n-th most recent failure since `since` happened (None if there are fewer):
    the key stays throttled until that failure leaves the window."""
    query = select(LoginFailure.created_at).where(
        LoginFailure.client_address == client_address, LoginFailure.created_at > since
    )
    if email is not None:
        query = query.where(LoginFailure.email == email)
    result = await session.execute(
        query.order_by(LoginFailure.created_at.desc()).offset(n - 1).limit(1)
    )
    return result.scalar_one_or_none()


async def add_login_failure(
    session: AsyncSession, *, email: str, client_address: str, expired_before: datetime
) -> None:
    await session.execute(
        delete(LoginFailure).where(
            LoginFailure.client_address == client_address,
            LoginFailure.created_at <= expired_before,
        )
    )
    session.add(LoginFailure(email=email, client_address=client_address))
    await session.flush()


async def clear_login_failures(session: AsyncSession, *, email: str, client_address: str) -> None:
    await session.execute(
        delete(LoginFailure).where(
            LoginFailure.email == email, LoginFailure.client_address == client_address
        )
    )


async def take_chat_message(
    session: AsyncSession, user_id: uuid.UUID, today: date, per_day: int
) -> bool:
    """Count one message against today's quota, in one statement (concurrent sends on any
    instance cannot both take the last one); False when the quota is used up."""
    same_day = User.chat_quota_day == today
    result = await session.execute(
        update(User)
        .where(
            User.id == user_id,
            or_(~same_day, User.chat_quota_day.is_(None), User.chat_quota_used < per_day),
        )
        .values(
            chat_quota_used=case((same_day, User.chat_quota_used + 1), else_=1),
            chat_quota_day=today,
        )
        .returning(User.id)
    )
    return result.first() is not None


async def get_assistant_approval(session: AsyncSession, user_id: uuid.UUID) -> str | None:
    result = await session.execute(select(User.assistant_approval).where(User.id == user_id))
    return result.scalar_one_or_none()


async def set_assistant_approval(session: AsyncSession, user_id: uuid.UUID, value: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(assistant_approval=value))


async def messages_used(session: AsyncSession, user_id: uuid.UUID, today: date) -> int:
    """Today's messages counted against the account's quota."""
    row = (
        await session.execute(
            select(User.chat_quota_day, User.chat_quota_used).where(User.id == user_id)
        )
    ).one_or_none()
    return row.chat_quota_used if row is not None and row.chat_quota_day == today else 0


async def claim_assistant_check(
    session: AsyncSession, user_id: uuid.UUID, now: datetime, interval: timedelta
) -> bool:
    """Take the account's turn to check the assistant, in one statement (on any instance);
    False, and nothing changes, when it checked less than `interval` ago."""
    result = await session.execute(
        update(User)
        .where(
            User.id == user_id,
            or_(User.assistant_checked_at.is_(None), User.assistant_checked_at <= now - interval),
        )
        .values(assistant_checked_at=now)
        .returning(User.id)
    )
    return result.first() is not None


async def assistant_checked_at(session: AsyncSession, user_id: uuid.UUID) -> datetime | None:
    return (
        await session.execute(select(User.assistant_checked_at).where(User.id == user_id))
    ).scalar_one_or_none()


# --- clean-up (the cleanup job) ------------------------------------------------------------------


def rowcount(result: Result[Any]) -> int:
    """How many rows a DELETE or UPDATE touched."""
    return cast(CursorResult[Any], result).rowcount or 0


def unused_guests_query(unused_since: datetime) -> Select[uuid.UUID]:
    """Guests created before `unused_since` with no sign-in session seen since then."""
    recent_use = select(AuthSession.id).where(
        AuthSession.user_id == User.id, AuthSession.last_seen_at >= unused_since
    )
    return select(User.id).where(
        User.is_guest.is_(True), User.created_at < unused_since, ~recent_use.exists()
    )


async def delete_users(session: AsyncSession, user_ids: Sequence[uuid.UUID]) -> int:
    """Delete accounts; everything they own goes with them (ON DELETE CASCADE)."""
    if not user_ids:
        return 0
    result = await session.execute(delete(User).where(User.id.in_(user_ids)))
    return rowcount(result)


async def delete_ended_auth_sessions(
    session: AsyncSession, *, now: datetime, idle_since: datetime
) -> int:
    """Sign-in sessions no token can use any more: expired, revoked, or idle too long. A
    guest's are kept: they are the record of when it was last used (`unused_guests_query`),
    and they go with the guest."""
    result = await session.execute(
        delete(AuthSession).where(
            or_(
                AuthSession.expires_at <= now,
                AuthSession.revoked_at.is_not(None),
                AuthSession.last_seen_at <= idle_since,
            ),
            AuthSession.user_id.not_in(select(User.id).where(User.is_guest.is_(True))),
        )
    )
    return rowcount(result)


async def delete_throttle_records(
    session: AsyncSession, *, login_failures_before: datetime, guest_creations_before: datetime
) -> int:
    """Failed sign-ins and guest creations too old to count towards any throttle."""
    failures = await session.execute(
        delete(LoginFailure).where(LoginFailure.created_at <= login_failures_before)
    )
    creations = await session.execute(
        delete(GuestCreation).where(GuestCreation.created_at <= guest_creations_before)
    )
    return rowcount(failures) + rowcount(creations)
