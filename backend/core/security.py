"""Password hashing and access tokens.

Hashing is deliberately slow (bcrypt), so it runs in worker threads behind a small limiter: a login
storm then queues for those threads instead of starving the event loop or the shared thread pool,
and the queue is bounded, so a burst past it is refused at once rather than left waiting.
"""

import hashlib
import math
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TypeVar

import anyio
from jose import JOSEError, jwt
from passlib.context import CryptContext

from backend.core.config import Settings
from backend.core.errors import OverloadedError

TOKEN_ALGORITHM = "HS256"
TOKEN_ISSUER = "scenecraft"
TOKEN_AUDIENCE = "scenecraft-api"
TOKEN_TYPE = "access"

T = TypeVar("T")

# Personal access tokens are random strings with this prefix (so secret scanners and our own
# authentication can tell them from sign-in JWTs); only their SHA-256 is stored.
PERSONAL_TOKEN_PREFIX = "scp_"


def new_personal_token() -> str:
    return PERSONAL_TOKEN_PREFIX + secrets.token_urlsafe(32)


def is_personal_token(token: str) -> bool:
    return token.startswith(PERSONAL_TOKEN_PREFIX)


def personal_token_hash(token: str) -> str:
    """A fast hash is enough: the token has 256 random bits, nothing to guess or brute-force."""
    return hashlib.sha256(token.encode()).hexdigest()


# With PASSWORD_HASH_QUEUE unset, the queue holds what the hashing threads get through in this
# time: no request waits much longer for its turn, and a burst beyond it is told to come back.
HASH_QUEUE_WAIT_SECONDS = 8.0

HASHING_BUSY = "Too many password checks at once: try again in {seconds} second{plural}."


class PasswordHasher:
    """bcrypt_sha256 for new hashes (no 72-byte limit); plain bcrypt hashes still verify.

    Hashing is done only through `queue()`: `concurrency` hashes run at once and at most
    `queue_capacity` requests wait for a turn; past that OverloadedError (503), at once. Unless
    fixed, the capacity follows what a hash costs now (a moving average: a busy machine hashes
    slower, and then fewer may wait).
    """

    def __init__(self, rounds: int, concurrency: int, queue_capacity: int | None = None) -> None:
        self._context = CryptContext(
            schemes=["bcrypt_sha256", "bcrypt"],
            deprecated="auto",
            bcrypt_sha256__rounds=rounds,
        )
        self._concurrency = concurrency
        self._limiter = anyio.CapacityLimiter(concurrency)
        self._fixed_capacity = queue_capacity
        # Timing the dummy hash (needed anyway) gives a first figure for what a hash costs.
        self.hash_seconds = 0.0
        self.dummy_hash = self._hash("not-a-real-password")
        self._admitted = 0

    @property
    def queue_capacity(self) -> int:
        if self._fixed_capacity is not None:
            return self._fixed_capacity
        return self._concurrency * max(1, int(HASH_QUEUE_WAIT_SECONDS / self.hash_seconds))

    @contextmanager
    def queue(self) -> Iterator["PasswordHashing"]:
        """One request's place in the hashing queue, for all its hashing: refused at once
        (OverloadedError, with the seconds until the queue has drained) when it is full."""
        if self._admitted >= self._concurrency + self.queue_capacity:
            seconds = max(1, math.ceil(self._admitted * self.hash_seconds / self._concurrency))
            raise OverloadedError(
                HASHING_BUSY.format(seconds=seconds, plural="s" if seconds != 1 else ""), seconds
            )
        self._admitted += 1
        try:
            yield PasswordHashing(self)
        finally:
            self._admitted -= 1

    def needs_update(self, hashed: str) -> bool:
        """True for hashes of a deprecated scheme or cost, re-hashed at the next sign-in."""
        return bool(self._context.needs_update(hashed))

    async def _run(self, function: Callable[..., T], *arguments: str) -> T:
        return await anyio.to_thread.run_sync(function, *arguments, limiter=self._limiter)

    def _hash(self, password: str) -> str:
        with self._timed():
            return str(self._context.hash(password))

    def _verify(self, password: str, hashed: str) -> bool:
        with self._timed():
            try:
                return bool(self._context.verify(password, hashed))
            except (ValueError, TypeError):
                # Malformed input (e.g. a NUL byte for legacy bcrypt) is a failed login, not a 500.
                return False

    @contextmanager
    def _timed(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        self.hash_seconds = (
            elapsed if not self.hash_seconds else 0.8 * self.hash_seconds + 0.2 * elapsed
        )


class PasswordHashing:
    """Hashing with a place in the queue (`PasswordHasher.queue()`), in worker threads."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self._hasher = hasher

    async def hash(self, password: str) -> str:
        return await self._hasher._run(self._hasher._hash, password)

    async def verify(self, password: str, hashed: str) -> bool:
        return await self._hasher._run(self._hasher._verify, password, hashed)

    async def verify_dummy(self, password: str) -> None:
        """Spend the time of a real verification, so an unknown email answers as slowly as a
        wrong password."""
        await self.verify(password, self._hasher.dummy_hash)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    token_version: int


class TokenService:
    def __init__(self, settings: Settings) -> None:
        self._key = settings.secret_key()
        self.lifetime = timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)

    def issue(
        self,
        claims: TokenClaims,
        issued_at: datetime | None = None,
        lifetime: timedelta | None = None,
    ) -> str:
        now = issued_at or datetime.now(UTC)
        payload = {
            "sub": str(claims.user_id),
            "sid": str(claims.session_id),
            "ver": claims.token_version,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + (lifetime or self.lifetime)).timestamp()),
            "iss": TOKEN_ISSUER,
            "aud": TOKEN_AUDIENCE,
            "typ": TOKEN_TYPE,
        }
        return str(jwt.encode(payload, self._key, algorithm=TOKEN_ALGORITHM))

    def read(self, token: str) -> TokenClaims | None:
        """The token's claims, or None for anything not issued by us and still valid."""
        verified = self._verified(token)
        if verified is None:
            return None
        claims, expires_at = verified
        return claims if time.time() < expires_at else None

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance per app; verifying costs ~0.3 ms
    def _verified(self, token: str) -> tuple[TokenClaims, int] | None:
        """Signature and claims checked once per token string; expiry is checked on every use."""
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=[TOKEN_ALGORITHM],
                audience=TOKEN_AUDIENCE,
                issuer=TOKEN_ISSUER,
                options={"require_exp": True, "require_iat": True, "require_sub": True},
            )
            if payload.get("typ") != TOKEN_TYPE or not isinstance(payload.get("ver"), int):
                return None
            claims = TokenClaims(
                user_id=uuid.UUID(payload["sub"]),
                session_id=uuid.UUID(str(payload["sid"])),
                token_version=payload["ver"],
            )
            return claims, int(payload["exp"])
        except (JOSEError, KeyError, ValueError, TypeError, AttributeError):
            return None
