"""What the assistant is, what it can do, and what its turns cost."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from backend.schemas.common import PublicModel


class AssistantCapabilities(PublicModel):
    """`null`: not known until a check has probed it."""

    tools: bool | None
    streaming: bool | None
    parallel_tool_calls: bool | None
    vision: bool | None


class AssistantStatus(PublicModel):
    engine: Literal["assistants", "responses", "chat_completions"]
    model: str
    provider: Literal["offline", "openai", "compatible"]
    label: str = Field(
        description="How pages name the assistant: `Offline demo model`, or the model's name"
    )
    base_url_host: str | None = Field(description="`null` for the built-in offline model")
    capabilities: AssistantCapabilities
    checked_at: datetime | None = Field(
        description="When a live check (POST /api/assistant/check) last probed the provider "
        "from this server; `null` before the first one"
    )


class AssistantCheckItem(PublicModel):
    name: Literal["models", "answer", "tools", "streaming", "image"]
    ok: bool
    detail: str = Field(description="What was seen, and what to do about a failure")
    ms: int


class AssistantCheck(AssistantStatus):
    checks: list[AssistantCheckItem]


class TurnLedgerPublic(PublicModel):
    id: uuid.UUID
    status: str = Field(description="`running`, `completed`, `failed`, `cancelled` or `expired`")
    engine: str | None = Field(description="`null` while running, or if its process died")
    model: str | None
    started_at: datetime
    finished_at: datetime | None
    model_ms: int | None = Field(description="Time inside requests to the model provider")
    tool_ms: int | None = Field(description="Time running the assistant's tools")
    total_ms: int | None
    input_tokens: int | None = Field(description="From the provider's usage; `null` if none")
    output_tokens: int | None
    tool_call_count: int | None
    retries: int | None = Field(description="Requests the SDK retried (429s, 5xx, timeouts)")
    error: str | None
    user_message_id: uuid.UUID
    assistant_message_id: uuid.UUID | None


class UsageTotals(PublicModel):
    messages: int = Field(
        description="Turns in the account's conversations (a deleted conversation's go with it)"
    )
    input_tokens: int
    output_tokens: int


class UsageLimits(PublicModel):
    assistant_messages_per_day: int = Field(description="Per UTC day")
    messages_used_today: int = Field(
        description="Counted against the daily limit (deleting conversations does not reset it)"
    )


class UsagePublic(PublicModel):
    today: UsageTotals = Field(description="Since midnight UTC")
    last_30_days: UsageTotals
    limits: UsageLimits
