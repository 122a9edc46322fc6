"""The offline model: deterministic and rule-based, but it behaves like a tool-using LLM.

Given the instructions, the last user message and the tool rounds that followed it, it either
calls tools or answers. A request that names scenes by number or title first calls
`get_project_details` to learn their ids (one round), then acts (a second round), then answers
from the tool outputs. It only calls tools it was offered, and the same input always gives the
same output.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from backend.assistant.offline.documents import next_step, parse_document_request
from backend.assistant.offline.grammar import (
    READ_INTENTS,
    SCENE_REF_INTENTS,
    AddAudio,
    AskRuntime,
    CreateScene,
    DeleteScene,
    Intent,
    MoveScene,
    RenameScene,
    SceneRef,
    SetSceneFields,
    ShowProject,
    UpdateImage,
    UpdateProject,
    UpdateScript,
    parse_request,
)

MAX_TOOL_CALLS_PER_ROUND = 32
"""The most tool calls the model makes in one round; more would be refused by an app that bounds
them (Scenecraft's CHAT_MAX_TOOL_CALLS_PER_ROUND defaults to the same number), so it does the
first 32 and asks for the rest to be requested again."""
PROJECT_ID = re.compile(r"Current project id:\s*([0-9a-fA-F-]{36})")
GREETING = re.compile(r"^\s*(?:hi|hello|hey|good\s+(?:morning|afternoon|evening))\b", re.IGNORECASE)

HELP_TEXT = (
    "I can plan this project with you. Try, for example:\n"
    "- “show the project”\n"
    "- “add a scene called Opening” (or several: “add scenes Intro, Middle and Outro”)\n"
    "- “set the script of scene 1 to: The sun rises over the bay.”\n"
    "- “set the image of scene 2 to https://example.com/shot.jpg”\n"
    "- “rename scene 3 to Finale”, “move scene 3 to the start”, “delete scene 2”\n"
    "- “rename the project to Summer trip” or “set the project description to …”\n"
    "- “make scene 2 a close-up”, “scene 3 is 4 seconds”, “set the camera of scene 1 to a "
    "dolly”, “add voice-over to scene 1: …”, “make it vertical”, “how long is the film?”"
)


@dataclass(frozen=True)
class ToolResult:
    """One tool call the model made, with the output it got back (None while pending)."""

    name: str
    arguments: dict[str, Any]
    output: str | None = None


@dataclass(frozen=True)
class ModelInput:
    instructions: str
    user_text: str | None
    rounds: list[list[ToolResult]] = field(default_factory=list)
    tools: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class CallTools:
    calls: list[ToolCall]


@dataclass(frozen=True)
class Answer:
    text: str


Decision = CallTools | Answer


def decide(model_input: ModelInput) -> Decision:
    document_request = parse_document_request(model_input.user_text or "")
    if document_request is not None:
        outputs = [round_results[-1].output for round_results in model_input.rounds]
        step = next_step(document_request, outputs, model_input.tools)
        return Answer(step) if isinstance(step, str) else CallTools([ToolCall(*step)])
    intents = parse_request(model_input.user_text or "")
    if not intents:
        greeting = "Hi! " if GREETING.match(model_input.user_text or "") else ""
        return Answer(greeting + HELP_TEXT)
    if not model_input.tools and not model_input.rounds:
        return Answer("I can't change anything in this conversation: no tools were offered to me.")
    match = PROJECT_ID.search(model_input.instructions)
    planner = _Planner(intents, match.group(1) if match else None, model_input.tools)
    rounds = model_input.rounds

    if not rounds:
        if planner.needs_lookup:
            return planner.lookup()
        return planner.act(project=None)
    if planner.needs_lookup and len(rounds) == 1 and _only_lookups(rounds[0]):
        project = _project_from(rounds[0][0])
        if project is not None and planner.actions:
            decision = planner.act(project)
            if isinstance(decision, CallTools):
                return decision
    return Answer(planner.answer(rounds))


def split_into_deltas(text: str, words_per_delta: int = 3) -> list[str]:
    """The answer as a stream would send it: a few words at a time, whitespace kept."""
    words = re.findall(r"\S+\s*|\s+", text)
    return [
        "".join(words[i : i + words_per_delta]) for i in range(0, len(words), words_per_delta)
    ] or [""]


def _only_lookups(round_results: list[ToolResult]) -> bool:
    return bool(round_results) and all(r.name == "get_project_details" for r in round_results)


def _load(output: str | None) -> dict[str, Any]:
    try:
        value = json.loads(output or "")
    except (TypeError, ValueError):
        return {"ok": False, "error": (output or "no output")[:200]}
    return value if isinstance(value, dict) else {"ok": False, "error": "unexpected tool output"}


def _project_from(result: ToolResult) -> dict[str, Any] | None:
    payload = _load(result.output)
    project = payload.get("project")
    if payload.get("ok") and isinstance(project, dict) and isinstance(project.get("scenes"), list):
        return project
    return None


def _quote(text: str) -> str:
    return f"“{text}”"


class _Planner:
    def __init__(self, intents: list[Intent], project_id: str | None, tools: frozenset[str]):
        self.intents = intents
        self.project_id = project_id
        self.tools = tools
        self.actions = [intent for intent in intents if not isinstance(intent, READ_INTENTS)]
        self.needs_lookup = any(
            isinstance(intent, (*READ_INTENTS, *SCENE_REF_INTENTS)) for intent in intents
        )

    # -- deciding ---------------------------------------------------------------------------------

    def lookup(self) -> Decision:
        if "get_project_details" not in self.tools:
            return Answer(
                "I can't look the project up here: the get_project_details tool is not available."
            )
        if self.project_id is None:
            return Answer(self._no_project())
        return CallTools([ToolCall("get_project_details", {"project_id": self.project_id})])

    def act(self, project: dict[str, Any] | None) -> Decision:
        calls, problems = self._plan(project)
        if calls:
            return CallTools(calls[:MAX_TOOL_CALLS_PER_ROUND])
        return Answer(" ".join(problems) or HELP_TEXT)

    # -- planning ---------------------------------------------------------------------------------

    def _plan(
        self, project: dict[str, Any] | None, *, check_tools: bool = True
    ) -> tuple[list[ToolCall], list[str]]:
        """The calls for every action, and what stands in their way (unknown scenes, missing
        tools), in the order the user asked."""
        calls: list[ToolCall] = []
        problems: list[str] = []
        scenes: list[dict[str, Any]] = project["scenes"] if project else []
        for intent in self.actions:
            call = self._call_for(intent, scenes, problems)
            if call is None:
                continue
            if check_tools and call.name not in self.tools:
                problems.append(f"I can't do that here: the {call.name} tool is not available.")
                continue
            calls.append(call)
        return calls, problems

    def _call_for(
        self, intent: Intent, scenes: list[dict[str, Any]], problems: list[str]
    ) -> ToolCall | None:
        if isinstance(intent, CreateScene | UpdateProject):
            if self.project_id is None:
                problems.append(self._no_project())
                return None
            if isinstance(intent, CreateScene):
                arguments: dict[str, Any] = {"project_id": self.project_id, "title": intent.title}
                for name in ("script", "image_url", "order"):
                    if getattr(intent, name) is not None:
                        arguments[name] = getattr(intent, name)
                return ToolCall("create_scene", arguments)
            arguments = {"project_id": self.project_id}
            for name in ("title", "description", "aspect_ratio"):
                if getattr(intent, name) is not None:
                    arguments[name] = getattr(intent, name)
            return ToolCall("update_project", arguments)

        assert isinstance(intent, SCENE_REF_INTENTS)
        index = self._resolve(intent.scene, scenes, problems)
        if index is None:
            return None
        scene_id = scenes[index]["id"]
        if isinstance(intent, UpdateScript):
            return ToolCall(
                "update_scene_script", {"scene_id": scene_id, "script_content": intent.script}
            )
        if isinstance(intent, UpdateImage):
            return ToolCall(
                "update_scene_image_url", {"scene_id": scene_id, "image_url": intent.image_url}
            )
        if isinstance(intent, RenameScene):
            return ToolCall("update_scene_title", {"scene_id": scene_id, "title": intent.title})
        if isinstance(intent, DeleteScene):
            return ToolCall("delete_scene", {"scene_id": scene_id})
        if isinstance(intent, SetSceneFields):
            return ToolCall("update_scene", {"scene_id": scene_id, **dict(intent.fields)})
        if isinstance(intent, AddAudio):
            had = str(scenes[index].get("audio") or "").rstrip()
            line = f"{intent.label}: {intent.text}"
            return ToolCall(
                "update_scene", {"scene_id": scene_id, "audio": f"{had}\n{line}" if had else line}
            )
        order = self._target_order(intent, index, scenes, problems)
        return (
            None
            if order is None
            else ToolCall("move_scene", {"scene_id": scene_id, "order": order})
        )

    def _target_order(
        self, move: MoveScene, index: int, scenes: list[dict[str, Any]], problems: list[str]
    ) -> int | None:
        last = len(scenes) - 1
        if move.to_end:
            return last
        if move.position is not None:
            return min(move.position - 1, last)
        anchor_ref = move.after or move.before
        assert anchor_ref is not None
        anchor = self._resolve(anchor_ref, scenes, problems)
        if anchor is None:
            return None
        anchor_without_moved = anchor - (1 if anchor > index else 0)
        return anchor_without_moved + (1 if move.after else 0)

    @staticmethod
    def _resolve(ref: SceneRef, scenes: list[dict[str, Any]], problems: list[str]) -> int | None:
        count = len(scenes)
        if ref.last or ref.number is not None:
            number = count if ref.last else ref.number
            if number is not None and 1 <= number <= count:
                return number - 1
            having = (
                "has no scenes yet"
                if count == 0
                else f"has {count} scene{'s' if count != 1 else ''}"
            )
            problems.append(
                f"I couldn't find {ref.describe()}: the project {having}. Which scene did you mean?"
            )
            return None
        wanted = (ref.title or "").casefold()
        exact = [
            i for i, scene in enumerate(scenes) if str(scene.get("title", "")).casefold() == wanted
        ]
        close = exact or [
            i for i, scene in enumerate(scenes) if wanted in str(scene.get("title", "")).casefold()
        ]
        if len(close) == 1:
            return close[0]
        if not close:
            wanted_title = _quote(ref.title or "")
            problems.append(
                f"I couldn't find a scene called {wanted_title}. Which scene did you mean?"
            )
        else:
            options = ", ".join(f"scene {i + 1} {_quote(scenes[i]['title'])}" for i in close)
            wanted_title = _quote(ref.title or "")
            problems.append(
                f"Several scenes match {wanted_title} ({options}). Which one did you mean?"
            )
        return None

    def _no_project(self) -> str:
        return "I don't know which project we are working on: my instructions name none."

    # -- answering --------------------------------------------------------------------------------

    def answer(self, rounds: list[list[ToolResult]]) -> str:
        lookup = rounds[0][0] if rounds and _only_lookups(rounds[0]) and self.needs_lookup else None
        project = _project_from(lookup) if lookup else None
        sentences: list[str] = []
        if lookup is not None and project is None:
            error = _load(lookup.output).get("error", "unknown error")
            sentences.append(f"I couldn't read the project: {error}.")
        # The tools may not be offered again for the answer; only unresolved scenes count.
        planned, problems = self._plan(project, check_tools=False)
        if project is not None and self.actions:
            sentences.extend(problems)
        action_rounds = rounds[1:] if lookup is not None else rounds
        scenes = project["scenes"] if project else []
        for round_results in action_rounds:
            sentences.extend(_describe_result(result, scenes) for result in round_results)
        if len(planned) > MAX_TOOL_CALLS_PER_ROUND:
            left = len(planned) - MAX_TOOL_CALLS_PER_ROUND
            sentences.append(
                f"That was the first {MAX_TOOL_CALLS_PER_ROUND} of the {len(planned)} changes "
                f"you asked for: I make at most {MAX_TOOL_CALLS_PER_ROUND} at a time. "
                f"Ask me again for the other {left}."
            )
        if project is not None and any(isinstance(i, ShowProject) for i in self.intents):
            sentences.append(_describe_project(project))
        if project is not None and any(isinstance(i, AskRuntime) for i in self.intents):
            sentences.append(_describe_runtime(project))
        return "\n".join(sentences) if sentences else HELP_TEXT


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _scene_number(scene: dict[str, Any]) -> int:
    order = scene.get("order")
    return int(order) + 1 if isinstance(order, int) else 0


def _scene_label(scene: dict[str, Any]) -> str:
    return f"scene {_scene_number(scene)} {_quote(str(scene.get('title', '')))}"


def _describe_result(result: ToolResult, scenes: list[dict[str, Any]]) -> str:
    """One sentence for one tool result, in the words a person would use."""
    payload = _load(result.output)
    if not payload.get("ok"):
        return f"I couldn't {_action_phrase(result)}: {payload.get('error', 'unknown error')}."
    scene = _dict(payload.get("scene"))
    title = _quote(str(scene.get("title", "")))
    if result.name == "create_scene":
        return f"Added {_scene_label(scene)}."
    if result.name == "update_scene_script":
        return f"Updated the script of {_scene_label(scene)}."
    if result.name == "update_scene_image_url":
        return f"Set the image of {_scene_label(scene)}."
    if result.name == "update_scene_title":
        return f"Renamed scene {_scene_number(scene)} to {title}."
    if result.name == "move_scene":
        return f"Moved {title} to position {_scene_number(scene)}."
    if result.name == "delete_scene":
        deleted = next((s for s in scenes if s.get("id") == payload.get("deleted_scene_id")), None)
        return f"Deleted {_scene_label(deleted)}." if deleted else "Deleted the scene."
    if result.name == "update_scene":
        return f"Updated {_scene_label(scene)}: {_describe_fields(result.arguments)}."
    if result.name == "update_project":
        project = _dict(payload.get("project"))
        changes = []
        if "aspect_ratio" in result.arguments:
            changes.append(f"set the aspect ratio to {project.get('aspect_ratio')}")
        if "title" in result.arguments:
            new_title = project.get("title", result.arguments["title"])
            changes.append(f"renamed the project to {_quote(str(new_title))}")
        if "description" in result.arguments:
            changes.append("updated its description")
        return (" and ".join(changes) or "updated the project").capitalize() + "."
    if result.name == "get_project_details" and payload.get("project"):
        return _describe_project(_dict(payload["project"]))
    return f"Done: {result.name}."


def _action_phrase(result: ToolResult) -> str:
    title = result.arguments.get("title")
    phrases = {
        "create_scene": f"add the scene {_quote(str(title))}" if title else "add the scene",
        "update_scene_script": "update the script",
        "update_scene_image_url": "set the image",
        "update_scene_title": "rename the scene",
        "move_scene": "move the scene",
        "delete_scene": "delete the scene",
        "update_project": "update the project",
        "update_scene": "update the scene",
        "get_project_details": "read the project",
    }
    return phrases.get(result.name, f"run {result.name}")


def _describe_project(project: dict[str, Any]) -> str:
    scenes = project.get("scenes") or []
    title = _quote(str(project.get("title", "")))
    lines = [
        f"**{project.get('title', '')}**"
        + (f" — {project['description']}" if project.get("description") else "")
    ]
    if not scenes:
        lines.append(f"{title} has no scenes yet. Try “add a scene called Opening”.")
        return "\n".join(lines)
    lines.append(f"{len(scenes)} scene{'s' if len(scenes) != 1 else ''}:")
    for scene in scenes:
        script = " ".join(str(scene.get("script") or "").split())
        summary = (
            f" — {script[:80]}{'…' if len(script) > 80 else ''}" if script else " — (no script yet)"
        )
        image = " 🖼" if scene.get("image_url") else ""
        lines.append(f"{int(scene.get('order', 0)) + 1}. {scene.get('title', '')}{summary}{image}")
    return "\n".join(lines)


FIELD_LABELS = {
    "shot_size": "shot",
    "camera_movement": "camera",
    "duration_seconds": "duration",
    "audio": "audio",
    "notes": "notes",
    "title": "title",
    "script": "script",
    "image_url": "image",
}


def _describe_fields(arguments: dict[str, Any]) -> str:
    """“shot close-up, duration 4 s” for the fields an update_scene call set."""
    parts = []
    for name, value in arguments.items():
        if name not in FIELD_LABELS:
            continue
        if value is None or value == "":
            parts.append(f"{FIELD_LABELS[name]} cleared")
        elif name == "duration_seconds":
            parts.append(f"duration {_seconds(float(value))}")
        elif name in ("shot_size", "camera_movement"):
            parts.append(f"{FIELD_LABELS[name]} {str(value).replace('_', '-')}")
        else:
            parts.append(f"{FIELD_LABELS[name]} updated")
    return ", ".join(parts) or "no change"


def _seconds(value: float) -> str:
    """4 s, 1 min 12 s, 1 min 30.5 s."""
    minutes, seconds = divmod(round(value, 1), 60)
    shown = f"{seconds:g} s"
    return f"{int(minutes)} min {shown}" if minutes else shown


def _describe_runtime(project: dict[str, Any]) -> str:
    scenes = project.get("scenes") or []
    total = float(project.get("total_duration_seconds") or 0)
    untimed = sum(1 for scene in scenes if scene.get("duration_seconds") is None)
    count = f"{len(scenes)} scene{'s' if len(scenes) != 1 else ''}"
    sentence = f"The film runs {_seconds(total)} over {count}"
    target = project.get("target_duration_seconds")
    if isinstance(target, int | float):
        sentence += f", against a target of {_seconds(float(target))}"
    sentence += "."
    if untimed:
        plural = untimed != 1
        sentence += (
            f" {untimed} scene{'s have' if plural else ' has'} no duration yet "
            f"and count{'' if plural else 's'} as nothing."
        )
    return sentence
