"""Which assistant answers and what it can do: the configured provider described (never its
key), and a live check of it on demand, throttled per account (ASSISTANT_CHECK_INTERVAL_SECONDS,
on every instance). The latest check's findings are kept by this process and shown with the
status until the next one."""

import math
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from openai import AsyncOpenAI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.assistant.engines.probes import ProbeResult, ProviderProbes
from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import ThrottledError
from backend.models.base import utc_now
from backend.repositories import users as user_repository
from backend.schemas.assistant import (
    AssistantCapabilities,
    AssistantCheck,
    AssistantCheckItem,
    AssistantStatus,
)

OFFLINE_LABEL = "Offline demo model"
OPENAI_HOST = "api.openai.com"
# What the built-in offline model can do, known without asking it.
OFFLINE_CAPABILITIES = AssistantCapabilities(
    tools=True, streaming=True, parallel_tool_calls=True, vision=False
)
UNKNOWN_CAPABILITIES = AssistantCapabilities(
    tools=None, streaming=None, parallel_tool_calls=None, vision=None
)


class AssistantService:
    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        client: AsyncOpenAI,
    ) -> None:
        self._settings = settings
        self._sessions = session_factory
        self._client = client
        self._last_check: tuple[datetime, list[ProbeResult]] | None = None

    @property
    def provider(self) -> str:
        if self._settings.uses_offline_model:
            return "offline"
        host = self.base_url_host
        return "openai" if host is None or host == OPENAI_HOST else "compatible"

    @property
    def base_url_host(self) -> str | None:
        """The server's host (and port), never the URL's credentials or path."""
        if self._settings.uses_offline_model:
            return None
        if not self._settings.OPENAI_BASE_URL:
            return OPENAI_HOST
        parts = urlsplit(self._settings.OPENAI_BASE_URL)
        if parts.hostname is None:
            return None
        return parts.hostname + (f":{parts.port}" if parts.port else "")

    def status(self) -> AssistantStatus:
        checked_at, capabilities = (
            None,
            (OFFLINE_CAPABILITIES if self.provider == "offline" else UNKNOWN_CAPABILITIES),
        )
        if self._last_check is not None:
            checked_at, results = self._last_check
            capabilities = self._capabilities(results)
        return AssistantStatus(
            engine=self._settings.CHAT_ENGINE,
            model=self._settings.model_name,
            provider=self.provider,
            label=OFFLINE_LABEL if self.provider == "offline" else self._settings.model_name,
            base_url_host=self.base_url_host,
            capabilities=capabilities,
            checked_at=checked_at,
        )

    def _capabilities(self, results: list[ProbeResult]) -> AssistantCapabilities:
        passed = {result.name for result in results if result.ok}
        tools = "tools" in passed
        return AssistantCapabilities(
            tools=tools,
            streaming="streaming" in passed,
            # The check makes one call; OpenAI's models and ours make several at once.
            parallel_tool_calls=tools
            if self.provider != "compatible"
            else (None if tools else False),
            vision="image" in passed,
        )

    async def check(self, user_id: uuid.UUID) -> AssistantCheck:
        """Probe the provider now (no transaction is held while it answers)."""
        await self._claim_check(user_id)
        where = (
            "the offline model"
            if self.provider == "offline"
            else self.base_url_host or "the model provider"
        )
        results = await ProviderProbes(
            self._client, self._settings.CHAT_ENGINE, self._settings.model_name, where
        ).run_all()
        self._last_check = (utc_now(), results)
        return AssistantCheck(
            **self.status().model_dump(),
            checks=[
                AssistantCheckItem(name=r.name, ok=r.ok, detail=r.detail, ms=r.ms) for r in results
            ],
        )

    async def _claim_check(self, user_id: uuid.UUID) -> None:
        interval = timedelta(seconds=self._settings.ASSISTANT_CHECK_INTERVAL_SECONDS)
        now = utc_now()
        async with unit_of_work(self._sessions, write=True) as session:
            if await user_repository.claim_assistant_check(session, user_id, now, interval):
                return
            last = await user_repository.assistant_checked_at(session, user_id)
        wait = interval - (now - last) if last is not None else interval
        raise ThrottledError(
            f"The assistant was checked less than {interval.total_seconds():g} seconds ago: "
            "try again in a moment.",
            max(1, math.ceil(wait.total_seconds())),
        )
