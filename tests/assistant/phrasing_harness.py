"""Drives the offline model over a seven-scene board, in process or through the real openai SDK
on each wire format, and checks what it did against what a phrasing expects.

The conversation has one earlier exchange, which touched scene 3 (so "it" is scene 3), and the
tools answer like Scenecraft's: a scene's change returns the scene, a delete its id; the story
dossier holds two characters (Mara and Leo), a theme, a location and a plot point.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam
from openai.types.responses import ResponseInputParam

from backend.assistant.offline.model import (
    HELP_TEXT,
    Answer,
    ModelInput,
    ToolResult,
    decide,
)
from tests.assistant.conftest import INSTRUCTIONS, PROJECT_ID

ALL_TOOLS = (
    "get_project_details",
    "create_scene",
    "update_scene_script",
    "update_scene_image_url",
    "update_scene_title",
    "move_scene",
    "delete_scene",
    "update_project",
    "update_scene",
    "get_dossier",
    "add_dossier_item",
    "update_dossier_item",
    "remove_dossier_item",
)
LOOKUPS = ("get_project_details", "get_dossier")
"""Reads the model makes to learn ids; a phrasing's expected calls leave them out."""


def _scene(number: int, title: str, script: str = "", image: bool = False) -> dict[str, Any]:
    return {
        "id": f"s{number}",
        "title": title,
        "order": number - 1,
        "script": script,
        "image_url": f"https://example.com/{number}.jpg" if image else None,
        "duration_seconds": None,
        "audio": "",
    }


SCENES = [
    _scene(1, "Cold Open", "A match strikes in the dark.", image=True),
    _scene(2, "Beach"),
    _scene(3, "Pier at Dusk", "Gulls wheel over the pier."),
    _scene(4, "Interview"),
    _scene(5, "Market", "Stalls open at dawn.", image=True),
    _scene(6, "Night Drive"),
    _scene(7, "Credits", "Roll names."),
]
PROJECT = {
    "id": PROJECT_ID,
    "title": "Salt Water",
    "description": "",
    "aspect_ratio": "16:9",
    "total_duration_seconds": 0,
    "target_duration_seconds": None,
    "scenes": SCENES,
}
DOSSIER: dict[str, Any] = {
    "characters": [
        {
            "id": "c-mara",
            "name": "Mara",
            "description": "a retired detective",
            "relationships": ["Tom's old partner"],
            "arc": "",
        },
        {
            "id": "c-leo",
            "name": "Leo",
            "description": "a fisherman",
            "relationships": ["Mara's neighbour"],
            "arc": "learns to forgive",
        },
    ],
    "themes": [{"id": "t-revenge", "text": "Revenge"}],
    "locations": [{"id": "l-porto", "name": "Porto", "description": "rain and trams"}],
    "plot_points": [{"id": "p-boat", "text": "Leo loses the boat"}],
    "updated_at": "2026-01-01T00:00:00Z",
}
"""The story so far: two characters, each with one relationship, a theme, a location and a plot
point."""
HISTORY = (
    ("user", "rename scene 3 to Pier at Dusk"),
    ("assistant", "Renamed scene 3 to “Pier at Dusk”."),
)
Call = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Expect:
    """What a phrasing must lead to: these action calls (in order), and an answer that contains
    each of `says`; `creative` also asks for the honest "writing needs a model" answer, `helps`
    for the help text (what is not a command at all)."""

    calls: list[Call] = field(default_factory=list)
    says: tuple[str, ...] = ()
    creative: bool = False
    helps: bool = False


def tool_output(name: str, arguments: dict[str, Any]) -> str:
    if name == "get_project_details":
        return json.dumps({"ok": True, "project": PROJECT})
    if name == "delete_scene":
        return json.dumps({"ok": True, "deleted_scene_id": arguments.get("scene_id")})
    if name == "get_dossier":
        return json.dumps({"ok": True, "dossier": DOSSIER})
    if name in ("add_dossier_item", "update_dossier_item"):
        kind, item_id = arguments.get("kind"), arguments.get("item_id", "new-item")
        known = {item["id"]: item for item in DOSSIER.get(str(kind)) or []}
        fields = {k: v for k, v in arguments.items() if k not in ("project_id", "kind", "item_id")}
        return json.dumps({"ok": True, "kind": kind, "item": {**known.get(item_id, {}), **fields}})
    if name == "remove_dossier_item":
        return json.dumps(
            {"ok": True, "kind": arguments.get("kind"), "removed": arguments["item_id"]}
        )
    if name == "update_project":
        return json.dumps({"ok": True, "project": {**PROJECT, **arguments, "scenes": []}})
    by_id = {scene["id"]: scene for scene in SCENES}
    scene = dict(by_id.get(arguments.get("scene_id", ""), {"id": "s-new", "order": 7}))
    scene.update({k: v for k, v in arguments.items() if k in ("title", "order")})
    return json.dumps({"ok": True, "scene": scene})


def run_in_process(text: str) -> tuple[list[Call], str]:
    rounds: list[list[ToolResult]] = []
    actions: list[Call] = []
    for _ in range(4):
        decision = decide(ModelInput(INSTRUCTIONS, text, rounds, frozenset(ALL_TOOLS), HISTORY, ()))
        if isinstance(decision, Answer):
            return actions, decision.text
        results = []
        for call in decision.calls:
            if call.name not in LOOKUPS:
                actions.append((call.name, call.arguments))
            results.append(
                ToolResult(call.name, call.arguments, tool_output(call.name, call.arguments))
            )
        rounds.append(results)
    raise AssertionError("the model did not answer within four rounds")


def _chat_tools() -> list[Any]:
    schema = {"type": "object", "properties": {}}
    return [{"type": "function", "function": {"name": n, "parameters": schema}} for n in ALL_TOOLS]


def _flat_tools() -> list[Any]:
    schema = {"type": "object", "properties": {}}
    return [
        {"type": "function", "name": n, "parameters": schema, "strict": False} for n in ALL_TOOLS
    ]


async def run_chat_completions(client: AsyncOpenAI, text: str) -> tuple[list[Call], str]:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": INSTRUCTIONS},
        *cast(list[ChatCompletionMessageParam], [{"role": r, "content": t} for r, t in HISTORY]),
        {"role": "user", "content": text},
    ]
    actions: list[Call] = []
    for _ in range(4):
        completion = await client.chat.completions.create(
            model="offline-1", messages=messages, tools=_chat_tools()
        )
        message = completion.choices[0].message
        if not message.tool_calls:
            return actions, message.content or ""
        messages.append(cast(ChatCompletionMessageParam, message.model_dump(exclude_none=True)))
        for call in message.tool_calls:
            assert call.type == "function"
            arguments = json.loads(call.function.arguments)
            if call.function.name not in LOOKUPS:
                actions.append((call.function.name, arguments))
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": call.id,
                    "content": tool_output(call.function.name, arguments),
                }
            )
    raise AssertionError("the model did not answer within four rounds")


async def run_responses(client: AsyncOpenAI, text: str) -> tuple[list[Call], str]:
    items: ResponseInputParam = [
        *cast(ResponseInputParam, [{"role": r, "content": t} for r, t in HISTORY]),
        {"role": "user", "content": text},
    ]
    previous: str | None = None
    actions: list[Call] = []
    for _ in range(4):
        response = await client.responses.create(
            model="offline-1",
            instructions=INSTRUCTIONS,
            input=items,
            tools=_flat_tools(),
            previous_response_id=previous,
        )
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            return actions, response.output_text
        previous, items = response.id, []
        for call in calls:
            arguments = json.loads(call.arguments)
            if call.name not in LOOKUPS:
                actions.append((call.name, arguments))
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": call.call_id,
                    "output": tool_output(call.name, arguments),
                }
            )
    raise AssertionError("the model did not answer within four rounds")


async def run_assistants(client: AsyncOpenAI, text: str) -> tuple[list[Call], str]:
    assistant = await client.beta.assistants.create(
        model="offline-1", instructions=INSTRUCTIONS, tools=_chat_tools()
    )
    thread = await client.beta.threads.create(
        messages=cast(
            Any,
            [*({"role": r, "content": t} for r, t in HISTORY), {"role": "user", "content": text}],
        )
    )
    run = await client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=1
    )
    actions: list[Call] = []
    for _ in range(4):
        if run.status != "requires_action":
            break
        assert run.required_action is not None
        outputs = []
        for call in run.required_action.submit_tool_outputs.tool_calls:
            arguments = json.loads(call.function.arguments)
            if call.function.name not in LOOKUPS:
                actions.append((call.function.name, arguments))
            outputs.append(
                {"tool_call_id": call.id, "output": tool_output(call.function.name, arguments)}
            )
        run = await client.beta.threads.runs.submit_tool_outputs_and_poll(
            thread_id=thread.id, run_id=run.id, tool_outputs=cast(Any, outputs), poll_interval_ms=1
        )
    assert run.status == "completed", run.status
    messages = await client.beta.threads.messages.list(thread.id, run_id=run.id)
    content = messages.data[0].content[0]
    assert content.type == "text"
    return actions, content.text.value


def mismatch(expect: Expect, actions: list[Call], answer: str) -> str | None:
    """Why the outcome is not what the phrasing expects; None when it is."""
    if actions != expect.calls:
        return f"calls {actions!r}, expected {expect.calls!r}"
    if expect.helps:
        return None if answer.endswith(HELP_TEXT) else f"answer {answer!r} is not the help text"
    if answer.endswith(HELP_TEXT) or not answer:
        return "the canned help text"
    missing = [said for said in expect.says if said not in answer]
    if missing:
        return f"answer {answer!r} lacks {missing!r}"
    if expect.creative and "connected language model" not in answer:
        return f"answer {answer!r} does not say writing needs a model"
    return None


def load_fresh(path: Path) -> list[tuple[str, Expect]]:
    """The held-out phrasings: JSON with calls as {name, arguments}."""
    cases = json.loads(path.read_text(encoding="utf-8"))["phrasings"]
    return [
        (
            case["text"],
            Expect(
                [(call["name"], call["arguments"]) for call in case["calls"]],
                tuple(case["answer_contains"]),
                case["creative"],
            ),
        )
        for case in cases
    ]
