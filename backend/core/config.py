"""Application settings: one class, read from the environment (and `.env`), failing closed."""

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

PLACEHOLDER_SECRETS = frozenset(
    {"changeme", "change-me", "secret", "replace-me", "your-secret-key", "dev", "development"}
)
MIN_SECRET_LENGTH = 32
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class Settings(BaseSettings):
    """Every setting is an environment variable of the same name; `.env.example` documents them."""

    # Empty values count as unset, so a copied .env.example (every line present, most empty)
    # means the defaults, not an empty secret or key.
    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    ENVIRONMENT: Literal["development", "test", "production"] = "development"
    DATA_DIR: Path = Path("data")
    DATABASE_URL: str = ""
    DB_POOL_SIZE: int = Field(20, ge=1, le=100)
    PROJECT_CACHE_MB: int = Field(64, ge=0, le=4096)
    EVENTS_PING_SECONDS: float = Field(15, gt=0, le=20)
    EVENTS_STREAM_SECONDS: float = Field(900, gt=0, le=86400)
    EVENTS_STREAMS_PER_USER: int = Field(20, ge=1, le=1000)
    SECRET_KEY: SecretStr | None = None
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(60, ge=1, le=24 * 60)
    SESSION_IDLE_MINUTES: int = Field(30, ge=2, le=24 * 60)
    CORS_ORIGINS: Annotated[list[str], NoDecode] = []
    BCRYPT_ROUNDS: int = Field(12, ge=4, le=16)
    PASSWORD_HASH_CONCURRENCY: int = Field(max(1, (os.cpu_count() or 2) - 1), ge=1, le=64)
    # Unset: what the hashing threads get through in ~8 s, following the time a hash takes now.
    PASSWORD_HASH_QUEUE: int | None = Field(None, ge=0, le=10_000)
    LOGIN_MAX_FAILURES: int = Field(10, ge=1)
    LOGIN_MAX_FAILURES_PER_ADDRESS: int = Field(50, ge=1)
    LOGIN_WINDOW_SECONDS: int = Field(15 * 60, ge=1)
    MAX_BODY_BYTES: int = Field(1024 * 1024, ge=1024)
    MAX_IMAGE_BYTES: int = Field(10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    MAX_DOCUMENT_BYTES: int = Field(20 * 1024 * 1024, ge=1024, le=200 * 1024 * 1024)
    DOCUMENT_MAX_PAGES: int = Field(1_000, ge=1, le=100_000)
    DOCUMENT_MAX_CHARS: int = Field(3_000_000, ge=1_000, le=100_000_000)
    DOCUMENT_EXTRACTION_SECONDS: float = Field(60, gt=0, le=3600)
    STORAGE_QUOTA_MB: int = Field(1024, ge=0)
    IMAGE_PROCESSING_CONCURRENCY: int = Field(max(1, (os.cpu_count() or 2) - 1), ge=1, le=64)
    # Exports (README, "Export and import"): PDFs render in worker processes (or threads).
    PDF_EXPORT_WORKERS: Literal["process", "thread"] = "process"
    PDF_EXPORT_CONCURRENCY: int = Field(max(1, (os.cpu_count() or 2) - 1), ge=1, le=32)
    PDF_EXPORT_QUEUE: int = Field(8, ge=0, le=1000)
    MAX_IMPORT_BYTES: int = Field(64 * 1024 * 1024, ge=1024)
    COOKIE_SECURE: bool | None = None
    LOG_LEVEL: str = "INFO"

    # The assistant. No key and no base URL: the built-in offline model, in process.
    OPENAI_API_KEY: SecretStr | None = None
    OPENAI_BASE_URL: str | None = None
    OPENAI_MODEL: str = ""
    CHAT_ENGINE: Literal["assistants", "responses", "chat_completions"] = "assistants"
    CHAT_ASSISTANTS_MODE: Literal["stream", "poll"] = "stream"
    OPENAI_ASSISTANT_ID: str | None = None
    OPENAI_TIMEOUT_SECONDS: float = Field(60, gt=0, le=600)
    OPENAI_MAX_RETRIES: int = Field(2, ge=0, le=10)
    CHAT_TURN_TIMEOUT_SECONDS: float = Field(120, gt=0, le=1800)
    CHAT_MAX_TOOL_ROUNDS: int = Field(8, ge=1, le=32)
    CHAT_MAX_TOOL_CALLS_PER_ROUND: int = Field(32, ge=1, le=256)
    CHAT_TURN_LEASE_SECONDS: float = Field(15, gt=0, le=600)
    CHAT_TURN_HEARTBEAT_SECONDS: float = Field(5, gt=0, le=300)
    CHAT_HISTORY_MESSAGES: int = Field(20, ge=0, le=200)
    # Under the Assistants API's 10-minute run expiry, which a waiting run is subject to.
    CHAT_APPROVAL_TIMEOUT_SECONDS: float = Field(300, gt=0, le=600)
    CHAT_MAX_WRITES_PER_TURN: int = Field(50, ge=1, le=1000)
    CHAT_MESSAGES_PER_DAY: int = Field(500, ge=1)
    OFFLINE_MODEL_LATENCY_MS: int = Field(0, ge=0)

    # Guests ("Try it without an account"): smaller quotas, throttled creation, deleted when unused.
    GUEST_MAX_PROJECTS: int = Field(3, ge=1)
    GUEST_MESSAGES_PER_DAY: int = Field(50, ge=1)
    GUEST_TTL_DAYS: float = Field(7, gt=0)
    GUESTS_PER_ADDRESS: int = Field(5, ge=1)
    GUEST_WINDOW_SECONDS: int = Field(60 * 60, ge=1)

    # Share links: guests' review comments, throttled per link and per address in one window.
    SHARE_COMMENTS_PER_LINK: int = Field(200, ge=1)
    SHARE_COMMENTS_PER_ADDRESS: int = Field(20, ge=1)
    SHARE_COMMENT_WINDOW_SECONDS: int = Field(60 * 60, ge=1)

    # The cleanup job (`python -m backend.jobs cleanup`, and in the app every interval; 0: never).
    CLEANUP_INTERVAL_MINUTES: float = Field(60, ge=0)
    CHAT_CONVERSATION_TTL_DAYS: float = Field(30, gt=0)
    OFFLINE_MODEL_DELTA_DELAY_MS: int = Field(0, ge=0)
    # POST /api/assistant/check probes the provider live: at most once per this many seconds
    # per account.
    ASSISTANT_CHECK_INTERVAL_SECONDS: int = Field(30, ge=1, le=24 * 60 * 60)

    @field_validator("CORS_ORIGINS", mode="before")
    @classmethod
    def split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("CORS_ORIGINS")
    @classmethod
    def no_wildcard(cls, origins: list[str]) -> list[str]:
        if "*" in origins:
            raise ValueError("CORS_ORIGINS must list origins; '*' would let any site use cookies")
        return origins

    @field_validator("DATABASE_URL")
    @classmethod
    def use_async_driver(cls, value: str) -> str:
        """Accept the URLs people paste (`postgresql://`, `postgres://`, with libpq's
        `?sslmode=require` as managed PostgreSQL hands them out): use the async drivers, and
        asyncpg's name for that option (`ssl`, same values)."""
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                value = "postgresql+asyncpg://" + value[len(prefix) :]
        if value.startswith("postgresql+asyncpg://"):
            url = make_url(value)
            if "sslmode" in url.query:
                query = dict(url.query)
                mode = query.pop("sslmode")
                query.setdefault("ssl", mode)
                value = url.set(query=query).render_as_string(hide_password=False)
        if value.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + value[len("sqlite://") :]
        return value

    @model_validator(mode="after")
    def heartbeat_within_lease(self) -> "Settings":
        # Renewing at most every half lease leaves a running turn one missed beat of slack.
        if self.CHAT_TURN_HEARTBEAT_SECONDS * 2 > self.CHAT_TURN_LEASE_SECONDS:
            raise ValueError(
                "CHAT_TURN_HEARTBEAT_SECONDS must be at most half of CHAT_TURN_LEASE_SECONDS"
            )
        return self

    @model_validator(mode="after")
    def check_production(self) -> "Settings":
        if self.ENVIRONMENT != "production":
            return self
        secret = self.SECRET_KEY.get_secret_value() if self.SECRET_KEY else ""
        if len(secret) < MIN_SECRET_LENGTH or secret.lower() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production "
                '(python -c "import secrets; print(secrets.token_urlsafe(48))")'
            )
        if self.BCRYPT_ROUNDS < 10:
            raise ValueError("BCRYPT_ROUNDS must be at least 10 in production")
        return self

    @property
    def database_url(self) -> str:
        return self.DATABASE_URL or f"sqlite+aiosqlite:///{self.DATA_DIR / 'scenecraft.db'}"

    @property
    def max_upload_body_bytes(self) -> int:
        """The largest multipart body: the largest accepted file plus room for the form's own
        framing (boundaries, part headers)."""
        return max(self.MAX_IMAGE_BYTES, self.MAX_DOCUMENT_BYTES) + MULTIPART_OVERHEAD_BYTES

    @property
    def uses_offline_model(self) -> bool:
        return self.OPENAI_API_KEY is None and not self.OPENAI_BASE_URL

    @property
    def model_name(self) -> str:
        return self.OPENAI_MODEL or ("offline-1" if self.uses_offline_model else "gpt-4.1-mini")

    def secret_key(self) -> str:
        """The signing key; outside production a missing one is generated once and kept on disk,
        so tokens survive restarts and every local process agrees on it."""
        if self.SECRET_KEY is not None:
            return self.SECRET_KEY.get_secret_value()
        key_file = self.DATA_DIR / "secret_key"
        if not key_file.exists():
            self.DATA_DIR.mkdir(parents=True, exist_ok=True)
            draft = key_file.with_name(f"secret_key.{os.getpid()}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            # link() fails if another process won the race; everyone then reads the winner's key.
            try:
                os.link(draft, key_file)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return key_file.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
