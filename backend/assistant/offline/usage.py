"""Token counts the offline model reports, in each surface's names: an estimate (about four
characters a token, OpenAI's rule of thumb) of what it was sent (messages, instructions, tool
definitions) and what it answered, so a client's usage accounting runs against it for real."""

import json
import math
from typing import Any

from backend.assistant.offline.model import CallTools, Decision


def estimate_tokens(*values: Any) -> int:
    text = "".join(
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        for value in values
        if value
    )
    return max(1, math.ceil(len(text) / 4))


def answer_tokens(decision: Decision) -> int:
    if isinstance(decision, CallTools):
        return estimate_tokens([[call.name, call.arguments] for call in decision.calls])
    return estimate_tokens(decision.text)


def chat_usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    """Chat Completions and Assistants (a run's, and its steps')."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def responses_usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """The Responses API's names; every field is required by the SDK's type."""
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }
