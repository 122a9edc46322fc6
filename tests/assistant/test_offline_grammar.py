"""The offline model's grammar: phrasings → the tool calls (and arguments) it makes.

Each request runs the model's real loop against a fixed project of three scenes: a first round
that looks the project up when scenes are named, then the action round, then the answer.
"""

import json
from typing import Any

import pytest

from backend.assistant.offline.model import (
    HELP_TEXT,
    MAX_TOOL_CALLS_PER_ROUND,
    Answer,
    CallTools,
    ModelInput,
    ToolCall,
    ToolResult,
    decide,
    split_into_deltas,
)

PROJECT_ID = "6f1c2a3b-0000-4000-8000-000000000001"
INSTRUCTIONS = f"You are Scenecraft's assistant.\nCurrent project id: {PROJECT_ID}"
ALL_TOOLS = frozenset(
    {
        "get_project_details",
        "create_scene",
        "update_scene_script",
        "update_scene_image_url",
        "update_scene_title",
        "move_scene",
        "delete_scene",
        "update_project",
    }
)
SCENES = [
    {
        "id": "s-intro",
        "title": "Intro",
        "order": 0,
        "script": "Dawn over the bay.",
        "image_url": None,
    },
    {"id": "s-beach", "title": "Beach", "order": 1, "script": "", "image_url": None},
    {"id": "s-finale", "title": "Finale", "order": 2, "script": "Fireworks.", "image_url": None},
]
PROJECT = {
    "ok": True,
    "project": {"id": PROJECT_ID, "title": "Trip", "description": "", "scenes": SCENES},
}
P = {"project_id": PROJECT_ID}


def run_model(
    text: str, tools: frozenset[str] = ALL_TOOLS
) -> tuple[list[tuple[str, dict[str, Any]]], str]:
    """Drive the model like a client would; returns the action calls and the final answer."""
    rounds: list[list[ToolResult]] = []
    actions: list[tuple[str, dict[str, Any]]] = []
    for _ in range(4):
        decision = decide(ModelInput(INSTRUCTIONS, text, rounds, tools))
        if isinstance(decision, Answer):
            return actions, decision.text
        results = []
        for call in decision.calls:
            assert call.name in tools
            if call.name == "get_project_details":
                output = json.dumps(PROJECT)
            else:
                actions.append((call.name, call.arguments))
                output = json.dumps(
                    {
                        "ok": True,
                        "scene": {
                            "id": "new",
                            "title": call.arguments.get("title", "T"),
                            "order": 0,
                        },
                    }
                )
            results.append(ToolResult(call.name, call.arguments, output))
        rounds.append(results)
    raise AssertionError("the model did not answer within four rounds")


GRAMMAR = [
    # create
    ("add a scene called Opening", [("create_scene", {**P, "title": "Opening"})]),
    ("Add a scene titled “The Sunset”", [("create_scene", {**P, "title": "The Sunset"})]),
    (
        'create a new scene named "Rock and Roll"',
        [("create_scene", {**P, "title": "Rock and Roll"})],
    ),
    ("create a scene called Rock and Roll", [("create_scene", {**P, "title": "Rock and Roll"})]),
    ("please add a scene called Dawn.", [("create_scene", {**P, "title": "Dawn"})]),
    (
        "Insert a scene named Cold open at the start",
        [("create_scene", {**P, "title": "Cold open", "order": 0})],
    ),
    (
        "add a scene called Bridge at position 2",
        [("create_scene", {**P, "title": "Bridge", "order": 1})],
    ),
    (
        "add a scene called Middle after scene 1",
        [("create_scene", {**P, "title": "Middle", "order": 1})],
    ),
    ("add a scene called Sunset at the end", [("create_scene", {**P, "title": "Sunset"})]),
    ("make a scene", [("create_scene", {**P, "title": "New scene"})]),
    ("add 2 scenes", [("create_scene", {**P, "title": "New scene"})] * 2),
    (
        "add scenes A, B and C",
        [
            ("create_scene", {**P, "title": "A"}),
            ("create_scene", {**P, "title": "B"}),
            ("create_scene", {**P, "title": "C"}),
        ],
    ),
    (
        'Add scenes "Intro two", "Middle" and "Outro"',
        [("create_scene", {**P, "title": t}) for t in ("Intro two", "Middle", "Outro")],
    ),
    (
        "add a scene called Intro and a scene called Outro",
        [("create_scene", {**P, "title": "Intro"}), ("create_scene", {**P, "title": "Outro"})],
    ),
    (
        "add a scene called Beach walk with script: Waves crash. Gulls cry.",
        [("create_scene", {**P, "title": "Beach walk", "script": "Waves crash. Gulls cry."})],
    ),
    (
        "create a scene called Pier with the image https://example.com/pier.jpg",
        [("create_scene", {**P, "title": "Pier", "image_url": "https://example.com/pier.jpg"})],
    ),
    ("can you create a scene called Night?", [("create_scene", {**P, "title": "Night"})]),
    # scripts
    (
        "set the script of scene 2 to The hero arrives.",
        [("update_scene_script", {"scene_id": "s-beach", "script_content": "The hero arrives."})],
    ),
    (
        "Update the script for scene 1 with “Hello there”",
        [("update_scene_script", {"scene_id": "s-intro", "script_content": "Hello there"})],
    ),
    (
        "write the script for the second scene: Dawn. A rooster crows, and the farm wakes up.",
        [
            (
                "update_scene_script",
                {
                    "scene_id": "s-beach",
                    "script_content": "Dawn. A rooster crows, and the farm wakes up.",
                },
            )
        ],
    ),
    (
        "change scene 3's script to: Night falls",
        [("update_scene_script", {"scene_id": "s-finale", "script_content": "Night falls"})],
    ),
    (
        "replace the script of the last scene with Curtain.",
        [("update_scene_script", {"scene_id": "s-finale", "script_content": "Curtain."})],
    ),
    (
        "set the script of the scene called Beach to Waves.",
        [("update_scene_script", {"scene_id": "s-beach", "script_content": "Waves."})],
    ),
    (
        "SET THE SCRIPT OF SCENE ONE TO Loud.",
        [("update_scene_script", {"scene_id": "s-intro", "script_content": "Loud."})],
    ),
    (
        "scene 2 script: Sand and sun",
        [("update_scene_script", {"scene_id": "s-beach", "script_content": "Sand and sun"})],
    ),
    # images
    (
        "set the image of scene 1 to https://example.com/a.png",
        [
            (
                "update_scene_image_url",
                {"scene_id": "s-intro", "image_url": "https://example.com/a.png"},
            )
        ],
    ),
    (
        "use https://x.example/b.jpg as the image for scene 2",
        [
            (
                "update_scene_image_url",
                {"scene_id": "s-beach", "image_url": "https://x.example/b.jpg"},
            )
        ],
    ),
    (
        "set the image url of the last scene to https://example.com/last.png.",
        [
            (
                "update_scene_image_url",
                {"scene_id": "s-finale", "image_url": "https://example.com/last.png"},
            )
        ],
    ),
    (
        "change the picture for scene two to http://example.com/p.jpg",
        [
            (
                "update_scene_image_url",
                {"scene_id": "s-beach", "image_url": "http://example.com/p.jpg"},
            )
        ],
    ),
    (
        "change scene 3's image to: https://example.com/3.webp",
        [
            (
                "update_scene_image_url",
                {"scene_id": "s-finale", "image_url": "https://example.com/3.webp"},
            )
        ],
    ),
    # titles
    (
        "rename scene 3 to Finale two",
        [("update_scene_title", {"scene_id": "s-finale", "title": "Finale two"})],
    ),
    (
        "Rename the scene called Intro to Opening",
        [("update_scene_title", {"scene_id": "s-intro", "title": "Opening"})],
    ),
    (
        "rename “Intro” to “Cold open”",
        [("update_scene_title", {"scene_id": "s-intro", "title": "Cold open"})],
    ),
    (
        "change the title of scene 1 to The Beginning",
        [("update_scene_title", {"scene_id": "s-intro", "title": "The Beginning"})],
    ),
    (
        "retitle the third scene as Goodbye",
        [("update_scene_title", {"scene_id": "s-finale", "title": "Goodbye"})],
    ),
    # moves
    ("move scene 3 to the start", [("move_scene", {"scene_id": "s-finale", "order": 0})]),
    ("move scene 1 to the end", [("move_scene", {"scene_id": "s-intro", "order": 2})]),
    ("move scene 1 to position 2", [("move_scene", {"scene_id": "s-intro", "order": 1})]),
    (
        "move the last scene to the first position",
        [("move_scene", {"scene_id": "s-finale", "order": 0})],
    ),
    ("move scene 3 after scene 1", [("move_scene", {"scene_id": "s-finale", "order": 1})]),
    ("put scene 2 before scene 1", [("move_scene", {"scene_id": "s-beach", "order": 0})]),
    ("move scene 1 after scene 2", [("move_scene", {"scene_id": "s-intro", "order": 1})]),
    ("ok now move scene 2 to the top", [("move_scene", {"scene_id": "s-beach", "order": 0})]),
    (
        "move the scene called Intro to the end",
        [("move_scene", {"scene_id": "s-intro", "order": 2})],
    ),
    ("move scene 1 to position 9", [("move_scene", {"scene_id": "s-intro", "order": 2})]),
    # deletes
    ("delete scene 2", [("delete_scene", {"scene_id": "s-beach"})]),
    ("Can you delete scene 1?", [("delete_scene", {"scene_id": "s-intro"})]),
    ("remove the third scene", [("delete_scene", {"scene_id": "s-finale"})]),
    (
        "delete scenes 1 and 3",
        [("delete_scene", {"scene_id": "s-intro"}), ("delete_scene", {"scene_id": "s-finale"})],
    ),
    ("get rid of the scene called Beach", [("delete_scene", {"scene_id": "s-beach"})]),
    ("drop the last scene", [("delete_scene", {"scene_id": "s-finale"})]),
    *(
        (text, [("delete_scene", {"scene_id": scene["id"]}) for scene in SCENES])
        for text in (
            "delete all scenes",
            "start over: remove all the scenes in the project",
            "clear the board",
            "get rid of every scene",
            "delete everything",
        )
    ),
    # An exception changes what "all" means: not read as "delete all".
    ("delete all scenes except the first", None),
    ("delete everything but the intro", None),
    # project
    ("rename the project to Summer Trip", [("update_project", {**P, "title": "Summer Trip"})]),
    ('rename the project "Trip two"', [("update_project", {**P, "title": "Trip two"})]),
    ("call this project Demo reel", [("update_project", {**P, "title": "Demo reel"})]),
    ("change the project name to Foo", [("update_project", {**P, "title": "Foo"})]),
    (
        "set the project description to A short film about the sea.",
        [("update_project", {**P, "description": "A short film about the sea."})],
    ),
    (
        "set the description to Hello world",
        [("update_project", {**P, "description": "Hello world"})],
    ),
    # several actions in one message
    (
        'Update the script for scene 1 with "Hello there" and delete scene 3',
        [
            ("update_scene_script", {"scene_id": "s-intro", "script_content": "Hello there"}),
            ("delete_scene", {"scene_id": "s-finale"}),
        ],
    ),
    (
        "add a scene called Epilogue, then rename scene 2 to Shore",
        [
            ("create_scene", {**P, "title": "Epilogue"}),
            ("update_scene_title", {"scene_id": "s-beach", "title": "Shore"}),
        ],
    ),
    (
        "delete the scene called Intro and rename scene 2 to X",
        [
            ("delete_scene", {"scene_id": "s-intro"}),
            ("update_scene_title", {"scene_id": "s-beach", "title": "X"}),
        ],
    ),
    # lookups only
    ("show the project", []),
    ("Describe my project please", []),
    ("summarize the scenes", []),
    ("What's in this project?", []),
    ("give me an overview of the scenes", []),
    # no tools at all
    ("hello", None),
    ("thanks!", None),
    ("what can you do?", None),
    ("how do I add a scene?", None),
    ("don't delete scene 2", None),
    ("I love this scene", None),
    ("the scene is too long", None),
    ("", None),
]


@pytest.mark.parametrize(
    ("text", "expected"), GRAMMAR, ids=[text[:40] or "empty" for text, _ in GRAMMAR]
)
def test_phrasing_gives_the_expected_tool_calls(
    text: str, expected: list[tuple[str, dict[str, Any]]] | None
) -> None:
    first = decide(ModelInput(INSTRUCTIONS, text, [], ALL_TOOLS))
    actions, answer = run_model(text)
    if expected is None:
        assert isinstance(first, Answer), "this phrasing must not call any tool"
        assert "I can plan this project with you" in answer
        return
    assert actions == expected
    assert answer
    assert answer != HELP_TEXT


def test_the_table_is_large_enough() -> None:
    assert len(GRAMMAR) >= 60


def test_named_scenes_are_looked_up_first_then_changed_in_a_second_round() -> None:
    first = decide(ModelInput(INSTRUCTIONS, "rename scene 2 to Shore", [], ALL_TOOLS))
    assert first == CallTools([ToolCall("get_project_details", P)])
    lookup = [ToolResult("get_project_details", P, json.dumps(PROJECT))]
    second = decide(ModelInput(INSTRUCTIONS, "rename scene 2 to Shore", [lookup], ALL_TOOLS))
    assert second == CallTools(
        [ToolCall("update_scene_title", {"scene_id": "s-beach", "title": "Shore"})]
    )


def test_several_creations_are_parallel_calls_in_one_step() -> None:
    decision = decide(ModelInput(INSTRUCTIONS, "add scenes A, B and C", [], ALL_TOOLS))
    assert isinstance(decision, CallTools)
    assert [call.name for call in decision.calls] == ["create_scene"] * 3


def test_at_most_32_calls_in_a_round_and_the_answer_asks_for_the_rest() -> None:
    actions, answer = run_model("add 40 scenes")
    assert actions == [("create_scene", {**P, "title": "New scene"})] * MAX_TOOL_CALLS_PER_ROUND
    assert MAX_TOOL_CALLS_PER_ROUND == 32
    assert answer.endswith(
        "That was the first 32 of the 40 changes you asked for: I make at most 32 at a time. "
        "Ask me again for the other 8."
    )


def test_answers_come_from_the_tool_outputs() -> None:
    _, answer = run_model("add a scene called Sunset")
    assert answer == "Added scene 1 “Sunset”."
    _, shown = run_model("show the project")
    assert "3 scenes" in shown
    assert "1. Intro — Dawn over the bay." in shown
    assert "2. Beach — (no script yet)" in shown


def test_tool_errors_are_reported_honestly() -> None:
    rounds = [
        [
            ToolResult(
                "create_scene",
                {**P, "title": "X"},
                json.dumps({"ok": False, "error": "title is too long"}),
            )
        ]
    ]
    decision = decide(ModelInput(INSTRUCTIONS, "add a scene called X", rounds, ALL_TOOLS))
    assert decision == Answer("I couldn't add the scene “X”: title is too long.")


@pytest.mark.parametrize(
    ("text", "question"),
    [
        (
            "delete scene 7",
            "I couldn't find scene 7: the project has 3 scenes. Which scene did you mean?",
        ),
        (
            "rename the scene called Nowhere to X",
            "I couldn't find a scene called “Nowhere”. Which scene did you mean?",
        ),
    ],
)
def test_unknown_scenes_get_a_question_and_no_change(text: str, question: str) -> None:
    actions, answer = run_model(text)
    assert actions == []
    assert answer == question


def test_ambiguous_titles_get_a_question() -> None:
    scenes = [
        {"id": "a", "title": "Beach day", "order": 0},
        {"id": "b", "title": "Beach night", "order": 1},
    ]
    project = json.dumps(
        {"ok": True, "project": {"id": PROJECT_ID, "title": "T", "scenes": scenes}}
    )
    rounds = [[ToolResult("get_project_details", P, project)]]
    decision = decide(ModelInput(INSTRUCTIONS, "delete the scene called beach", rounds, ALL_TOOLS))
    assert isinstance(decision, Answer)
    assert "Several scenes match “beach”" in decision.text
    assert "Which one did you mean?" in decision.text


def test_only_offered_tools_are_called() -> None:
    actions, answer = run_model("add a scene called Dawn", tools=frozenset({"get_project_details"}))
    assert actions == []
    assert "create_scene tool is not available" in answer
    _, nothing = run_model("add a scene called Dawn", tools=frozenset())
    assert "no tools were offered" in nothing


def test_without_a_project_id_the_model_says_so() -> None:
    decision = decide(ModelInput("no project here", "add a scene called Dawn", [], ALL_TOOLS))
    assert isinstance(decision, Answer)
    assert "which project" in decision.text


def test_same_input_same_output() -> None:
    outcomes = {repr(run_model("add scenes A and B, then delete scene 2")) for _ in range(5)}
    assert len(outcomes) == 1


def test_answers_stream_in_several_deltas_that_join_back() -> None:
    text = "Added scene 3 “Sunset”. Updated the script of scene 1 “Intro”."
    deltas = split_into_deltas(text)
    assert len(deltas) > 2
    assert "".join(deltas) == text
