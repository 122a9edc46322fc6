"""Latency and fault knobs, so the app's failure handling is tested against real HTTP behaviour.

Each knob can be set for the whole server (`OfflineSettings`, the CLI flags), per model name
(`offline-1+fault=rate_limit+latency=200`), or per request with headers (`X-Offline-Fault`,
`X-Offline-Latency-Ms`, `X-Offline-Delta-Delay-Ms`, `X-Offline-Fault-Attempts`, `X-Offline-Tools`,
`X-Offline-Vision`, `X-Offline-Obey`), the most specific winning. `tools=refuse` makes the model
one without tool support: a request that offers tools is refused with a 400, as such models'
servers do; `vision=refuse` does the same for a request with pictures; `obey=scripts` makes a
red-team model that does what the scene scripts it reads say (prompt injection).
`fault_attempts=N` faults only the SDK's first N attempts (it numbers them in
`x-stainless-retry-count`), so "429, then success on the retry" is one request's setting.
"""

import asyncio
import math
from dataclasses import dataclass, replace
from typing import Literal, get_args

from starlette.requests import Request

Fault = Literal["rate_limit", "quota", "server_error", "run_failed", "stream_cut", "hang"]
FAULTS: tuple[str, ...] = get_args(Fault)


@dataclass(frozen=True)
class OfflineSettings:
    latency_ms: int = 0
    """Wait before the first byte of every model answer."""
    delta_delay_ms: int = 0
    """Wait between streamed text deltas."""
    fault: Fault | None = None
    fault_attempts: int | None = None
    retry_after_ms: int = 20
    """What a 429 asks the client to wait (`retry-after-ms`)."""
    hang_seconds: float = 3600.0
    poll_after_ms: int = 5
    """Sent as `openai-poll-after-ms`, so polling clients do not wait the SDK's default second."""
    max_objects: int = 2000
    """Per kind of stored object (assistants, threads, runs, responses); the oldest go first."""
    refuse_tools: bool = False
    """Answer a request that offers tools with a 400, like a model without tool support."""
    refuse_images: bool = False
    """Answer a request with pictures with a 400, like a model that cannot see."""
    obey_scripts: bool = False
    """Do what the scene scripts say (`obey=scripts`): a model taken over by injected text."""


class OfflineAPIError(Exception):
    """Answered in OpenAI's `{"error": {...}}` shape."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.error_type = error_type
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {
            "error": {
                "message": self.message,
                "type": self.error_type,
                "param": self.param,
                "code": self.code,
            }
        }


@dataclass(frozen=True)
class Knobs:
    settings: OfflineSettings
    attempt: int = 0

    @property
    def fault(self) -> Fault | None:
        limit = self.settings.fault_attempts
        if limit is not None and self.attempt >= limit:
            return None
        return self.settings.fault

    @property
    def streams_instantly(self) -> bool:
        """Nothing in the answer waits, so a stream can be produced whole before sending."""
        return (
            self.settings.latency_ms == 0
            and self.settings.delta_delay_ms == 0
            and self.fault != "hang"
        )

    async def before_answer(self) -> None:
        """Apply the faults that happen before any answer, then the added latency."""
        fault = self.fault
        if fault == "rate_limit":
            wait_ms = self.settings.retry_after_ms
            raise OfflineAPIError(
                429,
                "Rate limit reached for offline-1 (the offline server was told to refuse).",
                error_type="requests",
                code="rate_limit_exceeded",
                headers={
                    "retry-after-ms": str(wait_ms),
                    "retry-after": str(math.ceil(wait_ms / 1000)),
                },
            )
        if fault == "quota":
            raise OfflineAPIError(
                429,
                "You exceeded your current quota, please check your plan and billing details.",
                error_type="insufficient_quota",
                code="insufficient_quota",
                headers={"x-should-retry": "false"},
            )
        if fault == "server_error":
            raise OfflineAPIError(
                500,
                "The server had an error while processing your request (offline fault).",
                error_type="server_error",
            )
        await self.pause(self.settings.latency_ms)

    async def before_stream(self) -> None:
        """A streamed request gets its 429/500 as an HTTP error before the stream starts; its
        latency is applied inside the stream."""
        if self.fault in ("rate_limit", "quota", "server_error"):
            await self.before_answer()

    def check_tools(self, tools: object, model: str | None) -> None:
        """Refuse a request that offers tools when the model has no tool support."""
        if self.settings.refuse_tools and isinstance(tools, list) and tools:
            raise OfflineAPIError(400, f"{base_model(model)} does not support tools", param="tools")

    def check_images(self, images: int, model: str | None) -> None:
        """Refuse a request with pictures when the model cannot see."""
        if self.settings.refuse_images and images:
            raise OfflineAPIError(
                400, f"{base_model(model)} does not support image input", param="messages"
            )

    async def pause(self, milliseconds: int) -> None:
        if milliseconds > 0:
            await asyncio.sleep(milliseconds / 1000)

    async def hang(self) -> None:
        await asyncio.sleep(self.settings.hang_seconds)


def _directives(model: str | None) -> dict[str, str]:
    if not model or "+" not in model:
        return {}
    pairs = (part.split("=", 1) for part in model.split("+")[1:] if "=" in part)
    return {key.strip().lower(): value.strip() for key, value in pairs}


def base_model(model: str | None) -> str:
    return (model or "offline-1").split("+", 1)[0]


def _integer(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return max(0, int(value))
    except ValueError as error:
        raise OfflineAPIError(
            400, f"{name} must be an integer, got {value!r}", param=name
        ) from error


def knobs_for(request: Request, settings: OfflineSettings, model: str | None) -> Knobs:
    directives = _directives(model)
    headers = request.headers

    def pick(header: str, directive: str) -> str | None:
        return headers.get(header) or directives.get(directive)

    fault = pick("x-offline-fault", "fault")
    if fault is not None and fault not in FAULTS:
        raise OfflineAPIError(
            400, f"unknown fault {fault!r}; one of {', '.join(FAULTS)}", param="fault"
        )
    overrides: dict[str, object] = {}
    if fault:
        overrides["fault"] = fault
    tools = pick("x-offline-tools", "tools")
    if tools is not None and tools not in ("refuse", "allow"):
        raise OfflineAPIError(400, f"tools must be refuse or allow, got {tools!r}", param="tools")
    if tools:
        overrides["refuse_tools"] = tools == "refuse"
    vision = pick("x-offline-vision", "vision")
    if vision is not None and vision not in ("refuse", "allow"):
        raise OfflineAPIError(
            400, f"vision must be refuse or allow, got {vision!r}", param="vision"
        )
    if vision:
        overrides["refuse_images"] = vision == "refuse"
    obey = pick("x-offline-obey", "obey")
    if obey is not None and obey not in ("scripts", "user"):
        raise OfflineAPIError(400, f"obey must be scripts or user, got {obey!r}", param="obey")
    if obey:
        overrides["obey_scripts"] = obey == "scripts"
    for header, directive, field in (
        ("x-offline-latency-ms", "latency", "latency_ms"),
        ("x-offline-delta-delay-ms", "delta", "delta_delay_ms"),
        ("x-offline-fault-attempts", "attempts", "fault_attempts"),
    ):
        value = _integer(pick(header, directive), field)
        if value is not None:
            overrides[field] = value
    attempt = _integer(headers.get("x-stainless-retry-count"), "x-stainless-retry-count") or 0
    return Knobs(replace(settings, **overrides), attempt)  # type: ignore[arg-type]
