"""What every engine shares: the turn's input and output, the event sink, running a round of
tool calls, and turning the SDK's exceptions (and only those) into errors a person can read."""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

import httpx2
import openai

from backend.assistant.engines.meter import timed
from backend.assistant.tools import ToolResult, is_read_only
from backend.schemas.chat import ApprovalPublic

SYSTEM_PROMPT = (
    "You are Scenecraft's planning assistant. You help the user plan a video scene by scene. "
    "Read the project with get_project_details before changing scenes you have not seen, use the "
    "tools to make the changes the user asks for, and then say briefly what you did. Scene "
    "positions (`order`) are 0-based; people count scenes from 1. Keep the story dossier "
    "(get_dossier and its tools: characters, themes, locations, plot points) current as the "
    "story develops. Before you state or invent facts about the story (its characters, places, "
    "plot, the brief), search the project's documents with search_documents and build on what "
    "they say; name the document you used."
)


class ProviderError(Exception):
    """The model provider failed: 502 (it answered badly) or 504 (it did not answer in time).

    `message` is for people; `cause` is for the log: what the SDK said (its exception, the HTTP
    status, the error code, the request id) or which final event a stream lacked.
    """

    def __init__(
        self,
        message: str,
        status_code: int = 502,
        *,
        cause: dict[str, object] | None = None,
        refused_images: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.cause = cause or {}
        self.refused_images = refused_images
        """The provider refused the request for its pictures (a 400 that says "image"): a
        model that cannot see them."""


class TurnCancelledError(Exception):
    """The user stopped the turn; nothing more may be written."""


class TurnSink(Protocol):
    """Where a turn reports progress as it happens (the SSE stream, or nowhere)."""

    async def tool_call(self, name: str, arguments: str) -> None: ...

    async def tool_result(self, result: ToolResult) -> None: ...

    async def delta(self, text: str) -> None: ...

    async def approval_required(self, approval: ApprovalPublic) -> None:
        """A tool call waits for the person's OK (`services/approvals.py`)."""


class SilentSink:
    async def tool_call(self, name: str, arguments: str) -> None:
        return None

    async def tool_result(self, result: ToolResult) -> None:
        return None

    async def delta(self, text: str) -> None:
        return None

    async def approval_required(self, approval: ApprovalPublic) -> None:
        return None


@dataclass(frozen=True)
class Picture:
    """A picture sent with the user's message, as a data URL: providers cannot reach our
    server, so the bytes travel with the request."""

    file_id: str
    filename: str
    data_url: str


@dataclass
class TurnInput:
    user_text: str
    instructions: str
    """The per-project context: "Current project id: …" and its title."""
    load_history: Callable[[], Awaitable[list[tuple[str, str]]]]
    """Earlier (role, text) messages of this conversation, oldest first; read only by the
    engines that need them (it costs a query)."""
    run_tool: Callable[[str, str], Awaitable[ToolResult]]
    refuse_tool: Callable[[ToolResult], None]
    """Keeps a call that was answered without running (over the round's limit) with the
    turn's others, so the page and the history show it."""
    is_cancelled: Callable[[], Awaitable[bool]]
    sink: TurnSink
    thread_id: str | None = None
    previous_response_id: str | None = None
    pictures: list[Picture] = field(default_factory=list)
    """Shown to the model with the user's text, each engine in its API's own shape; their
    file ids are in `instructions` (for update_scene's image_file_id)."""


@dataclass
class TurnOutput:
    """The answer, and where the provider keeps the conversation. The tool calls are not here:
    the service records each one as it runs (`TurnInput.run_tool`)."""

    reply: str
    thread_id: str | None = None
    response_id: str | None = None


class Engine(Protocol):
    name: str

    async def run_turn(self, turn: TurnInput) -> TurnOutput: ...


async def run_round(
    turn: TurnInput, calls: list[tuple[str, str]], *, limit: int
) -> list[ToolResult]:
    """Run one round of (name, JSON arguments) calls, reporting each as it starts and ends; one
    result per call, in the calls' order (every call id needs its output).

    Only the first `limit` calls run: the rest are answered with an error and change nothing.
    Reads run concurrently; writes run one at a time in the model's order (they all change the
    same project, and "add scenes A, B and C" means in that order), each after checking that the
    turn was not cancelled: a stopped turn changes nothing more. Its time is the turn's tool time.
    """
    with timed("tool"):
        return await _run_round(turn, calls, limit=limit)


async def _run_round(
    turn: TurnInput, calls: list[tuple[str, str]], *, limit: int
) -> list[ToolResult]:
    refusal = json.dumps(
        {
            "ok": False,
            "error": f"only {limit} tool calls run per round; this one was not run, "
            "call it again in the next round",
        }
    )
    over_limit, calls = calls[limit:], calls[:limit]
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
    refused = []
    for name, arguments in over_limit:
        await turn.sink.tool_call(name, arguments)
        result = ToolResult(name, {}, refusal, False)
        turn.refuse_tool(result)
        await turn.sink.tool_result(result)
        refused.append(result)
    return [result for result in results if result is not None] + refused


def too_many_rounds(limit: int) -> ProviderError:
    return ProviderError(
        f"The assistant kept calling tools without answering, so it was stopped after {limit} "
        "rounds. The changes made so far are kept.",
        cause={"cause": "too_many_rounds", "rounds": limit},
    )


def incomplete_stream(last_event: str | None) -> ProviderError:
    """A stream that ended without its final event: nothing from it may be used."""
    return ProviderError(
        "The model provider's stream ended before the reply was complete.",
        cause={"cause": "incomplete_stream", "last_event": last_event},
    )


def unfinished_reply(reason: str) -> ProviderError:
    """A complete answer that says it is not a whole reply (cut at a length limit, filtered…)."""
    return ProviderError(
        f"The model provider could not finish the reply: {reason}",
        cause={"cause": "unfinished_reply", "reason": reason},
    )


def _sdk_cause(error: BaseException) -> dict[str, object]:
    return {
        "cause": type(error).__name__,
        "status": getattr(error, "status_code", None),
        "code": getattr(error, "code", None),
        "request_id": getattr(error, "request_id", None),
    }


_SDK_PACKAGES = frozenset({"openai", "httpx2"})


def _raised_inside_sdk(error: BaseException) -> bool:
    """Whether the innermost of the SDK's frames and ours is the SDK's. Its stream helpers fail
    on a malformed stream with bare RuntimeError, KeyError, IndexError, AssertionError or
    json.JSONDecodeError; the same exceptions from our own code (an event sink) are our bugs."""
    innermost = None
    traceback = error.__traceback__
    while traceback is not None:
        module = str(traceback.tb_frame.f_globals.get("__name__", ""))
        if module.partition(".")[0] in _SDK_PACKAGES or module.startswith("backend."):
            innermost = module
        traceback = traceback.tb_next
    return innermost is not None and innermost.partition(".")[0] in _SDK_PACKAGES


@asynccontextmanager
async def provider_call() -> AsyncIterator[None]:
    """Around each request to the model provider, and nothing else (never a tool or our own
    storage, whose failures are bugs to report as such): the SDK's exceptions, after its own
    retries, as ProviderError with a message for people and the cause for the log. Its time
    is the turn's model time."""
    try:
        with timed("model"):
            yield
    except openai.APITimeoutError as error:
        raise ProviderError(
            "The model provider did not answer in time.", 504, cause=_sdk_cause(error)
        ) from error
    except openai.RateLimitError as error:
        message = (
            "The model provider account has no quota left."
            if error.code == "insufficient_quota"
            else "The model provider is rate-limiting us right now. Try again in a moment."
        )
        raise ProviderError(message, cause=_sdk_cause(error)) from error
    except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
        raise ProviderError(
            "The model provider refused Scenecraft's credentials.", cause=_sdk_cause(error)
        ) from error
    except openai.APIConnectionError as error:
        raise ProviderError(
            "Scenecraft could not reach the model provider.", cause=_sdk_cause(error)
        ) from error
    except openai.APIStatusError as error:
        raise ProviderError(
            f"The model provider returned an error ({error.status_code}). Try again.",
            cause=_sdk_cause(error),
            refused_images=error.status_code == 400 and "image" in str(error.message).lower(),
        ) from error
    except openai.APIError as error:
        raise ProviderError(
            f"The model provider reported an error: {error.message}", cause=_sdk_cause(error)
        ) from error
    except openai.OpenAIError as error:
        raise ProviderError(
            "The model provider's reply could not be used.", cause=_sdk_cause(error)
        ) from error
    # The Assistants helpers re-raise the transport's own errors, not the SDK's wrappers.
    except httpx2.TimeoutException as error:
        raise ProviderError(
            "The model provider did not answer in time.", 504, cause=_sdk_cause(error)
        ) from error
    except httpx2.TransportError as error:
        raise ProviderError(
            "The connection to the model provider broke off before the reply was complete.",
            cause=_sdk_cause(error),
        ) from error
    except Exception as error:
        if not _raised_inside_sdk(error):
            raise
        raise ProviderError(
            "The model provider sent a reply Scenecraft could not read.", cause=_sdk_cause(error)
        ) from error
