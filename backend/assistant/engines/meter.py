"""What a turn cost, measured where it happens: time inside requests to the model provider
(`provider_call`), time running tools (`run_round`), the provider's own token usage, and the
SDK's retries (its `x-stainless-retry-count` header, seen by an HTTP request hook).

The meter of the running turn lives in a context variable, so the engines only report usage
and nothing needs threading through their calls; the tasks a turn starts (concurrent reads)
inherit it. Outside a turn (the cleanup job, the assistant check) there is none and nothing
is counted.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import httpx2


@dataclass
class TurnMeter:
    started: float = field(default_factory=time.perf_counter)
    model_seconds: float = 0.0
    tool_seconds: float = 0.0
    retries: int = 0
    usage: dict[str, tuple[int, int]] = field(default_factory=dict)
    """(input, output) tokens per provider answer; keyed so that an answer reported twice (an
    Assistants run's usage is cumulative and repeated on each of its events) counts once."""

    @property
    def input_tokens(self) -> int | None:
        return sum(tokens for tokens, _ in self.usage.values()) if self.usage else None

    @property
    def output_tokens(self) -> int | None:
        return sum(tokens for _, tokens in self.usage.values()) if self.usage else None


_current: ContextVar[TurnMeter | None] = ContextVar("turn_meter", default=None)


def current_meter() -> TurnMeter | None:
    return _current.get()


@contextmanager
def metering(meter: TurnMeter) -> Iterator[TurnMeter]:
    """Count what the code inside does (and every task it starts) on `meter`."""
    token = _current.set(meter)
    try:
        yield meter
    finally:
        _current.reset(token)


@contextmanager
def timed(kind: str) -> Iterator[None]:
    """Add the time spent inside to the running turn's `model` or `tool` time."""
    started = time.perf_counter()
    try:
        yield
    finally:
        meter = _current.get()
        if meter is not None:
            elapsed = time.perf_counter() - started
            if kind == "model":
                meter.model_seconds += elapsed
            else:
                meter.tool_seconds += elapsed


def record_usage(key: str, usage: object | None) -> None:
    """The provider's usage for one answer (`key`: the response's or run's id), in whichever
    names its surface uses: `prompt_tokens`/`completion_tokens` (Chat Completions, Assistants)
    or `input_tokens`/`output_tokens` (Responses). No usage reported: nothing is counted."""
    meter = _current.get()
    if meter is None or usage is None:
        return
    prompt = getattr(usage, "prompt_tokens", None)
    completion = getattr(usage, "completion_tokens", None)
    if prompt is None:
        prompt = getattr(usage, "input_tokens", None)
        completion = getattr(usage, "output_tokens", None)
    if isinstance(prompt, int) and isinstance(completion, int):
        meter.usage[key] = (prompt, completion)


async def count_retry(request: httpx2.Request) -> None:
    """An httpx request hook: a request the SDK numbers above 0 is one of its retries."""
    meter = _current.get()
    if meter is not None and request.headers.get("x-stainless-retry-count", "0") not in ("", "0"):
        meter.retries += 1
