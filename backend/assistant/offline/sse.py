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


def text_of(content: Any) -> str:
    """The text of a message's content: a string, or a list of text parts of any flavour."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                text = part.get("text")
                if isinstance(text, dict):
                    text = text.get("value")
                if isinstance(text, str):
                    parts.append(text)
        return "".join(parts)
    return ""
