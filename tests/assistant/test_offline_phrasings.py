"""How people talk to the offline model: the phrasing corpus, run in process and through the
real openai SDK on each wire format; the held-out phrasings and their measured pass rate; and
the wrong actions issue 15 found, as regressions."""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from openai import AsyncOpenAI

from backend.assistant.offline import history
from backend.assistant.offline.model import (
    HELP_TEXT,
    Answer,
    CallTools,
    ModelInput,
    ToolCall,
    ToolResult,
    decide,
)
from tests.assistant.conftest import INSTRUCTIONS
from tests.assistant.phrasing_corpus import CORPUS
from tests.assistant.phrasing_harness import (
    ALL_TOOLS,
    Call,
    Expect,
    load_fresh,
    mismatch,
    run_assistants,
    run_chat_completions,
    run_in_process,
    run_responses,
    tool_output,
)

HELD_OUT = {
    "fresh_phrasings.json": 60,
    "fresh_phrasings_2.json": 37,
    "fresh_phrasings_3.json": 29,
    "fresh_phrasings_4.json": 9,
}
"""Each held-out set, and how many of its phrasings pass. The first 60 passed 57 when first
measured, before any tuning on them; the second 40 (terser, written after the grammar, to
check it) passed 18 before tuning; the third 30 (conversational) passed 8; the fourth 20,
written after all the tuning, passed 9 and were left untuned as the current measure. A change
that understands fewer of them fails here."""

Runner = Callable[[AsyncOpenAI, str], Awaitable[tuple[list[Call], str]]]
WIRE_FORMATS: dict[str, Runner] = {
    "chat_completions": run_chat_completions,
    "responses": run_responses,
    "assistants": run_assistants,
}


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 300
    assert len({text for text, _ in CORPUS}) == len(CORPUS), "a phrasing is listed twice"


@pytest.mark.parametrize(("text", "expect"), CORPUS, ids=[text for text, _ in CORPUS])
def test_phrasing(text: str, expect: Expect) -> None:
    actions, answer = run_in_process(text)
    assert mismatch(expect, actions, answer) is None


@pytest.mark.parametrize("wire_format", WIRE_FORMATS)
async def test_the_corpus_through_the_sdk(client: AsyncOpenAI, wire_format: str) -> None:
    failures = []
    for text, expect in CORPUS:
        actions, answer = await WIRE_FORMATS[wire_format](client, text)
        why = mismatch(expect, actions, answer)
        if why is not None:
            failures.append(f"{text!r}: {why}")
    assert failures == []


@pytest.mark.parametrize("wire_format", WIRE_FORMATS)
@pytest.mark.parametrize(("name", "passing"), HELD_OUT.items())
async def test_held_out_phrasings_pass_at_the_measured_rate(
    client: AsyncOpenAI, wire_format: str, name: str, passing: int
) -> None:
    phrasings = load_fresh(Path(__file__).with_name(name))
    passed = 0
    for text, expect in phrasings:
        actions, answer = await WIRE_FORMATS[wire_format](client, text)
        passed += mismatch(expect, actions, answer) is None
    assert passed >= passing


# --- the wrong actions issue 15 found ------------------------------------------------------------


def test_rename_and_set_its_script_does_both() -> None:
    actions, answer = run_in_process(
        "rename scene 2 to Golden Hour and set its script to The sun melts into the sea."
    )
    assert actions == [
        ("update_scene_title", {"scene_id": "s2", "title": "Golden Hour"}),
        (
            "update_scene_script",
            {"scene_id": "s2", "script_content": "The sun melts into the sea."},
        ),
    ]
    assert answer == "Renamed scene 2 to “Golden Hour”.\nUpdated the script of scene 2 “Beach”."


def test_delete_scenes_6_and_7_deletes_both_and_asks_nothing() -> None:
    actions, answer = run_in_process("delete scenes 6 and 7")
    assert actions == [
        ("delete_scene", {"scene_id": "s6"}),
        ("delete_scene", {"scene_id": "s7"}),
    ]
    assert answer == "Deleted scene 6 “Night Drive”.\nDeleted scene 7 “Credits”."


def test_the_project_rename_keeps_the_case_it_was_written_in() -> None:
    _, answer = run_in_process("rename the project to Summer Trip in NYC")
    assert answer == "Renamed the project to “Summer Trip in NYC”."


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        (
            "swap the second and third scenes",
            "Moved “Beach” to position 3.\nMoved “Pier at Dusk” to position 2.",
        ),
        ("delete the beach scene", "Deleted scene 2 “Beach”."),
        ("what's in scene 5?", "Scene 5 “Market”: Stalls open at dawn.\nImage set."),
        (
            "remove the last two scenes",
            "Deleted scene 6 “Night Drive”.\nDeleted scene 7 “Credits”.",
        ),
        (
            "how many scenes do I have?",
            "The project has 7 scenes: 1 “Cold Open”, 2 “Beach”, 3 “Pier at Dusk”, "
            "4 “Interview”, 5 “Market”, 6 “Night Drive”, 7 “Credits”.",
        ),
    ],
)
def test_requests_that_got_the_help_text_are_understood(text: str, answer: str) -> None:
    assert run_in_process(text)[1] == answer


@pytest.mark.parametrize("text", ["make the intro punchier", "write a script about a sunrise"])
def test_creative_requests_get_an_honest_answer_not_the_help_text(text: str) -> None:
    actions, answer = run_in_process(text)
    assert actions == []
    assert HELP_TEXT not in answer
    assert f"I understood that you want new writing: “{text}”." in answer
    assert "Writing needs a connected language model" in answer
    assert "OPENAI_API_KEY" in answer


def test_it_means_the_scene_just_added_only_once_it_exists() -> None:
    actions, answer = run_in_process("add a scene called Ferry and delete it")
    assert actions == [
        ("create_scene", {"project_id": actions[0][1]["project_id"], "title": "Ferry"})
    ]
    assert "ask me again once it exists" in answer


def test_it_with_no_earlier_scene_is_a_question() -> None:
    lookup = [ToolResult("get_project_details", {}, tool_output("get_project_details", {}))]
    decision = decide(ModelInput(INSTRUCTIONS, "delete it", [lookup], frozenset(ALL_TOOLS)))
    assert decision == Answer(
        "I couldn't tell which scene you meant by “it”: name it by its number or title."
    )


def test_it_follows_the_scene_an_earlier_tool_call_named() -> None:
    entries: list[history.Entry] = [
        history.Message("user", "make scene 4 a close-up"),
        history.Calls((history.Call("c1", "update_scene", '{"scene_id": "s4"}'),)),
        history.Output("c1", '{"ok": true}'),
        history.Message("assistant", "Done."),
        history.Message("user", "delete it"),
    ]
    model_input = history.model_input(entries, [])
    assert model_input.earlier_scene_ids == ("s4",)
    lookup = [ToolResult("get_project_details", {}, tool_output("get_project_details", {}))]
    decision = decide(replace(model_input, rounds=[lookup], tools=frozenset(ALL_TOOLS)))
    assert decision == CallTools([ToolCall("delete_scene", {"scene_id": "s4"})])
