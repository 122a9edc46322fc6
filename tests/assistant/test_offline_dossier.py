"""The offline model and the story dossier: every call it makes (reads included) and its exact
answers, on a dossier with items and on an empty one, when a tool is not offered and when a tool
fails. (The phrasing corpus checks the same requests through the openai SDK.)"""

import json
from collections.abc import Callable
from typing import Any

import pytest

from backend.assistant.offline.dossier import parse_dossier_request
from backend.assistant.offline.model import Answer, ModelInput, ToolResult, decide
from tests.assistant.conftest import INSTRUCTIONS, PROJECT_ID
from tests.assistant.phrasing_harness import ALL_TOOLS, DOSSIER, Call, tool_output

P = {"project_id": PROJECT_ID}
EMPTY: dict[str, Any] = {
    "characters": [],
    "themes": [],
    "locations": [],
    "plot_points": [],
    "updated_at": None,
}
Output = Callable[[str, dict[str, Any]], str]


def play(
    text: str, output: Output = tool_output, tools: tuple[str, ...] = ALL_TOOLS
) -> tuple[list[Call], str]:
    """A whole turn: every call the model makes, in order, and its answer."""
    rounds: list[list[ToolResult]] = []
    made: list[Call] = []
    for _ in range(4):
        decision = decide(ModelInput(INSTRUCTIONS, text, rounds, frozenset(tools)))
        if isinstance(decision, Answer):
            return made, decision.text
        made += [(call.name, call.arguments) for call in decision.calls]
        rounds.append(
            [ToolResult(c.name, c.arguments, output(c.name, c.arguments)) for c in decision.calls]
        )
    raise AssertionError("the model did not answer within four rounds")


def empty_dossier(name: str, arguments: dict[str, Any]) -> str:
    if name == "get_dossier":
        return json.dumps({"ok": True, "dossier": EMPTY})
    return tool_output(name, arguments)


def failing(name: str, arguments: dict[str, Any]) -> str:
    if name == "get_dossier":
        return tool_output(name, arguments)
    return json.dumps({"ok": False, "error": "invalid arguments — name: too long."})


READ = ("get_dossier", P)
DETECTIVE = "a retired detective who distrusts everyone"


def relate(item_id: str, *relationships: str) -> Call:
    change = {"kind": "characters", "item_id": item_id, "relationships": list(relationships)}
    return ("update_dossier_item", {**P, **change})


TURNS = [
    (
        "add a character Mara, a retired detective who distrusts everyone",
        [
            (
                "add_dossier_item",
                {**P, "kind": "characters", "name": "Mara", "description": DETECTIVE},
            )
        ],
        f"Added the character “Mara” to the story dossier: {DETECTIVE}.",
    ),
    (
        "Mara is Leo's sister",
        [READ, relate("c-mara", "Tom's old partner", "Leo's sister")],
        "Noted in the story dossier: Mara is Leo's sister.",
    ),
    (
        "add the theme redemption",
        [("add_dossier_item", {**P, "kind": "themes", "text": "redemption"})],
        "Added the theme “redemption” to the story dossier.",
    ),
    (
        "the story takes place in Lisbon",
        [("add_dossier_item", {**P, "kind": "locations", "name": "Lisbon"})],
        "Added the location “Lisbon” to the story dossier.",
    ),
    (
        "the story takes place in Lisbon and Sintra",
        [("add_dossier_item", {**P, "kind": "locations", "name": n}) for n in ("Lisbon", "Sintra")],
        "Added the location “Lisbon” to the story dossier.\n"
        "Added the location “Sintra” to the story dossier.",
    ),
    (
        "what characters do we have?",
        [READ],
        "The story dossier has 2 characters:\n- Mara: a retired detective (Tom's old partner)\n"
        "- Leo: a fisherman (Mara's neighbour). Arc: learns to forgive",
    ),
    (
        "show the dossier",
        [READ],
        "Characters:\n- Mara: a retired detective (Tom's old partner)\n"
        "- Leo: a fisherman (Mara's neighbour). Arc: learns to forgive\n\nThemes:\n- Revenge\n\n"
        "Locations:\n- Porto: rain and trams\n\nPlot points:\n- Leo loses the boat",
    ),
    (
        "remove the theme revenge",
        [READ, ("remove_dossier_item", {**P, "kind": "themes", "item_id": "t-revenge"})],
        "Removed the theme “Revenge” from the story dossier.",
    ),
    (
        "delete the characters Leo and Ana",
        [READ, ("remove_dossier_item", {**P, "kind": "characters", "item_id": "c-leo"})],
        "Removed the character “Leo” from the story dossier.\nThe story dossier has no character "
        "“Ana” (its characters are Mara, Leo), so I removed nothing.",
    ),
    (
        "remove Tom from the dossier",
        [READ],
        "Nothing in the story dossier is called “Tom”, so I removed nothing.",
    ),
    (
        "Mara is Tom's old partner",
        [READ],
        "I couldn't find a character called “Tom” in the story dossier (its characters are Mara, "
        "Leo), so I changed nothing. Add them first, for example “add a character Tom, …”.",
    ),
]


@pytest.mark.parametrize(("text", "made", "answer"), TURNS, ids=[text for text, _, _ in TURNS])
def test_a_dossier_turn_makes_these_calls_and_says_what_it_did(
    text: str, made: list[Call], answer: str
) -> None:
    assert play(text) == (made, answer)


EMPTY_TURNS = [
    ("what characters do we have?", "The story dossier has no characters yet. Try “add a"),
    ("list the plot points", "The story dossier has no plot points yet. Try “add a plot point:"),
    ("what's in the dossier?", "The story dossier is empty so far. Try “add a character"),
    ("remove the theme revenge", "The story dossier has no theme “revenge” (it has no themes yet)"),
    ("Mara is Leo's sister", "I couldn't find a character called “Mara” or “Leo” in the story"),
]


@pytest.mark.parametrize(("text", "answer"), EMPTY_TURNS, ids=[t for t, _ in EMPTY_TURNS])
def test_on_an_empty_dossier_it_reads_and_says_so_honestly(text: str, answer: str) -> None:
    made, said = play(text, empty_dossier)
    assert made == [READ]
    assert said.startswith(answer)


def test_a_relationship_it_already_has_is_not_added_twice() -> None:
    assert play("Leo is Mara's neighbour") == (
        [READ],
        "The story dossier already says Leo is Mara's neighbour.",
    )


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("add the theme redemption", "add_dossier_item"),
        ("what characters do we have?", "get_dossier"),
        ("remove the theme revenge", "remove_dossier_item"),
        ("Mara is Leo's sister", "update_dossier_item"),
    ],
)
def test_without_the_tool_it_says_which_is_missing(text: str, tool: str) -> None:
    offered = tuple(name for name in ALL_TOOLS if name != tool)
    assert play(text, tools=offered) == (
        [],
        f"I can't reach the story dossier here: the {tool} tool is not available.",
    )


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        (
            "add a character Mara",
            "I couldn't add the character: invalid arguments — name: too long.",
        ),
        ("remove the theme revenge", "I couldn't remove the theme “Revenge”: invalid arguments"),
        ("Mara is Leo's sister", "I couldn't note that Mara is Leo's sister: invalid arguments"),
    ],
)
def test_a_failed_change_is_reported_not_claimed(text: str, answer: str) -> None:
    assert play(text, failing)[1].startswith(answer)


def test_a_dossier_too_long_to_read_is_said_so() -> None:
    def truncated(name: str, arguments: dict[str, Any]) -> str:
        return json.dumps({"ok": True, "truncated": True, "partial": json.dumps(DOSSIER)[:50]})

    assert play("who are the characters?", truncated)[1] == (
        "I couldn't read the story dossier: it is too long to read here."
    )


@pytest.mark.parametrize(
    "text",
    [
        "add a scene called Mara",
        "rename scene 2 to Lisbon",
        "add theme music to scene 2",
        "add a location shot to scene 4",
        "create a character arc for Mara",
        "what place is scene 3 in?",
        "scene 3 is Leo's favourite",
        "the intro is the film's opening",
        "Mara is not Leo's sister",
        "is Mara Leo's sister?",
        "remove the character",
        "x" * 3_000,
    ],
)
def test_what_is_not_a_dossier_request_is_left_to_the_rest_of_the_model(text: str) -> None:
    assert parse_dossier_request(text) is None
