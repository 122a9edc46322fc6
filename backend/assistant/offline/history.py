"""What a client sends the model, read the same way on every API surface.

Assistants thread messages (plus the run's own tool rounds), Responses input items and Chat
Completions messages are each mapped to a list of `Entry` (a message, one round of tool calls,
one tool output); `model_input` then finds the last user message, the rounds after it and their
outputs (paired by call id), and the tools offered, in one place.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from backend.assistant.offline.model import ModelInput, ToolResult
from backend.assistant.offline.payloads import json_object
from backend.assistant.offline.vision import count_images

INSTRUCTION_ROLES = ("system", "developer")


@dataclass(frozen=True)
class Message:
    role: str
    text: str
    images: int = 0
    """Pictures in the content as sent (the model reads only its text)."""


@dataclass(frozen=True)
class Call:
    call_id: Any
    name: str
    arguments: Any
    """The JSON text the model sent (a JSON object, or anything a client put there)."""


@dataclass(frozen=True)
class Calls:
    """The tool calls the model made together, in one round."""

    calls: tuple[Call, ...]


@dataclass(frozen=True)
class Output:
    call_id: Any
    text: str


Entry = Message | Calls | Output


def text_of(content: Any) -> str:
    """The text of a message's content: a string, or a list of text parts of any flavour."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
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


def tool_names(tools: Any) -> frozenset[str]:
    """The function tools offered, flat (Responses) or nested under `function` (the others)."""
    names = set()
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, dict) or tool.get("type") != "function":
            continue
        function = tool.get("function")
        name = function.get("name") if isinstance(function, dict) else tool.get("name")
        if isinstance(name, str):
            names.add(name)
    return frozenset(names)


def image_count(entries: Sequence[Entry]) -> int:
    """The pictures in all the messages: what a model that cannot see refuses."""
    return sum(entry.images for entry in entries if isinstance(entry, Message))


def model_input(
    entries: Sequence[Entry], tools: Any, instructions: str = "", *, obey_scripts: bool = False
) -> ModelInput:
    """The instructions (with any system or developer messages), the last user message, and
    the tool rounds after it, each call with its output (None while none was sent), and what
    came before it (for what "it" means)."""
    instruction_texts = [instructions] + [
        entry.text
        for entry in entries
        if isinstance(entry, Message) and entry.role in INSTRUCTION_ROLES
    ]
    users = [
        index
        for index, entry in enumerate(entries)
        if isinstance(entry, Message) and entry.role == "user"
    ]
    last_user = entries[users[-1]] if users else None
    outputs = {entry.call_id: entry.text for entry in entries if isinstance(entry, Output)}
    rounds = [
        [
            ToolResult(call.name, json_object(call.arguments), outputs.get(call.call_id))
            for call in entry.calls
        ]
        for entry in entries[users[-1] + 1 if users else 0 :]
        if isinstance(entry, Calls)
    ]
    earlier = entries[: users[-1]] if users else []
    return ModelInput(
        "\n".join(text for text in instruction_texts if text),
        last_user.text if isinstance(last_user, Message) else None,
        rounds,
        tool_names(tools),
        tuple(
            (entry.role, entry.text)
            for entry in earlier
            if isinstance(entry, Message) and entry.role in ("user", "assistant")
        ),
        tuple(_scene_ids(earlier)),
        last_user.images if isinstance(last_user, Message) else 0,
        obey_scripts,
    )


def _scene_ids(entries: Sequence[Entry]) -> list[str]:
    """The scene ids earlier tool calls named or their outputs returned, in order."""
    ids: list[str] = []
    for entry in entries:
        if isinstance(entry, Calls):
            said = [json_object(call.arguments).get("scene_id") for call in entry.calls]
        elif isinstance(entry, Output):
            scene = json_object(entry.text).get("scene")
            said = [scene.get("id")] if isinstance(scene, dict) else []
        else:
            continue
        ids.extend(scene_id for scene_id in said if isinstance(scene_id, str))
    return ids


# --- each surface's shapes -----------------------------------------------------------------------


def from_response_items(items: Iterable[dict[str, Any]]) -> list[Entry]:
    """Responses input items; consecutive function calls are one round."""
    entries: list[Entry] = []
    for item in items:
        kind = item.get("type")
        if kind == "message":
            entries.append(_message(item.get("role"), item.get("content")))
        elif kind == "function_call":
            call = Call(item.get("call_id"), str(item.get("name")), item.get("arguments"))
            previous = entries[-1] if entries else None
            if isinstance(previous, Calls):
                entries[-1] = Calls((*previous.calls, call))
            else:
                entries.append(Calls((call,)))
        elif kind == "function_call_output":
            entries.append(Output(item.get("call_id"), text_of(item.get("output"))))
    return entries


def from_chat_messages(messages: Iterable[dict[str, Any]]) -> list[Entry]:
    """Chat Completions messages: an assistant message's `tool_calls` are one round, each `tool`
    message one output."""
    entries: list[Entry] = []
    for message in messages:
        role = str(message.get("role"))
        if role == "tool":
            entries.append(Output(message.get("tool_call_id"), text_of(message.get("content"))))
        elif role == "assistant" and message.get("tool_calls"):
            entries.append(Calls(tuple(_chat_call(call) for call in message["tool_calls"])))
        else:
            entries.append(_message(role, message.get("content")))
    return entries


def _message(role: Any, content: Any) -> Message:
    return Message(str(role), text_of(content), count_images(content))


def _chat_call(call: Any) -> Call:
    call = call if isinstance(call, dict) else {}
    function = call.get("function") if isinstance(call.get("function"), dict) else {}
    return Call(call.get("id"), str(function.get("name")), function.get("arguments"))
