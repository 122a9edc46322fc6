"""Server-sent events in the framing the openai SDK parses."""

import json
from typing import Any


def event(name: str, data: Any) -> bytes:
    """`event:` + one-line JSON `data:`; the payload is serialised now, so later changes to the
    objects it came from cannot leak into an event already queued."""
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def data_only(data: Any) -> bytes:
    """Chat Completions chunks carry no `event:` line."""
    return f"data: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


ASSISTANTS_DONE = b"event: done\ndata: [DONE]\n\n"
CHAT_DONE = b"data: [DONE]\n\n"
