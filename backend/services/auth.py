"""Accounts: registration (and a guest's sign-up, in place), guest accounts, sign-in with
throttling, token checks, sign-out, password change."""

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.core.db import advisory_lock, unit_of_work
from backend.core.errors import AuthenticationError, ConflictError, ThrottledError
from backend.core.security import (
    PasswordHasher,
    TokenClaims,
    TokenService,
    is_personal_token,
    personal_token_hash,
)
from backend.repositories import personal_tokens as personal_token_repository
from backend.repositories import users as user_repository
from backend.schemas.user import UserCreate, UserPublic

INVALID_CREDENTIALS = "Incorrect email or password"
EMAIL_TAKEN = "An account with this email already exists"
INVALID_TOKEN = "Invalid or expired token"
GUEST_HAS_NO_PASSWORD = "A guest account has no password: create your account to set one."


@dataclass(frozen=True, slots=True)
class PersonalTokenGrant:
    """The personal access token a request came with."""

    id: uuid.UUID
    name: str
    scope: str  # "read" or "write"


@dataclass(frozen=True, slots=True)
class Account:
    """The signed-in user as every request sees it (no password hash), with the sign-in
    session its token names; for a personal access token, `session_id` is the token's id and
    `personal_token` says which token and scope."""

    id: uuid.UUID
    email: str | None
    created_at: datetime
    token_version: int
    session_id: uuid.UUID
    is_guest: bool
    """Smaller limits (`services/limits.py`); no email or password until it signs up."""
    personal_token: PersonalTokenGrant | None = None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int


# How stale a session's last_seen_at may get before a request moves it: one small write a minute
# per active session at most, against an idle limit of minutes.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)

# A guest has no password, so the end of its sign-in would be the end of its work: its session
# (token and cookie) lasts this long and never idles out. A guest left unused for
# GUEST_TTL_DAYS is deleted, sessions and all, long before.
GUEST_SESSION_LIFETIME = timedelta(days=365)


class AuthService:
    """Registration, sign-in and password change hash passwords, so they take no session: each
    hashes outside any transaction and opens short ones of its own around it."""

    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        hasher: PasswordHasher,
        tokens: TokenService,
    ) -> None:
        self._settings = settings
        self._session_factory = session_factory
        self._hasher = hasher
        self._tokens = tokens

    async def register(self, data: UserCreate, guest: Account | None = None) -> UserPublic:
        """A new account; or, for a signed-in guest, that same account made a full one (same
        id, everything it made kept, its session still signed in)."""
        # Hash before looking the email up: a taken email then costs the same time as a new one.
        with self._hasher.queue() as hashing:
            hashed = await hashing.hash(data.password)
        try:
            async with unit_of_work(self._session_factory, write=True) as session:
                if await user_repository.get_user_by_email(session, data.email) is not None:
                    raise ConflictError(EMAIL_TAKEN)
                if guest is None:
                    user = await user_repository.add_user(session, data.email, hashed)
                else:
                    converted = await user_repository.convert_guest(
                        session, guest.id, data.email, hashed
                    )
                    if converted is None:
                        raise ConflictError("This guest account has already been signed up.")
                    await user_repository.shorten_auth_sessions(
                        session, guest.id, datetime.now(UTC) + self._tokens.lifetime
                    )
                    user = converted
        except IntegrityError as error:  # a concurrent registration won the race
            raise ConflictError(EMAIL_TAKEN) from error
        return UserPublic.model_validate(user)

    async def create_guest(self, client_address: str) -> IssuedToken:
        """A guest account, signed in; at most GUESTS_PER_ADDRESS per address in the window
        (counted under a lock per address, so concurrent requests on any instance cannot all
        take the last one)."""
        now = datetime.now(UTC)
        window = timedelta(seconds=self._settings.GUEST_WINDOW_SECONDS)
        async with unit_of_work(self._session_factory, write=True) as session:
            await advisory_lock(session, f"guest_creation:{client_address}")
            nth_latest = await user_repository.nth_latest_guest_creation_at(
                session, client_address, since=now - window, n=self._settings.GUESTS_PER_ADDRESS
            )
            if nth_latest is not None:
                retry_after = max(1, math.ceil((nth_latest + window - now).total_seconds()))
                minutes = math.ceil(retry_after / 60)
                raise ThrottledError(
                    "Too many guest accounts were started from your network. Create an account, "
                    f"or try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                    retry_after,
                )
            user = await user_repository.add_guest(session, client_address)
            return await self._start_session(
                session, user.id, user.token_version, now, lifetime=GUEST_SESSION_LIFETIME
            )

    async def login(self, email: str, password: str, client_address: str) -> IssuedToken:
        """Check the throttle, verify, then record the outcome: two short transactions, with
        the slow password check between them so no transaction waits on bcrypt."""
        email = email.strip().lower()
        now = datetime.now(UTC)
        async with unit_of_work(self._session_factory) as session:
            retry_after = await self._retry_after(session, email, client_address, now)
            user = await user_repository.get_user_by_email(session, email)
        if retry_after is not None:
            minutes = math.ceil(retry_after / 60)
            raise ThrottledError(
                "Too many failed sign-in attempts. "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                retry_after,
            )

        # A guest has no email, so it is never found here; the check keeps types honest.
        hashed = user.hashed_password if user is not None else None
        with self._hasher.queue() as hashing:
            if hashed is None:
                await hashing.verify_dummy(password)
                verified = False
            else:
                verified = await hashing.verify(password, hashed)
            upgraded_hash = (
                await hashing.hash(password)
                if verified and hashed is not None and self._hasher.needs_update(hashed)
                else None
            )

        async with unit_of_work(self._session_factory, write=True) as session:
            if not verified or user is None:
                await user_repository.add_login_failure(
                    session,
                    email=email,
                    client_address=client_address,
                    expired_before=now - self._window,
                )
            else:
                await user_repository.clear_login_failures(
                    session, email=email, client_address=client_address
                )
                if upgraded_hash is not None and hashed is not None:
                    await user_repository.set_password(
                        session, user.id, upgraded_hash, replacing=hashed
                    )
                issued = await self._start_session(session, user.id, user.token_version, now)
        if not verified or user is None:
            raise AuthenticationError(INVALID_CREDENTIALS)
        return issued

    def read_claims(self, token: str) -> TokenClaims:
        """The claims of a token we issued that has not expired; whether its session is still
        live is for the database to say."""
        claims = self._tokens.read(token)
        if claims is None:
            raise AuthenticationError(INVALID_TOKEN)
        return claims

    async def authenticate(
        self, session: AsyncSession, token: str, *, session_writes: bool
    ) -> Account:
        """The account and session behind a bearer token; any invalid, expired, idle or revoked
        token is the same AuthenticationError. `session_writes`: `session` is a writing
        transaction, which may then record the activity too."""
        if is_personal_token(token):
            return await self.authenticate_personal_token(session, token)
        claims = self.read_claims(token)
        now = datetime.now(UTC)
        row = await user_repository.get_account_for_session(
            session, claims, now, self.idle_since(now)
        )
        if row is None:
            raise AuthenticationError(INVALID_TOKEN)
        user_id, email, created_at, token_version, is_guest, last_seen_at = row
        await self.note_activity(
            claims.session_id, last_seen_at, now, session if session_writes else None
        )
        return Account(user_id, email, created_at, token_version, claims.session_id, is_guest)

    async def authenticate_personal_token(self, session: AsyncSession, token: str) -> Account:
        """The account behind a personal access token, looked up on every request (revoking
        deletes the row, so it holds on every instance at once); expired, revoked or unknown
        are the same AuthenticationError."""
        row = await personal_token_repository.get_account_for_token(
            session, personal_token_hash(token), datetime.now(UTC)
        )
        if row is None:
            raise AuthenticationError(INVALID_TOKEN)
        user_id, email, created_at, token_version, is_guest, token_id, name, scope = row
        grant = PersonalTokenGrant(token_id, name, scope)
        return Account(user_id, email, created_at, token_version, token_id, is_guest, grant)

    def idle_since(self, now: datetime) -> datetime:
        """Sessions last seen before this are over."""
        return now - timedelta(minutes=self._settings.SESSION_IDLE_MINUTES)

    async def note_activity(
        self,
        session_id: uuid.UUID,
        last_seen_at: datetime,
        now: datetime,
        writing_session: AsyncSession | None = None,
    ) -> None:
        """Keep a used session from idling out. In the request's transaction when that one
        writes anyway; otherwise in a short one of its own, because on SQLite a reading
        transaction cannot always become a writer."""
        if now - last_seen_at < LAST_SEEN_RESOLUTION:
            return
        if writing_session is not None:
            await user_repository.touch_auth_session(writing_session, session_id, now)
            return
        async with unit_of_work(self._session_factory, write=True) as session:
            await user_repository.touch_auth_session(session, session_id, now)

    async def logout(self, session: AsyncSession, session_id: uuid.UUID) -> None:
        await user_repository.revoke_auth_session(session, session_id, datetime.now(UTC))

    async def change_password(
        self, account: Account, current_password: str, new_password: str
    ) -> IssuedToken:
        """Requires the current password; ends every session and opens a fresh one for the
        caller."""
        async with unit_of_work(self._session_factory) as session:
            user = await user_repository.get_user(session, account.id)
        if user is None:
            raise AuthenticationError(INVALID_TOKEN)
        if user.hashed_password is None:
            raise ConflictError(GUEST_HAS_NO_PASSWORD)
        with self._hasher.queue() as hashing:
            if not await hashing.verify(current_password, user.hashed_password):
                raise AuthenticationError("The current password is incorrect")
            hashed = await hashing.hash(new_password)
        async with unit_of_work(self._session_factory, write=True) as session:
            if not await user_repository.set_password(
                session, user.id, hashed, replacing=user.hashed_password
            ):
                raise ConflictError("Your password was changed meanwhile: sign in again.")
            version = await user_repository.end_all_sessions(session, user.id)
            return await self._start_session(session, user.id, version, datetime.now(UTC))

    @property
    def _window(self) -> timedelta:
        return timedelta(seconds=self._settings.LOGIN_WINDOW_SECONDS)

    async def _start_session(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        token_version: int,
        now: datetime,
        lifetime: timedelta | None = None,
    ) -> IssuedToken:
        lifetime = lifetime or self._tokens.lifetime
        await user_repository.delete_expired_auth_sessions(session, user_id, now)
        auth_session = await user_repository.add_auth_session(session, user_id, now + lifetime)
        token = self._tokens.issue(
            TokenClaims(user_id=user_id, session_id=auth_session.id, token_version=token_version),
            issued_at=now,
            lifetime=lifetime,
        )
        return IssuedToken(access_token=token, expires_in=int(lifetime.total_seconds()))

    async def _retry_after(
        self, session: AsyncSession, email: str, client_address: str, now: datetime
    ) -> int | None:
        """Seconds until this (email, address) pair and this address are both under their
        failure limits again; None when neither is throttled."""
        since = now - self._window
        limits: tuple[tuple[str | None, int], ...] = (
            (email, self._settings.LOGIN_MAX_FAILURES),
            (None, self._settings.LOGIN_MAX_FAILURES_PER_ADDRESS),
        )
        waits = []
        for scoped_email, limit in limits:
            nth_latest = await user_repository.nth_latest_failure_at(
                session, client_address=client_address, email=scoped_email, since=since, n=limit
            )
            if nth_latest is not None:
                waits.append(max(1, math.ceil((nth_latest + self._window - now).total_seconds())))
        return max(waits) if waits else None
