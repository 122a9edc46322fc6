"""The offline model's understanding of a user's request: text in, a list of intents out.

A left-to-right scanner: at each point it skips polite filler ("please", "can you", "then"), tries
the commands in COMMANDS in order, takes the first that matches there, and moves on after it.
What it cannot read is kept as `Unparsed` so the answer can say so; a request for new writing
becomes `Creative`, which the answer explains. Titles may be quoted ("…", “…”, '…') or not; free
text (a script, a description) runs to its closing quote, or to the end of the message when
unquoted, so it may contain anything. Questions about *how* to do things ("how do I add a
scene?") and negations ("don't delete scene 2") are not commands.

Adding an intent: a dataclass below, its patterns and a builder, one `Command` in COMMANDS (its
place in the list is its priority), and its tool call or answer in model.py.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from backend.assistant.offline.words import (
    ASPECT_WORDS,
    AUDIO_WORDS,
    FIELD_WORDS,
    FROM_END,
    MOVEMENT_WORDS,
    NUMBER,
    ORDINAL_WORDS,
    ORDINALS,
    SCENE_NOUN,
    SHOT_WORDS,
    STARTS_WITH_A_VERB,
    VERBS,
    choice,
    compile_all,
    free_text,
    lookup,
    number,
    quoted,
    scene_list,
    scene_ref,
    title_until,
)

DEFAULT_SCENE_TITLE = "New scene"


@dataclass(frozen=True)
class SceneRef:
    """A scene as the user named it: by 1-based number, counted from the end (1 is the last),
    by title, as the scene the conversation last touched ("it"), or the one before that."""

    number: int | None = None
    from_end: int | None = None
    title: str | None = None
    it: bool = False
    previous: bool = False

    def describe(self) -> str:
        if self.number is not None:
            return f"scene {self.number}"
        if self.from_end == 1:
            return "the last scene"
        if self.from_end is not None:
            return f"scene {self.from_end} from the end"
        if self.title is not None:
            return f"the scene “{self.title}”"
        return "the previous scene" if self.previous else "the scene you meant by “it”"


@dataclass(frozen=True)
class ShowProject:
    pass


@dataclass(frozen=True)
class ShowScene:
    scene: SceneRef


@dataclass(frozen=True)
class AskScenes:
    """ "how many scenes", "which scenes have no script": the scenes, or those with (or
    without) `field`."""

    field: str | None = None
    missing: bool = True


@dataclass(frozen=True)
class AskRuntime:
    pass


@dataclass(frozen=True)
class CreateScene:
    """`order` is 0-based; `after` / `before` place it next to a scene named by title or "it"."""

    title: str
    script: str | None = None
    image_url: str | None = None
    order: int | None = None
    after: SceneRef | None = None
    before: SceneRef | None = None


@dataclass(frozen=True)
class UpdateScript:
    scene: SceneRef
    script: str


@dataclass(frozen=True)
class UpdateImage:
    scene: SceneRef
    image_url: str


@dataclass(frozen=True)
class UsePicture:
    """A picture sent with the message, to show on a scene: `picture` is its number (1-based;
    -1 is the last one)."""

    scene: SceneRef
    picture: int = 1


@dataclass(frozen=True)
class RenameScene:
    scene: SceneRef
    title: str


@dataclass(frozen=True)
class MoveScene:
    """`position` is 1-based; `to_end` puts it last; `after` / `before` name another scene;
    `by` moves it that many places later (earlier when negative)."""

    scene: SceneRef
    position: int | None = None
    to_end: bool = False
    after: SceneRef | None = None
    before: SceneRef | None = None
    by: int | None = None


@dataclass(frozen=True)
class SwapScenes:
    first: SceneRef
    second: SceneRef


@dataclass(frozen=True)
class DeleteScene:
    scene: SceneRef


@dataclass(frozen=True)
class DeleteAllScenes:
    """ "Delete all the scenes", "clear the board": every scene the project has when asked."""


@dataclass(frozen=True)
class UpdateProject:
    title: str | None = None
    description: str | None = None
    aspect_ratio: str | None = None


@dataclass(frozen=True)
class SetSceneFields:
    """Storyboard fields of one scene: (field, value) pairs for `update_scene`."""

    scene: SceneRef
    fields: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class AddAudio:
    """A line of sound for a scene, added under what it already has."""

    scene: SceneRef
    label: str
    text: str


@dataclass(frozen=True)
class Creative:
    """A request for new writing ("make the intro punchier"), which needs a real model."""

    request: str


@dataclass(frozen=True)
class Unsupported:
    """Something about the board no tool does ("duplicate the market", "undo that")."""

    request: str


@dataclass(frozen=True)
class Unparsed:
    """The part of a message after the commands that the scanner could not read."""

    text: str


Intent = (
    ShowProject | ShowScene | AskScenes | AskRuntime | CreateScene | UpdateScript | UpdateImage
    | UsePicture | RenameScene | MoveScene | SwapScenes | DeleteScene | DeleteAllScenes
    | UpdateProject | SetSceneFields | AddAudio | Creative | Unsupported | Unparsed
)  # fmt: skip

SCENE_REF_INTENTS = (
    UpdateScript, UpdateImage, UsePicture, RenameScene, MoveScene, SwapScenes, DeleteScene,
    SetSceneFields, AddAudio, ShowScene
)  # fmt: skip
# Intents that only read: they need the project looked up, and change nothing.
READ_INTENTS = (ShowProject, ShowScene, AskScenes, AskRuntime)
# Intents answered from the words alone: no lookup, no tool.
NOTE_INTENTS = (Creative, Unsupported, Unparsed)

# --- building blocks -----------------------------------------------------------------------------

# An unquoted title stops before a connector that starts another command, or at the end.
CONNECTOR_AHEAD = (
    r"(?=\s*(?:[,;]\s*(?:and\s+)?(?:then\s+)?|\.\s+|\s+and\s+(?:then\s+)?|\s+then\s+)"
    r"(?:{verbs})\b{breaks}|\s*,?\s*(?:(?:please|thanks|thank\s+you|too|as\s+well|instead|now|again|then)\b\s*)*"
    r"[.!?]*\s*$)"
)
FILLER = re.compile(
    r"(?:\s|[,;.!?:]|\b(?:please|pls|kindly|ok(?:ay)?|hey|hi|now|also|then|and|next|so|right|"
    r"assistant|could\s+you|can\s+you|would\s+you|will\s+you|i\s+want\s+(?:you\s+)?to|"
    r"i'?d\s+like\s+(?:you\s+)?to|we\s+need\s+to|i\s+need\s+(?:you\s+)?to|let'?s|"
    r"go\s+ahead\s+and|just|quickly|honestly|actually|yeah|yes|yep|alright|great|cool|"
    r"i\s+think|i\s+guess|maybe|um+|hmm+|could\s+we|can\s+we|let\s+us|"
    r"(?:let'?s\s+)?start\s+(?:over|again|from\s+scratch))\b)*",
    re.IGNORECASE,
)
NOT_A_COMMAND = re.compile(
    r"^\s*(?:how\b(?!\s+(?:many|long)\b)|why\b|what\s+if\b|do\s+not\b|don'?t\b|never\b|"
    r"should\s+i\b|is\s+it\b)",
    re.IGNORECASE,
)
THANKS = re.compile(r"^\W*(?:thanks?|thank\s+you|cheers|ta)\b\W*$", re.IGNORECASE)

CONNECTOR = CONNECTOR_AHEAD.format(verbs=VERBS, breaks=r"|\s*(?:,|;|\s[—–-])\s")
"""Where an unquoted title ends: before another command, a comma or a dash, or at the end."""
LIST_CONNECTOR = CONNECTOR_AHEAD.format(verbs=VERBS, breaks="")
"""The same, but a comma goes on: "add scenes Dawn, Noon and Dusk"."""
URL = r"(?P<url>\S+?)(?=[.,;!?)]*(?:\s|$))"
TO = r"\s*(?:(?:to|with|as|into)\s*[:=]?|[:=]|->|→)\s*"
SCRIPT_VERB = r"(?:set|update|write|change|replace|put|make|give)"
POSSESSIVE_SCRIPT = r"(?:'s)?\s+script"
SPACE_TO_OR_AS = r"\s+(?:to|as)\s+"
SPACE_TO = r"\s+to\s+"
SPACE = r"\s+"
SPACE_MOVE_WORD = (
    r"\s+(?:(?:up\s+|down\s+|back\s+)?(?:to|after|before|at|ahead\s+of|behind|so|"
    r"in\s+front\s+of|following|between)\b|"
    rf"(?:right\s+|just\s+)(?:after|before)\b|(?:{ORDINAL_WORDS}|last|first)\b)"
)
IMAGE_NOUN = r"(?:image|picture|photo|still|thumbnail|frame)"
POSSESSIVE_IMAGE = rf"(?:'s)?\s+{IMAGE_NOUN}"
PROJECT = r"(?:the\s+|this\s+|my\s+|our\s+)?(?:project|storyboard|video|film|movie|board)"
DELETE_VERB = (
    r"(?:delete|remove|drop|get\s+rid\s+of|cut|kill|scrap|ditch|lose|trash|take\s+out|axe|nix)"
)


def _group(match: re.Match[str], name: str) -> str | None:
    for suffix in ("_dq", "_cq", "_sq", "_csq", "_raw"):
        value = match.groupdict().get(name + suffix)
        if value is not None:
            return value.strip()
    return None


def _ordinal(word: str) -> SceneRef:
    word = " ".join(re.split(r"[-\s]+", word.lower()))
    if word in FROM_END or word == "second last":
        return SceneRef(from_end=FROM_END.get(word, 2))
    if word[:1].isdigit():
        return SceneRef(number=int(re.sub(r"\D", "", word)))
    return SceneRef(number=ORDINALS[word])


def _scene_ref(match: re.Match[str], name: str) -> SceneRef | None:
    groups = match.groupdict()
    if groups.get(name + "_ord"):
        return _ordinal(groups[name + "_ord"])
    if groups.get(name + "_num") or groups.get(name + "_digits"):
        return SceneRef(number=number(groups[name + "_num"] or groups[name + "_digits"]))
    if groups.get(name + "_prev"):
        return SceneRef(previous=True)
    if groups.get(name + "_it"):
        return SceneRef(it=True)
    for variant in ("_t", "_q", "_bare", "_word"):
        title = _group(match, name + variant)
        if title:
            unquoted = match.groupdict().get(name + variant + "_raw") is not None
            if unquoted and variant != "_t" and STARTS_WITH_A_VERB.match(title):
                return None
            return SceneRef(title=_said_title(title) if unquoted else _clean_title(title))
    return None


def _scene_refs(match: re.Match[str], name: str) -> list[SceneRef]:
    groups = match.groupdict()
    if groups.get(name + "_count"):
        count = number(groups[name + "_count"])
        if groups[name + "_edge"].lower() == "first":
            return [SceneRef(number=n) for n in range(1, count + 1)]
        return [SceneRef(from_end=n) for n in range(count, 0, -1)]
    if groups.get(name + "_from"):
        low, high = sorted((number(groups[name + "_from"]), number(groups[name + "_to"])))
        return [SceneRef(number=n) for n in range(low, high + 1)]
    if groups.get(name + "_numbers"):
        said = re.findall(NUMBER, groups[name + "_numbers"], re.IGNORECASE)
        return [SceneRef(number=number(n)) for n in said]
    refs = [_scene_ref(match, name + "_a"), _scene_ref(match, name + "_b")]
    return [ref for ref in refs if ref is not None] if all(refs) else []


def _clean_title(title: str) -> str:
    return title.strip().strip(".!?,;").strip()


def _said_title(title: str) -> str:
    """An unquoted title as a reference: "the interview scenes" names “interview”."""
    return re.sub(r"\s+(?:scenes?|shots?)$", "", _clean_title(title), flags=re.IGNORECASE)


def _url(match: re.Match[str]) -> str:
    return match.group("url").strip("<>\"'“”")


# --- the commands --------------------------------------------------------------------------------

Parsed = tuple[list[Intent], int]


@dataclass(frozen=True)
class Command:
    """Patterns tried at one point of the message, and what a match means (None: not this)."""

    patterns: list[re.Pattern[str]]
    build: Callable[[re.Match[str]], list[Intent] | Parsed | None]


def _one_scene(
    make: Callable[[SceneRef, re.Match[str]], Intent],
) -> Callable[[re.Match[str]], list[Intent] | None]:
    """A builder for a command about one scene named by the group `ref`."""

    def build(match: re.Match[str]) -> list[Intent] | None:
        ref = _scene_ref(match, "ref")
        return [make(ref, match)] if ref else None

    return build


SECONDS = rf"(?P<seconds>\d+(?:\.\d+)?|{NUMBER})\s*(?:s|secs?|seconds?)\b(?:\s+long)?"
ADJECTIVES = r"(?:(?:slow|quick|fast|gentle|smooth|subtle|steady|soft|hard|rapid|nice)\s+)*"
SCENE_THEN_SHOT = r"\s+(?:(?:in)?to\s+|be\s+)?(?:a|an)\s+"
SHOULD_BE = (
    r"\s+(?:should\s+be|is|becomes?|will\s+be|needs|gets|wants|could\s+use|should\s+have)\s+"
    r"(?:a|an)\s+"
)
LASTS = r"\s+(?:is|lasts|runs|should\s+(?:be|last|run))\b"
SPACE_DIGIT = rf"\s+(?:for\s+)?(?:\d|(?:{NUMBER})\s+sec)"
COLON = r"\s*[:=]"
ON_SCENE = r"\s+(?:on|for|in|to)\s+"


def _shot(ref: SceneRef, match: re.Match[str]) -> Intent:
    return SetSceneFields(ref, (("shot_size", lookup(SHOT_WORDS, match.group("shot"))),))


def _duration(ref: SceneRef, match: re.Match[str]) -> Intent:
    said = match.group("seconds")
    seconds = float(said) if said[:1].isdigit() else float(number(said))
    return SetSceneFields(
        ref, (("duration_seconds", int(seconds) if seconds.is_integer() else seconds),)
    )


def _camera(ref: SceneRef, match: re.Match[str]) -> Intent:
    movement = lookup(MOVEMENT_WORDS, match.group("movement"))
    return SetSceneFields(ref, (("camera_movement", movement),))


def _audio(ref: SceneRef, match: re.Match[str]) -> Intent:
    return AddAudio(ref, lookup(AUDIO_WORDS, match.group("sound")), _group(match, "text") or "")


SHOT = compile_all(
    rf"(?:make|set|change|turn|have|give)\s+{scene_ref('ref', SCENE_THEN_SHOT)}{SCENE_THEN_SHOT}"
    rf"{ADJECTIVES}{choice('shot', SHOT_WORDS)}(?:\s+shot)?",
    rf"{scene_ref('ref', SHOULD_BE)}{SHOULD_BE}{ADJECTIVES}{choice('shot', SHOT_WORDS)}"
    rf"(?:\s+shot)?",
    rf"(?:set|change|make)\s+(?:the\s+)?shot(?:\s+size)?\s+(?:of|for|in)\s+"
    rf"{scene_ref('ref', TO)}{TO}(?:a\s+|an\s+)?{choice('shot', SHOT_WORDS)}(?:\s+shot)?",
    rf"(?:use\s+)?(?:a\s+|an\s+)?{choice('shot', SHOT_WORDS)}(?:\s+shot)?{ON_SCENE}"
    rf"{scene_ref('ref', CONNECTOR)}",
)
DURATION = compile_all(
    rf"{scene_ref('ref', LASTS)}{LASTS}\s+(?:for\s+)?{SECONDS}",
    rf"(?:make|set|give)\s+{scene_ref('ref', SPACE_DIGIT)}\s+(?:for\s+)?{SECONDS}",
    rf"(?:set|change|make)\s+(?:the\s+)?(?:duration|length)\s+(?:of|for)\s+"
    rf"{scene_ref('ref', TO)}{TO}{SECONDS}",
)
CAMERA = compile_all(
    rf"(?:set|change|make|use)\s+(?:the\s+)?camera(?:\s+(?:movement|move|motion))?\s+"
    rf"(?:of|for|in|on)\s+{scene_ref('ref', TO)}{TO}(?:a\s+|an\s+)?{ADJECTIVES}"
    rf"{choice('movement', MOVEMENT_WORDS)}",
    rf"(?:make|turn|give)\s+{scene_ref('ref', SCENE_THEN_SHOT)}{SCENE_THEN_SHOT}{ADJECTIVES}"
    rf"{choice('movement', MOVEMENT_WORDS)}(?:\s+(?:shot|move))?",
    rf"{scene_ref('ref', SHOULD_BE)}{SHOULD_BE}{ADJECTIVES}{choice('movement', MOVEMENT_WORDS)}"
    r"(?:\s+(?:shot|move|camera))?",
    rf"(?:use\s+|do\s+)?(?:a\s+|an\s+)?{ADJECTIVES}{choice('movement', MOVEMENT_WORDS)}"
    rf"(?:\s+(?:camera|shot|move))?{ON_SCENE}{scene_ref('ref', CONNECTOR)}",
)
AUDIO = compile_all(
    rf"add\s+(?:a\s+|an\s+|some\s+)?{choice('sound', AUDIO_WORDS)}\s+(?:to|for|on|in)\s+"
    rf"{scene_ref('ref', COLON)}{COLON}\s*{free_text('text')}",
    rf"(?:set|put|change|make)\s+(?:the\s+|a\s+|some\s+)?{choice('sound', AUDIO_WORDS)}\s+"
    rf"(?:to|for|on|in|of)\s+{scene_ref('ref', TO)}{TO}{free_text('text')}",
)
ASPECT = compile_all(
    rf"(?:make|turn|switch|set|change|reformat)\s+(?:it|{PROJECT}|the\s+(?:frames|format|"
    rf"aspect(?:\s+ratio)?))\s+(?:(?:in)?to\s+|as\s+)?(?:a\s+|an\s+)?"
    rf"{choice('ratio', ASPECT_WORDS)}(?:\s+(?:format|video|frames?))?",
    rf"(?:go|shoot|frame|switch\s+to|make\s+it)\s+{choice('ratio', ASPECT_WORDS)}[^.?!]*",
    rf"(?:it|{PROJECT}|the\s+whole\s+thing|everything)\s+(?:should|must|will|needs\s+to|has\s+to)"
    rf"\s+be\s+(?:in\s+)?(?:a\s+)?{choice('ratio', ASPECT_WORDS)}[^.?!]*",
    rf"(?:go|shoot|frame|do|deliver|cut|finish)\b[^.?!]*?\b(?:in|as|for)\s+(?:a\s+)?"
    rf"{choice('ratio', ASPECT_WORDS)}[^.?!]*",
)
RUNTIME = compile_all(
    r"(?:how\s+long\s+(?:is|will|does|do|would)\b(?!\s+(?:the\s+)?(?:scene|shot)\b)"
    r"|what(?:'s|\s+is)\s+(?:the\s+|our\s+)?(?:total\s+)?(?:runtime|run\s*time|running\s+time|"
    r"length|duration)(?!\s+(?:of\s+)?(?:the\s+)?(?:scene|shot)\b))[^.?!]*[?.!]*",
)


def _aspect(match: re.Match[str]) -> list[Intent]:
    return [UpdateProject(aspect_ratio=lookup(ASPECT_WORDS, match.group("ratio")))]


CREATE = compile_all(
    r"(?:add|create|insert|make|append)\s+(?:me\s+)?(?:(?:a|an|one|another|new|more|blank|empty|"
    r"quick|short|extra|little|brief|insert|establishing|final|opening)\s+)*"
    rf"(?:(?P<count>{NUMBER})\s+(?:new\s+|blank\s+|empty\s+|more\s+)?)?(?:new\s+)?"
    r"(?P<plural>scenes|scene|shots|shot)\b(?P<rest>.*)$",
    r"(?:a\s+)?new\s+(?P<count>)(?P<plural>scene|shot)\b(?P<rest>.*)$",
)
# "… and a scene called Outro" right after a create: the verb carries over.
CONTINUE_CREATE = compile_all(
    r"(?:(?:a|an|another|one\s+more)\s+(?:new\s+)?)(?P<count>)(?P<plural>scene)\b(?P<rest>.*)$"
)
ANOTHER_SCENE_AHEAD = (
    r"\s*(?:,\s*|\s+and\s+)(?:also\s+)?(?:a|an|another|one\s+more)\s+(?:new\s+)?scene\b"
)
SPACE_ARTICLE = r"\s+(?:a|the|this|new)\s"
SCRIPT = compile_all(
    rf"{SCRIPT_VERB}\s+(?:the\s+|a\s+|new\s+)*script\s+(?:of|for|in|on)\s+{scene_ref('ref', TO)}"
    rf"{TO}{free_text('text')}",
    rf"(?:set|update|change|replace)\s+{scene_ref('ref', POSSESSIVE_SCRIPT)}(?:'s)?\s+script"
    rf"{TO}{free_text('text')}",
    rf"give\s+{scene_ref('ref', SPACE_ARTICLE)}\s+(?:a\s+|the\s+|this\s+|new\s+)*"
    rf"script{TO}{free_text('text')}",
    scene_ref("ref", POSSESSIVE_SCRIPT) + r"(?:'s)?\s+script\s*[:=]\s*" + free_text("text"),
    rf"(?:the\s+|new\s+)?script\s+(?:of|for|in)\s+{scene_ref('ref', COLON)}{COLON}\s*"
    + free_text("text"),
)
IMAGE = compile_all(
    r"(?:set|change|use|update|make|replace|put)\s+(?:the\s+|an\s+|a\s+)?"
    r"(?:image|picture|photo|thumbnail|still)(?:\s+url)?\s+(?:of|for|on|in)\s+"
    rf"{scene_ref('ref', TO)}{TO}{URL}",
    rf"(?:set|change|update)\s+{scene_ref('ref', POSSESSIVE_IMAGE)}(?:'s)?\s+{IMAGE_NOUN}"
    rf"(?:\s+url)?{TO}{URL}",
    rf"use\s+{URL}\s+(?:as|for)\s+(?:the\s+)?(?:image|picture|still)\s+(?:of|for|in)\s+"
    rf"{scene_ref('ref', CONNECTOR)}",
)
# A picture sent with the message: "this picture", "the second photo", "image 2".
SENT_PICTURE = (
    r"(?:(?:this|that|the|my)\s+(?:(?P<pic_ord>first|second|third|fourth|last)\s+)?"
    r"(?:attached\s+|uploaded\s+|new\s+)?(?:picture|image|photo|pic)"
    r"|(?:picture|image|photo|pic)\s+(?P<pic_num>[1-4]|one|two|three|four)\b)"
)
USE_PICTURE = compile_all(
    rf"(?:use|put|set|make|place)\s+{SENT_PICTURE}\s+(?:for|on|in|as|into|onto)\s+"
    rf"(?:the\s+(?:image|picture|photo)\s+(?:of|for|in)\s+)?{scene_ref('ref', CONNECTOR)}",
    rf"(?:set|change|make|update|replace)\s+(?:the\s+)?{IMAGE_NOUN}\s+(?:of|for|on|in)\s+"
    rf"{scene_ref('ref', TO)}{TO}{SENT_PICTURE}",
    rf"{SENT_PICTURE}\s+(?:is\s+for|goes\s+(?:on|with|in|to))\s+{scene_ref('ref', CONNECTOR)}",
)
ARROW = r"\s*(?:→|->|=>|⟶)\s*"
RENAME_SCENE = compile_all(
    r"(?:rename|retitle|re-title)\s+"
    + scene_ref("ref", SPACE_TO_OR_AS)
    + r"\s+(?:to|as)\s+"
    + title_until("title", CONNECTOR),
    r"(?:change|set|update)\s+(?:the\s+)?(?:title|name)\s+of\s+"
    + scene_ref("ref", SPACE_TO)
    + r"\s+to\s+"
    + title_until("title", CONNECTOR),
    r"(?:change|set|update)\s+"
    + scene_ref("ref", r"(?:'s)?\s+(?:title|name)")
    + r"(?:'s)?\s+(?:title|name)\s+to\s+"
    + title_until("title", CONNECTOR),
    r"(?:rename|retitle|change)\s+"
    + scene_ref("ref", ARROW)
    + ARROW
    + title_until("title", CONNECTOR),
    r"(?:call|title|name|rename|retitle)\s+"
    + scene_ref("ref", SPACE)
    + r"\s+"
    + title_until("title", CONNECTOR),
)
POSITION = (
    rf"(?:(?:up|down|back)\s+)?(?:to\s+)?(?:the\s+)?(?:very\s+)?"
    rf"(?:(?P<edge>start|beginning|front|top|end|bottom|back)"
    rf"|(?:position|place|spot|slot|number)\s*(?P<pos>\d+)"
    rf"|(?P<posord>{ORDINAL_WORDS}|last)(?:\s+(?:position|place|spot|slot))?"
    rf"|(?P<bare>\d+))"
)
GOES = (
    r"\s+(?:really\s+)?(?:(?:needs|has|ought|wants)\s+to\s+|should\s+|must\s+|can\s+|could\s+|"
    r"would\s+)?(?:go|goes|come|comes|be|sit|sits|belong|belongs|play|plays|work|works)"
    r"(?:\s+better)?\s+(?=\S)"
)
AND_AHEAD = r"\s+and\s"
STEP_AHEAD = r"\s+(?:up|down|forward|back|later|earlier)\s+(?:by\s+)?(?:a|\d|one|two|three)\b"
SO_IT = r"(?:so\s+(?:that\s+)?it\s+(?:comes|goes|sits|is|plays)\s+)?"
AFTER = SO_IT + r"(?:right\s+|just\s+)?(?:after|behind|following)"
BEFORE = SO_IT + r"(?:right\s+|just\s+)?(?:before|ahead\s+of|in\s+front\s+of)"
MOVE = compile_all(
    r"(?:move|put|shift|bump|place|slide|push|pull)\s+" + scene_ref("ref", SPACE_MOVE_WORD) + r"\s+"
    rf"(?:{AFTER}\s+{scene_ref('after', CONNECTOR)}|{BEFORE}\s+{scene_ref('before', CONNECTOR)}"
    rf"|(?:at\s+)?{POSITION}(?:\s+of\s+the\s+(?:list|project|storyboard|board))?)",
    r"(?:move|put|shift|bump|place|slide)\s+"
    + scene_ref("ref", r"\s+between\s")
    + rf"\s+between\s+{scene_ref('after', AND_AHEAD)}\s+and\s+{scene_ref('other', CONNECTOR)}",
    r"(?:move|put|shift|bump|push|slide)\s+"
    + scene_ref("ref", STEP_AHEAD)
    + rf"\s+(?P<direction>up|down|forward|back|later|earlier)\s+(?:by\s+)?"
    rf"(?:a\s+(?:spot|place|slot|position)|(?P<steps>{NUMBER})(?:\s+(?:spots?|places?|slots?|"
    rf"positions?))?)",
    scene_ref("ref", GOES) + rf"{GOES}(?:{AFTER}\s+{scene_ref('after', CONNECTOR)}|{BEFORE}\s+"
    rf"{scene_ref('before', CONNECTOR)}|(?:at\s+)?{POSITION}(?:\s+(?:thing|scene|shot|one)\b"
    r"[^.?!]*)?)",
    rf"(?P<opening>open|start|begin|end|close|finish)\s+(?:the\s+(?:film|cut|video)\s+)?"
    rf"(?:on|with)\s+{scene_ref('ref', CONNECTOR)}",
)
SWAP_AHEAD = r"(?=\s+(?:need\s+to\s+|should\s+|must\s+|can\s+)?)"
SWAP = compile_all(
    r"(?:swap|switch|flip|exchange|trade|reverse)\s+(?:round\s+|around\s+)?(?:the\s+)?"
    r"(?:(?:order|positions?|places?|spots?)\s+of\s+(?:the\s+)?)?"
    + scene_list(
        "refs",
        r"\s*(?:around|round|over|places|positions|\s*[.!?]*\s*$|"
        + CONNECTOR.removeprefix("(?=")[:-1]
        + ")",
    )
    + r"(?:\s+(?:around|round|over|places|positions))?",
    scene_list("refs", SWAP_AHEAD)
    + SWAP_AHEAD.removeprefix("(?=")[:-1]
    + r"\s*(?:swap|switch|trade|exchange)\s*(?:places|positions|spots|around|round)?",
)
# Not "delete all scenes but the first": an exception anywhere in the sentence changes what
# "all" means, so the request is not read as "delete all" (it is left to be asked again).
_NO_EXCEPTION = r"(?![^.;!?\n]*\b(?:except|but|apart\s+from|other\s+than|besides|save\s+for)\b)"
DELETE_ALL = compile_all(
    rf"{DELETE_VERB}\s+(?:all|every|each)(?:\s+(?:of\s+)?(?:the|my))?\s+(?:scenes?|shots?|frames?)\b"
    rf"(?:\s+(?:of|in|from)\s+(?:the|this|my)\s+(?:project|board|storyboard)\b)?{_NO_EXCEPTION}",
    rf"(?:clear|wipe|empty)\s+(?:out\s+)?(?:the|this|my)\s+(?:board|storyboard)\b{_NO_EXCEPTION}",
    rf"{DELETE_VERB}\s+(?:everything|them\s+all|all\s+of\s+them)\b{_NO_EXCEPTION}",
)
DELETE_SEVERAL = compile_all(rf"{DELETE_VERB}\s+(?:both\s+)?{scene_list('refs', CONNECTOR)}")
DELETE = compile_all(rf"{DELETE_VERB}\s+{scene_ref('ref', CONNECTOR)}")
UPDATE_PROJECT = compile_all(
    rf"(?:rename|retitle)\s+{PROJECT}\s+(?:(?:to|as)\s+)?{title_until('title', CONNECTOR)}",
    rf"(?:change|set|update)\s+(?:the\s+)?(?:{PROJECT}(?:'s)?\s+)?(?:title|name)"
    rf"(?:\s+of\s+{PROJECT})?{TO}{title_until('title', CONNECTOR)}",
    rf"(?:call|name|title)\s+{PROJECT}\s+{title_until('title', CONNECTOR)}",
    rf"(?:a\s+)?(?:new\s+)?(?:title|name)\s+(?:for|of)\s+{PROJECT}{TO}"
    rf"{title_until('title', CONNECTOR)}",
    rf"(?:set|change|update|write|replace)\s+(?:the\s+)?(?:{PROJECT}(?:'s)?\s+)?description"
    rf"(?:\s+of\s+{PROJECT})?{TO}{free_text('description')}",
    rf"describe\s+{PROJECT}\s+as\s+{free_text('description')}",
)
SHOW = compile_all(
    r"(?:show|describe|summari[sz]e|list|display|recap|outline|review|read|print|give\s+me|"
    r"walk\s+me\s+through|go\s+through|run\s+through|tell\s+me\s+about|"
    r"what(?:'s|\s+is|\s+are|\s+do\s+we\s+have\s+in))\b"
    r"[^.?!]*?\b(?:project|scenes|shots|storyboard|board|plan|outline|summary|overview|rundown|"
    r"shot\s*list|every\s+scene|all\s+(?:the\s+)?scenes?|everything)\b[^.?!]*[.?!]*",
    r"(?:status|overview|summary|recap)\s*[.?!]*\s*$",
    r"what(?:'ve|\s+have|\s+do)\s+(?:we|i)\s+(?:got|have)\b[^.?!]*[.?!]*",
)
SCENE_QUESTION_END = (
    r"\s*(?:(?:called|about|say|say\s+again|contain|look\s+like|have)\b)?"
    r"(?:\s+(?:right\s+)?now|\s+at\s+the\s+moment|\s+so\s+far)?[?.!]*"
)
END_OR_CONNECTOR = r"\s*[?.!]*\s*$|" + CONNECTOR.removeprefix("(?=")[:-1]
QUESTION_END = SCENE_QUESTION_END + r"\s*$"
HAS_AHEAD = r"(?=\s+(?:missing|lacking|have|has|got|still|need|needs|without|empty)\b)"
SHOW_SCENE = compile_all(
    rf"(?:(?:tell|remind)\s+(?:me|us)\s+)?(?:what(?:'s|\s+is|\s+happens|\s+goes\s+on))\s+in\s+"
    rf"{scene_ref('ref', END_OR_CONNECTOR)}",
    rf"what(?:\s+is|'s|\s+does|\s+did)\s+{scene_ref('ref', QUESTION_END)}"
    rf"{SCENE_QUESTION_END}",
    r"(?:show|read|tell|remind)\s+(?:me\s+|us\s+)?(?:again\s+)?(?:about\s+|what\s+is\s+in\s+)?"
    rf"(?:the\s+)?(?:script|text|lines|details)?\s*(?:of|for|in)?\s*"
    rf"{scene_ref('ref', END_OR_CONNECTOR)}",
    rf"describe\s+{scene_ref('ref', CONNECTOR)}",
    rf"(?:is|does|has)\s+{scene_ref('ref', HAS_AHEAD)}{HAS_AHEAD}[^.?!]*[.?!]*",
    rf"(?:is|are)\s+there\s+(?:a|an|any)\s+\w+(?:\s+\w+)?\s+(?:for|in|on)\s+"
    rf"{scene_ref('ref', END_OR_CONNECTOR)}",
)
MISSING = (
    r"(?:no|without|missing|lacking|lack|need|needs|still\s+need|don'?t\s+have|do\s+not\s+have|"
    r"doesn'?t\s+have|haven'?t\s+got|have\s+not\s+got|with\s+an?\s+empty|with\s+empty|are\s+"
    r"missing|is\s+missing|have\s+no|has\s+no)"
)
FIELD = r"\b" + choice("field", FIELD_WORDS)
ASK_SCENES = compile_all(
    rf"(?:(?:tell|show)\s+(?:me|us)\s+)?(?:how\s+many|(?:what\s+is|what'?s)\s+the\s+number\s+of|"
    rf"count\s+the)\s+{SCENE_NOUN}"
    r"(?P<rest>[^.?!]*)[.?!]*",
    rf"(?:which|what)\s+(?:of\s+(?:the|my|our)\s+)?{SCENE_NOUN}\b(?P<rest>[^.?!]*)[.?!]*",
    rf"(?:are\s+there\s+|is\s+there\s+|do\s+we\s+have\s+|do\s+i\s+have\s+)?any\s+"
    rf"{SCENE_NOUN}\b(?P<rest>[^.?!]*)[.?!]*",
    rf"(?:list|show|find|give)\s+(?:me\s+)?(?:all\s+)?(?:the\s+)?{SCENE_NOUN}\s+"
    rf"(?P<rest>(?:with|without|that|missing|lacking|which|where)\b[^.?!]*)[.?!]*",
)


def _ask_scenes(match: re.Match[str]) -> list[Intent] | None:
    rest = match.group("rest")
    field = re.search(FIELD, rest, re.IGNORECASE)
    if field is None:
        return [AskScenes()]
    missing = re.search(MISSING, rest[: field.start()], re.IGNORECASE) is not None
    return [AskScenes(lookup(FIELD_WORDS, field.group("field")), missing)]


CREATIVE = compile_all(
    r"(?:(?:re)?write|draft|compose|come\s+up\s+with|think\s+(?:up|of)|suggest|brainstorm|"
    r"generate|invent|improve|polish|punch\s+up|tighten|rework|redo|spice\s+up|jazz\s+up|"
    r"liven\s+up|flesh\s+out|expand|shorten|trim|edit|fix|help\s+me\s+(?:write|with)|"
    r"give\s+me\s+(?:some\s+)?(?:ideas|suggestions|options|a\s+few)|pitch|punch)\b[^.?!]*[.?!]*",
    r"make\s+[^.?!]*?\b(?:more|less|better|worse|\w+(?:er|ier))\b[^.?!]*[.?!]*",
    r"(?:any|some)\s+(?:ideas|suggestions)\b[^.?!]*[.?!]*",
    r"(?:get|want|need|have)\s+[^.?!]*?\b(?:more|less|better|\w+ier)\s+\w+[^.?!]*[.?!]*",
    r"(?:give|find|pick|need)\s+[^.?!]*?\b(?:better|catchier|stronger|new|good)\s+"
    r"(?:name|title|line|opening|ending|hook)\b[^.?!]*[.?!]*",
    r"what\s+(?:should|could|would)\s+(?:i|we)\b[^.?!]*[.?!]*",
)


ANCHOR_END = r"\s*(?:,|\bwith\b|\bat\b|\band\b|$|[.!?]\s*$)|" + CONNECTOR.removeprefix("(?=")[:-1]


UNSUPPORTED = compile_all(
    r"(?:duplicate|copy|clone|undo|redo|revert|restore|merge|combine|join|split|export|render|"
    r"upload|share|publish|download|print|color\s+grade|colou?r|animate|preview|play)\b[^.?!]*[.?!]*",
    r"(?:put|keep|place)\s+[^.?!]*\b(?:next\s+to|together|side\s+by\s+side)\b[^.?!]*[.?!]*",
)


def _parse_create(match: re.Match[str]) -> Parsed:
    """`add a scene called X [at the start | at position N | after scene N] [with script …]`,
    or several: `add scenes A, B and C` / `add 3 scenes`."""
    rest = match.group("rest")
    plural = match.group("plural").lower() in ("scenes", "shots")
    count = number(match.group("count")) if match.group("count") else (1 if not plural else 0)
    details = re.match(
        r"\s*(?:(?:called|titled|named|:)\s*)?"
        rf"(?P<titles>{quoted('one')}(?:\s*(?:,|and|&)\s*{quoted('more')})*|.*?)"
        r"(?=\s*(?:\bat\s+(?:the\s+)?(?:very\s+)?(?:start|beginning|front|top|end|bottom)\b|"
        r"\bat\s+position\b|\bas\s+(?:the\s+)?\w+\s+scene\b|"
        r"(?<=\S)\s+(?:right\s+|just\s+)?(?:after|before|between|following)\s+(?:the\s|scenes?\s|it\b|[“\"'])|"
        r"\bwith\s+(?:the\s+|a\s+)?(?:script|image|picture)\b|"
        + ANOTHER_SCENE_AHEAD
        + "|"
        + LIST_CONNECTOR.removeprefix("(?=")[:-1]
        + r"))",
        rest,
        re.IGNORECASE | re.DOTALL,
    )
    titles_text = details.group("titles").strip() if details else ""
    after_titles = rest[details.end() :] if details else rest
    titles = (
        _split_titles(titles_text)
        if plural
        else ([_clean_title(titles_text)] if titles_text else [])
    )
    if titles and not plural and titles_text[:1] in "\"“'‘":
        titles = [_split_titles(titles_text)[0]] if _split_titles(titles_text) else titles
    if not titles:
        titles = [DEFAULT_SCENE_TITLE] * max(count, 1)
    elif plural and count > len(titles):
        titles += [DEFAULT_SCENE_TITLE] * (count - len(titles))

    order: int | None = None
    script: str | None = None
    image_url: str | None = None
    after: SceneRef | None = None
    before: SceneRef | None = None
    consumed = len(rest) - len(after_titles)
    while True:
        option = re.match(
            r"\s*(?:,\s*)?(?:"
            r"at\s+(?:the\s+)?(?:very\s+)?(?P<edge>start|beginning|front|top|end|bottom)"
            r"(?:\s+of\s+the\s+\w+)?"
            r"|at\s+position\s+(?P<pos>\d+)"
            rf"|as\s+(?:the\s+)?(?P<ord>{ORDINAL_WORDS})\s+scene"
            r"|(?P<rel>after|before)\s+scene\s+(?P<relnum>\d+)\b"
            r"|between\s+scenes?\s+(?P<between>\d+)\s+and\s+(?:scene\s+)?\d+"
            rf"|(?:right\s+|just\s+)?(?P<anchor>after|following|before|between)\s+"
            rf"{scene_ref('anchor', ANCHOR_END)}(?:\s+and\s+{scene_ref('other', ANCHOR_END)})?"
            rf"|(?:called|titled|named)\s+{title_until('late', ANCHOR_END)}"
            r"|with\s+(?:the\s+|a\s+)?(?:image|picture)(?:\s+url)?\s*(?::|=)?\s*(?P<url>\S+?)"
            r"(?=[.,;!?)]*(?:\s|$))"
            rf"|with\s+(?:the\s+|a\s+)?script\s*(?::|=)?\s*{free_text('script')}"
            r")",
            after_titles,
            re.IGNORECASE | re.DOTALL,
        )
        if option is None:
            break
        if option.group("edge"):
            order = (
                0
                if option.group("edge").lower() in ("start", "beginning", "front", "top")
                else None
            )
        elif option.group("pos"):
            order = max(int(option.group("pos")) - 1, 0)
        elif option.group("ord"):
            order = ORDINALS[option.group("ord").lower()] - 1
        elif option.group("rel"):
            said = int(option.group("relnum"))
            order = said if option.group("rel").lower() == "after" else max(said - 1, 0)
        elif option.group("between"):
            order = int(option.group("between"))
        elif option.group("anchor"):
            anchor = _scene_ref(option, "anchor")
            if option.group("anchor").lower() == "before":
                before = anchor
            else:
                after = anchor
        elif _group(option, "late"):
            titles = [_clean_title(_group(option, "late") or "")]
        elif option.group("url"):
            image_url = option.group("url").strip("<>\"'")
        else:
            script = _group(option, "script")
        consumed += option.end()
        after_titles = after_titles[option.end() :]

    intents: list[Intent] = []
    for index, title in enumerate(titles):
        position = None if order is None else order + index
        intents.append(
            CreateScene(title[:200], script, image_url, position, after, before)
            if index == 0 or (after is None and before is None)
            else CreateScene(title[:200], script, image_url, position)
        )
    return intents, match.start("rest") + consumed


def _split_titles(text: str) -> list[str]:
    quoted_titles = re.findall(r'"([^"]+)"|“([^”]+)”', text)
    if quoted_titles:
        return [first or second for first, second in quoted_titles]
    parts = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", text)
    return [_clean_title(part) for part in parts if _clean_title(part)]


def _update_project(match: re.Match[str]) -> list[Intent]:
    title = _group(match, "title")
    description = _group(match, "description")
    return [UpdateProject(title=_clean_title(title) if title else None, description=description)]


def _rename(ref: SceneRef, match: re.Match[str]) -> Intent:
    return RenameScene(ref, _clean_title(_group(match, "title") or ""))


def _move(ref: SceneRef, match: re.Match[str]) -> Intent:
    groups = match.groupdict()
    if groups.get("opening"):
        opens = groups["opening"].lower() in ("open", "start", "begin")
        return MoveScene(ref, position=1) if opens else MoveScene(ref, to_end=True)
    if groups.get("direction"):
        steps = number(groups["steps"]) if groups.get("steps") else 1
        later = groups["direction"].lower() in ("down", "later", "back")
        return MoveScene(ref, by=steps if later else -steps)
    if after := _scene_ref(match, "after"):
        return MoveScene(ref, after=after)
    if before := _scene_ref(match, "before"):
        return MoveScene(ref, before=before)
    if groups.get("edge"):
        return (
            MoveScene(ref, position=1)
            if groups["edge"].lower() in ("start", "beginning", "front", "top")
            else MoveScene(ref, to_end=True)
        )
    if groups.get("posord"):
        word = groups["posord"].lower()
        return (
            MoveScene(ref, to_end=True)
            if word == "last"
            else MoveScene(ref, position=ORDINALS[word])
        )
    return MoveScene(ref, position=max(int(groups.get("pos") or groups.get("bare") or 1), 1))


def _swap(match: re.Match[str]) -> list[Intent] | None:
    refs = _scene_refs(match, "refs")
    return [SwapScenes(refs[0], refs[1])] if len(refs) == 2 else None


def _delete_several(match: re.Match[str]) -> list[Intent] | None:
    return [DeleteScene(ref) for ref in _scene_refs(match, "refs")] or None


def _use_picture(ref: SceneRef, match: re.Match[str]) -> Intent:
    said = match.group("pic_ord") or match.group("pic_num")
    if said is None:
        return UsePicture(ref)
    return UsePicture(
        ref, -1 if said.lower() == "last" else ORDINALS.get(said.lower()) or number(said)
    )


COMMANDS: list[Command] = [
    # First: "set the image of scene 2 to this picture" names no image URL "this".
    Command(USE_PICTURE, _one_scene(_use_picture)),
    # Before CREATE: "make scene 2 a close-up" is not a new scene called "2 a close-up".
    Command(SHOT, _one_scene(_shot)),
    Command(DURATION, _one_scene(_duration)),
    Command(CAMERA, _one_scene(_camera)),
    Command(AUDIO, _one_scene(_audio)),
    Command(ASPECT, _aspect),
    Command(RUNTIME, lambda match: [AskRuntime()]),
    Command(ASK_SCENES, _ask_scenes),
    Command(CREATE, _parse_create),
    Command(SCRIPT, _one_scene(lambda ref, match: UpdateScript(ref, _group(match, "text") or ""))),
    Command(IMAGE, _one_scene(lambda ref, match: UpdateImage(ref, _url(match)))),
    Command(UPDATE_PROJECT, _update_project),
    Command(RENAME_SCENE, _one_scene(_rename)),
    Command(SWAP, _swap),
    Command(MOVE, _one_scene(_move)),
    Command(DELETE_ALL, lambda match: [DeleteAllScenes()]),
    Command(DELETE_SEVERAL, _delete_several),
    Command(DELETE, _one_scene(lambda ref, match: DeleteScene(ref))),
    Command(SHOW, lambda match: [ShowProject()]),
    Command(SHOW_SCENE, _one_scene(lambda ref, match: ShowScene(ref))),
    Command(CREATIVE, lambda match: [Creative(match.group(0).strip())]),
    Command(UNSUPPORTED, lambda match: [Unsupported(match.group(0).strip())]),
]
CONTINUE_CREATE_COMMAND = Command(CONTINUE_CREATE, _parse_create)


def _parse_at(text: str, start: int, after_create: bool) -> Parsed | None:
    """The intents of the command starting at `start`, and where it ends; None if none does."""
    commands = [*COMMANDS, CONTINUE_CREATE_COMMAND] if after_create else COMMANDS
    for command in commands:
        for pattern in command.patterns:
            match = pattern.match(text, start)
            if match is None:
                continue
            built = command.build(match)
            if isinstance(built, tuple):
                return built
            if built:
                return built, match.end()
    return None


def parse_request(text: str) -> list[Intent]:
    """Every command in the message, in the order written, then what could not be read;
    [] when it asks for nothing at all."""
    text = text.strip()
    if not text or NOT_A_COMMAND.match(text):
        return []
    intents: list[Intent] = []
    position = 0
    while position < len(text):
        filler = FILLER.match(text, position)
        position = filler.end() if filler else position
        if position >= len(text):
            break
        after_create = bool(intents) and isinstance(intents[-1], CreateScene)
        parsed = _parse_at(text, position, after_create)
        if parsed is None:
            rest = text[position:].strip()
            if intents and not THANKS.match(rest):
                intents.append(Unparsed(rest))
            break
        found, end = parsed
        intents.extend(found)
        position = max(end, position + 1)
    return intents
