"""What every engine shares: the turn's input and output, the event sink, running a round of
tool calls, and turning the SDK's exceptions into errors a person can read."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

import openai

from backend.assistant.tools import ToolResult, is_read_only

SYSTEM_PROMPT = (
    "You are Scenecraft's planning assistant. You help the user plan a video scene by scene. "
    "Read the project with get_project_details before changing scenes you have not seen, use the "
    "tools to make the changes the user asks for, and then say briefly what you did. Scene "
    "positions (`order`) are 0-based; people count scenes from 1."
)


class ProviderError(Exception):
    """The model provider failed: 502 (it answered badly) or 504 (it did not answer in time)."""

    def __init__(self, message: str, status_code: int = 502) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class TurnCancelledError(Exception):
    """The user stopped the turn; nothing more may be written."""


class TurnSink(Protocol):
    """Where a turn reports progress as it happens (the SSE stream, or nowhere)."""

    async def tool_call(self, name: str, arguments: str) -> None: ...

    async def tool_result(self, result: ToolResult) -> None: ...

    async def delta(self, text: str) -> None: ...


class SilentSink:
    async def tool_call(self, name: str, arguments: str) -> None:
        return None

    async def tool_result(self, result: ToolResult) -> None:
        return None

    async def delta(self, text: str) -> None:
        return None


@dataclass
class TurnInput:
    user_text: str
    instructions: str
    """The per-project context: "Current project id: …" and its title."""
    load_history: Callable[[], Awaitable[list[tuple[str, str]]]]
    """Earlier (role, text) messages of this conversation, oldest first; read only by the
    engines that need them (it costs a query)."""
    run_tool: Callable[[str, str], Awaitable[ToolResult]]
    is_cancelled: Callable[[], Awaitable[bool]]
    sink: TurnSink
    thread_id: str | None = None
    previous_response_id: str | None = None


@dataclass
class TurnOutput:
    reply: str
    tool_results: list[ToolResult] = field(default_factory=list)
    thread_id: str | None = None
    response_id: str | None = None


class Engine(Protocol):
    name: str

    async def run_turn(self, turn: TurnInput) -> TurnOutput: ...


async def run_round(turn: TurnInput, calls: list[tuple[str, str]]) -> list[ToolResult]:
    """Run one round of (name, JSON arguments) calls, reporting each as it starts and ends.

    Reads run concurrently; writes run one at a time in the model's order (they all change the
    same project, and "add scenes A, B and C" means in that order), each after checking that the
    turn was not cancelled: a stopped turn changes nothing more.
    """
    results: list[ToolResult | None] = [None] * len(calls)

    async def run(index: int, name: str, arguments: str) -> None:
        await turn.sink.tool_call(name, arguments)
        results[index] = result = await turn.run_tool(name, arguments)
        await turn.sink.tool_result(result)

    if await turn.is_cancelled():
        raise TurnCancelledError
    reads: list[Awaitable[None]] = []
    checked = True  # the check above covers a write that comes first
    for index, (name, arguments) in enumerate(calls):
        if is_read_only(name):
            reads.append(run(index, name, arguments))
            checked = False
            continue
        await asyncio.gather(*reads)
        reads = []
        if not checked and await turn.is_cancelled():
            raise TurnCancelledError
        checked = False
        await run(index, name, arguments)
    await asyncio.gather(*reads)
    return [result for result in results if result is not None]


def too_many_rounds(limit: int) -> ProviderError:
    return ProviderError(
        f"The assistant kept calling tools without answering, so it was stopped after {limit} "
        "rounds. The changes made so far are kept."
    )


@asynccontextmanager
async def provider_errors() -> AsyncIterator[None]:
    """SDK exceptions (after its own retries) as ProviderError with a message for people."""
    try:
        yield
    except openai.APITimeoutError as error:
        raise ProviderError("The model provider did not answer in time.", 504) from error
    except openai.RateLimitError as error:
        if error.code == "insufficient_quota":
            raise ProviderError("The model provider account has no quota left.") from error
        raise ProviderError(
            "The model provider is rate-limiting us right now. Try again in a moment."
        ) from error
    except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
        raise ProviderError("The model provider refused Scenecraft's credentials.") from error
    except openai.APIConnectionError as error:
        raise ProviderError("Scenecraft could not reach the model provider.") from error
    except openai.APIStatusError as error:
        raise ProviderError(
            f"The model provider returned an error ({error.status_code}). Try again."
        ) from error
    except openai.APIError as error:
        raise ProviderError(f"The model provider reported an error: {error.message}") from error
    except RuntimeError as error:
        # The SDK's stream helpers raise this when a stream ends without its final event.
        raise ProviderError(
            "The model provider's stream ended before the reply was complete."
        ) from error
