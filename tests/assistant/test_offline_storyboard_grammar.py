"""The offline model's storyboard phrasings: the words for shot sizes, camera moves, sound and
aspect ratios, and the phrasings that must stay what they were."""

import pytest

from backend.assistant.offline.grammar import (
    AddAudio,
    AskRuntime,
    CreateScene,
    Intent,
    SceneRef,
    SetSceneFields,
    UpdateProject,
    parse_request,
)


def fields(number: int | None, *pairs: tuple[str, object], last: bool = False) -> SetSceneFields:
    return SetSceneFields(SceneRef(number=number, from_end=1 if last else None), pairs)


PHRASINGS: list[tuple[str, list[Intent]]] = [
    ("make scene 2 a close-up", [fields(2, ("shot_size", "close_up"))]),
    ("Make scene 2 a close up shot", [fields(2, ("shot_size", "close_up"))]),
    ("turn the first scene into an extreme wide", [fields(1, ("shot_size", "extreme_wide"))]),
    ("make scene 4 a medium close-up", [fields(4, ("shot_size", "medium_close_up"))]),
    ("make scene 1 an over-the-shoulder shot", [fields(1, ("shot_size", "over_the_shoulder"))]),
    ("make scene 3 a POV", [fields(3, ("shot_size", "pov"))]),
    ("set the shot size of scene 2 to wide", [fields(2, ("shot_size", "wide"))]),
    ("scene 3 is 4 seconds", [fields(3, ("duration_seconds", 4))]),
    ("scene two lasts 2.5 seconds", [fields(2, ("duration_seconds", 2.5))]),
    ("the last scene should be 10s", [fields(None, ("duration_seconds", 10), last=True)]),
    ("set the duration of scene 1 to 3 seconds", [fields(1, ("duration_seconds", 3))]),
    (
        "set the camera of the last scene to a slow dolly",
        [fields(None, ("camera_movement", "dolly"), last=True)],
    ),
    (
        "set the camera movement of scene 2 to handheld",
        [fields(2, ("camera_movement", "handheld"))],
    ),
    ("use the camera on scene 1: drone", [fields(1, ("camera_movement", "drone"))]),
    (
        "add voice-over to scene 1: It began with a wave.",
        [AddAudio(SceneRef(number=1), "Voice-over", "It began with a wave.")],
    ),
    ("add sfx to scene 2: gulls", [AddAudio(SceneRef(number=2), "Effects", "gulls")]),
    ("add dialogue to scene 3: “Run!”", [AddAudio(SceneRef(number=3), "Dialogue", "Run!")]),
    ("how long is the film?", [AskRuntime()]),
    ("What's the total runtime", [AskRuntime()]),
    ("how long is it", [AskRuntime()]),
    ("make it vertical", [UpdateProject(aspect_ratio="9:16")]),
    ("switch the project to square", [UpdateProject(aspect_ratio="1:1")]),
    ("change the aspect ratio to 2.39:1", [UpdateProject(aspect_ratio="2.39:1")]),
    ("make the storyboard widescreen", [UpdateProject(aspect_ratio="16:9")]),
    (
        "make scene 1 a close-up, then make it vertical",
        [fields(1, ("shot_size", "close_up")), UpdateProject(aspect_ratio="9:16")],
    ),
    # Still what they were.
    ("make a scene called Close-up", [CreateScene(title="Close-up")]),
    ("add a scene called Voice-over", [CreateScene(title="Voice-over")]),
    ("how do I make it vertical?", []),
    ("don't make scene 2 a close-up", []),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS, ids=[text for text, _ in PHRASINGS])
def test_storyboard_phrasings(text: str, expected: list[Intent]) -> None:
    assert parse_request(text) == expected
