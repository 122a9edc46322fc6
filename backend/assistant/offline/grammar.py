"""The offline model's understanding of a user's request: text in, a list of intents out.

A left-to-right scanner: at each point it skips polite filler ("please", "can you", "then"), tries
every command pattern anchored there, and moves on after the longest match. Titles may be quoted
("…", “…”, '…') or not; free text (a script, a description) runs to its closing quote, or to the
end of the message when unquoted, so it may contain anything. Questions about *how* to do things
("how do I add a scene?") and negations ("don't delete scene 2") are not commands.
"""

import re
from dataclasses import dataclass

ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10,
}  # fmt: skip
DEFAULT_SCENE_TITLE = "New scene"


@dataclass(frozen=True)
class SceneRef:
    """A scene as the user named it: by 1-based number, as the last one, or by title."""

    number: int | None = None
    last: bool = False
    title: str | None = None

    def describe(self) -> str:
        if self.number is not None:
            return f"scene {self.number}"
        if self.last:
            return "the last scene"
        return f"the scene “{self.title}”"


@dataclass(frozen=True)
class ShowProject:
    pass


@dataclass(frozen=True)
class CreateScene:
    title: str
    script: str | None = None
    image_url: str | None = None
    order: int | None = None


@dataclass(frozen=True)
class UpdateScript:
    scene: SceneRef
    script: str


@dataclass(frozen=True)
class UpdateImage:
    scene: SceneRef
    image_url: str


@dataclass(frozen=True)
class RenameScene:
    scene: SceneRef
    title: str


@dataclass(frozen=True)
class MoveScene:
    """`position` is 1-based; `to_end` puts it last; `after` / `before` name another scene."""

    scene: SceneRef
    position: int | None = None
    to_end: bool = False
    after: SceneRef | None = None
    before: SceneRef | None = None


@dataclass(frozen=True)
class DeleteScene:
    scene: SceneRef


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
class AskRuntime:
    pass


Intent = (
    ShowProject | CreateScene | UpdateScript | UpdateImage | RenameScene | MoveScene | DeleteScene
    | UpdateProject | SetSceneFields | AddAudio | AskRuntime
)  # fmt: skip

SCENE_REF_INTENTS = (
    UpdateScript, UpdateImage, RenameScene, MoveScene, DeleteScene, SetSceneFields, AddAudio
)  # fmt: skip
# Intents that only read: they need the project looked up, and change nothing.
READ_INTENTS = (ShowProject, AskRuntime)

# --- building blocks -----------------------------------------------------------------------------

QUOTED = r"""(?:"(?P<{0}_dq>[^"]+)"|“(?P<{0}_cq>[^”]+)”|'(?P<{0}_sq>[^']+)'|‘(?P<{0}_csq>[^’]+)’)"""
# An unquoted title stops before a connector that starts another command, or at the end.
CONNECTOR_AHEAD = (
    r"(?=\s*(?:[,;]\s*(?:and\s+)?(?:then\s+)?|\.\s+|\s+and\s+(?:then\s+)?|\s+then\s+)"
    r"(?:{verbs})\b|\s*[.!?]*\s*$)"
)
VERBS = (
    r"add|create|insert|make|append|set|update|write|change|replace|use|rename|retitle|call|"
    r"move|put|delete|remove|drop|show|describe|summari[sz]e|list|display|give|also|please"
)
FILLER = re.compile(
    r"(?:\s|[,;.!]|\b(?:please|pls|kindly|ok(?:ay)?|hey|hi|now|also|then|and|next|so|"
    r"assistant|could\s+you|can\s+you|would\s+you|will\s+you|i\s+want\s+(?:you\s+)?to|"
    r"i'?d\s+like\s+(?:you\s+)?to|we\s+need\s+to|let'?s|go\s+ahead\s+and|just)\b)*",
    re.IGNORECASE,
)
NOT_A_COMMAND = re.compile(
    r"^\s*(?:how\b|why\b|what\s+if\b|do\s+not\b|don'?t\b|never\b|should\s+i\b|is\s+it\b)",
    re.IGNORECASE,
)
ORDINAL_WORDS = "|".join(ORDINALS)
NUMBER_WORD_ALTERNATIVES = "|".join(NUMBER_WORDS)


def quoted(name: str) -> str:
    return QUOTED.format(name)


def title_until(name: str, stop: str) -> str:
    """A title, quoted or not; unquoted it ends where `stop` (a lookahead) matches."""
    return rf"(?:{quoted(name)}|(?P<{name}_raw>.+?)(?={stop}))"


def free_text(name: str) -> str:
    """Free text: quoted, or the rest of the message."""
    return rf"(?:{quoted(name)}\s*[.!]?\s*(?=$|[,;]|\s+and\b|\s+then\b)|(?P<{name}_raw>.+\S))"


def scene_ref(name: str, stop: str) -> str:
    return (
        rf"(?:(?:the\s+)?(?P<{name}_ord>{ORDINAL_WORDS}|last|final)\s+scene"
        rf"|scene\s*(?:#|no\.?\s*|number\s*)?(?P<{name}_num>\d+|{NUMBER_WORD_ALTERNATIVES})\b"
        rf"|(?:the\s+)?scenes?\s+(?:called|titled|named)\s+{title_until(name + '_t', stop)}"
        rf"|(?:the\s+)?scene\s+{quoted(name + '_q')}"
        rf"|(?:the\s+)?{quoted(name + '_bare')}(?:\s+scene)?)"
    )


CONNECTOR = CONNECTOR_AHEAD.format(verbs=VERBS)
URL = r"(?P<url>\S+?)(?=[.,;!?)]*(?:\s|$))"
TO = r"\s*(?:(?:to|with|as|into)\s*[:=]?|[:=]|->)\s*"
SCRIPT_VERB = r"(?:set|update|write|change|replace|put|make)"
POSSESSIVE_SCRIPT = r"(?:'s)?\s+script"
SPACE_SCRIPT = r"\s+script"
SPACE_TO_OR_AS = r"\s+(?:to|as)\s+"
SPACE_TO = r"\s+to\s+"
SPACE = r"\s+"
SPACE_MOVE_WORD = r"\s+(?:to|after|before|at)\b"
POSSESSIVE_IMAGE = r"(?:'s)?\s+image"


def _compile(*alternatives: str) -> list[re.Pattern[str]]:
    return [re.compile(pattern, re.IGNORECASE | re.DOTALL) for pattern in alternatives]


CREATE = _compile(
    r"(?:add|create|insert|make|append)\s+(?:me\s+)?(?:(?:a|an|one|another|new|more)\s+)*"
    rf"(?:(?P<count>\d+|{NUMBER_WORD_ALTERNATIVES})\s+(?:new\s+)?)?(?:new\s+)?(?P<plural>scenes|scene)\b"
    r"(?P<rest>.*)$"
)
# "… and a scene called Outro" right after a create: the verb carries over.
CONTINUE_CREATE = _compile(
    r"(?:(?:a|an|another|one\s+more)\s+(?:new\s+)?)(?P<count>)(?P<plural>scene)\b(?P<rest>.*)$"
)
ANOTHER_SCENE_AHEAD = (
    r"\s*(?:,\s*|\s+and\s+)(?:also\s+)?(?:a|an|another|one\s+more)\s+(?:new\s+)?scene\b"
)
SCRIPT = _compile(
    rf"{SCRIPT_VERB}\s+(?:the\s+|a\s+)?script\s+(?:of|for|in)\s+{scene_ref('ref', TO)}"
    rf"{TO}{free_text('text')}",
    rf"(?:set|update|change|replace)\s+{scene_ref('ref', POSSESSIVE_SCRIPT)}(?:'s)?\s+script"
    rf"{TO}{free_text('text')}",
    scene_ref("ref", SPACE_SCRIPT) + r"\s+script\s*[:=]\s*" + free_text("text"),
)
IMAGE = _compile(
    r"(?:set|change|use|update|make|replace|put)\s+(?:the\s+|an\s+|a\s+)?"
    r"(?:image|picture|photo|thumbnail)(?:\s+url)?\s+(?:of|for|on|in)\s+"
    rf"{scene_ref('ref', TO)}{TO}{URL}",
    rf"(?:set|change|update)\s+{scene_ref('ref', POSSESSIVE_IMAGE)}(?:'s)?\s+image(?:\s+url)?"
    rf"{TO}{URL}",
    rf"use\s+{URL}\s+(?:as|for)\s+(?:the\s+)?(?:image|picture)\s+(?:of|for|in)\s+"
    rf"{scene_ref('ref', CONNECTOR)}",
)
RENAME_SCENE = _compile(
    r"(?:rename|retitle)\s+"
    + scene_ref("ref", SPACE_TO_OR_AS)
    + r"\s+(?:to|as)\s+"
    + title_until("title", CONNECTOR),
    r"(?:change|set|update)\s+(?:the\s+)?(?:title|name)\s+of\s+"
    + scene_ref("ref", SPACE_TO)
    + r"\s+to\s+"
    + title_until("title", CONNECTOR),
    r"call\s+" + scene_ref("ref", SPACE) + r"\s+" + title_until("title", CONNECTOR),
)
POSITION = (
    rf"(?:to\s+)?(?:the\s+)?(?:(?P<edge>start|beginning|front|top|end|bottom|back)"
    rf"|(?:position|place|spot|slot|number)\s*(?P<pos>\d+)"
    rf"|(?P<posord>{ORDINAL_WORDS}|last)(?:\s+(?:position|place|spot|slot))?"
    rf"|(?P<bare>\d+))"
)
MOVE = _compile(
    r"(?:move|put|shift)\s+" + scene_ref("ref", SPACE_MOVE_WORD) + r"\s+"
    rf"(?:after\s+{scene_ref('after', CONNECTOR)}|before\s+{scene_ref('before', CONNECTOR)}"
    rf"|(?:at\s+)?{POSITION}(?:\s+of\s+the\s+(?:list|project|storyboard))?)"
)
DELETE = _compile(
    r"(?:delete|remove|drop|get\s+rid\s+of|cut)\s+"
    r"scenes\s+(?P<numbers>\d+(?:\s*(?:,|and|&)\s*(?:scene\s+)?\d+)+)",
    rf"(?:delete|remove|drop|get\s+rid\s+of|cut)\s+{scene_ref('ref', CONNECTOR)}",
)
PROJECT = r"(?:the\s+|this\s+|my\s+|our\s+)?(?:project|storyboard|video)"
UPDATE_PROJECT = _compile(
    rf"(?:rename|retitle)\s+{PROJECT}\s+(?:(?:to|as)\s+)?{title_until('title', CONNECTOR)}",
    rf"(?:change|set|update)\s+(?:the\s+)?(?:{PROJECT}(?:'s)?\s+)?(?:title|name)"
    rf"(?:\s+of\s+{PROJECT})?{TO}{title_until('title', CONNECTOR)}",
    rf"(?:call|name)\s+{PROJECT}\s+{title_until('title', CONNECTOR)}",
    rf"(?:set|change|update|write|replace)\s+(?:the\s+)?(?:{PROJECT}(?:'s)?\s+)?description"
    rf"(?:\s+of\s+{PROJECT})?{TO}{free_text('description')}",
    rf"describe\s+{PROJECT}\s+as\s+{free_text('description')}",
)
SHOW = _compile(
    r"(?:show|describe|summari[sz]e|list|display|recap|outline|review|read|print|give\s+me|"
    r"tell\s+me\s+about|what(?:'s|\s+is|\s+are|\s+do\s+we\s+have\s+in))\b"
    r"[^.?!]*?\b(?:project|scenes|storyboard|plan|outline|summary|overview)\b[^.?!]*[.?!]*",
    r"(?:status|overview|summary)\s*[.?!]*\s*$",
)

# --- storyboard fields ---------------------------------------------------------------------------

# The words people use for each shot size and camera movement, longest first where one starts
# another ("medium close-up" before "medium").
SHOT_WORDS = {
    r"extreme\s+wide|ews": "extreme_wide",
    r"extreme\s+close[-\s]?up|ecu|xcu": "extreme_close_up",
    r"medium\s+close[-\s]?up|mcu": "medium_close_up",
    r"over[-\s]the[-\s]shoulder|ots": "over_the_shoulder",
    r"two[-\s]?shot": "two_shot",
    r"close[-\s]?up|cu": "close_up",
    r"wide|long|ws": "wide",
    r"full": "full",
    r"medium|mid|ms": "medium",
    r"insert|cutaway": "insert",
    r"pov|point[-\s]of[-\s]view": "pov",
}
MOVEMENT_WORDS = {
    r"static|locked[-\s]off|still": "static",
    r"pan": "pan",
    r"tilt": "tilt",
    r"dolly|push[-\s]in|pull[-\s]out": "dolly",
    r"truck": "truck",
    r"pedestal": "pedestal",
    r"crane|jib": "crane",
    r"hand[-\s]?held": "handheld",
    r"steadicam|gimbal": "steadicam",
    r"zoom": "zoom",
    r"tracking|track": "tracking",
    r"drone|aerial": "drone",
}
ASPECT_WORDS = {
    r"vertical|portrait|9:16": "9:16",
    r"horizontal|landscape|widescreen|16:9": "16:9",
    r"square|1:1": "1:1",
    r"4:5": "4:5",
    r"4:3": "4:3",
    r"cinemascope|scope|anamorphic|2\.39(?::1)?": "2.39:1",
}
AUDIO_WORDS = {
    r"voice[-\s]?over|vo|narration": "Voice-over",
    r"dialogue|dialog|lines?": "Dialogue",
    r"music|score": "Music",
    r"sound\s+effects?|sfx|effects?": "Effects",
    r"audio|sound": "Audio",
}


def _choice(name: str, words: dict[str, str]) -> str:
    return rf"(?P<{name}>{'|'.join(f'(?:{w})' for w in words)})\b"


def _lookup(words: dict[str, str], said: str) -> str:
    return next(value for word, value in words.items() if re.fullmatch(word, said, re.I))


SECONDS = r"(?P<seconds>\d+(?:\.\d+)?)\s*(?:s|secs?|seconds?)\b(?:\s+long)?"
ADJECTIVES = r"(?:(?:slow|quick|fast|gentle|smooth|subtle|steady|soft|hard|rapid)\s+)*"
SCENE_THEN_SHOT = r"\s+(?:(?:in)?to\s+)?(?:a|an)\s+"
SHOT = _compile(
    rf"(?:make|set|change|turn)\s+{scene_ref('ref', SCENE_THEN_SHOT)}{SCENE_THEN_SHOT}"
    rf"{_choice('shot', SHOT_WORDS)}(?:\s+shot)?",
    rf"(?:set|change|make)\s+(?:the\s+)?shot(?:\s+size)?\s+(?:of|for|in)\s+"
    rf"{scene_ref('ref', TO)}{TO}(?:a\s+|an\s+)?{_choice('shot', SHOT_WORDS)}(?:\s+shot)?",
)
LASTS = r"\s+(?:is|lasts|runs|should\s+(?:be|last|run))\b"
SPACE_DIGIT = r"\s+\d"
COLON = r"\s*[:=]"
DURATION = _compile(
    rf"{scene_ref('ref', LASTS)}{LASTS}\s+(?:for\s+)?{SECONDS}",
    rf"(?:make|set)\s+{scene_ref('ref', SPACE_DIGIT)}\s+{SECONDS}",
    rf"(?:set|change|make)\s+(?:the\s+)?(?:duration|length)\s+(?:of|for)\s+"
    rf"{scene_ref('ref', TO)}{TO}{SECONDS}",
)
CAMERA = _compile(
    rf"(?:set|change|make|use)\s+(?:the\s+)?camera(?:\s+(?:movement|move|motion))?\s+"
    rf"(?:of|for|in|on)\s+{scene_ref('ref', TO)}{TO}(?:a\s+|an\s+)?{ADJECTIVES}"
    rf"{_choice('movement', MOVEMENT_WORDS)}",
)
AUDIO = _compile(
    rf"add\s+(?:a\s+|an\s+|some\s+)?{_choice('sound', AUDIO_WORDS)}\s+(?:to|for|on|in)\s+"
    rf"{scene_ref('ref', COLON)}{COLON}\s*{free_text('text')}",
)
ASPECT = _compile(
    rf"(?:make|turn|switch|set|change|reformat)\s+(?:it|{PROJECT}|the\s+(?:frames|format|"
    rf"aspect(?:\s+ratio)?))\s+(?:(?:in)?to\s+|as\s+)?(?:a\s+|an\s+)?"
    rf"{_choice('ratio', ASPECT_WORDS)}(?:\s+(?:format|video|frames?))?",
)
RUNTIME = re.compile(
    r"^\s*(?:how\s+long\s+(?:is|will\s+be|does\s+\S+\s+run)|what(?:'s|\s+is)\s+the\s+"
    r"(?:total\s+)?(?:runtime|run\s+time|length|duration)(?:\s+of)?)"
    r"(?:\s+(?:the\s+|this\s+|my\s+|our\s+)?(?:film|movie|video|project|storyboard|cut|it))?"
    r"\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def _parse_storyboard(text: str, start: int) -> tuple[list[Intent], int] | None:
    """The storyboard commands: shot size, duration, camera, sound, aspect ratio."""
    for pattern in SHOT:
        match = pattern.match(text, start)
        if match and (ref := _scene_ref(match, "ref")):
            shot = _lookup(SHOT_WORDS, match.group("shot"))
            return [SetSceneFields(ref, (("shot_size", shot),))], match.end()
    for pattern in DURATION:
        match = pattern.match(text, start)
        if match and (ref := _scene_ref(match, "ref")):
            seconds = float(match.group("seconds"))
            value = int(seconds) if seconds.is_integer() else seconds
            return [SetSceneFields(ref, (("duration_seconds", value),))], match.end()
    for pattern in CAMERA:
        match = pattern.match(text, start)
        if match and (ref := _scene_ref(match, "ref")):
            movement = _lookup(MOVEMENT_WORDS, match.group("movement"))
            return [SetSceneFields(ref, (("camera_movement", movement),))], match.end()
    for pattern in AUDIO:
        match = pattern.match(text, start)
        if match and (ref := _scene_ref(match, "ref")):
            label = _lookup(AUDIO_WORDS, match.group("sound"))
            return [AddAudio(ref, label, _group(match, "text") or "")], match.end()
    for pattern in ASPECT:
        match = pattern.match(text, start)
        if match:
            ratio = _lookup(ASPECT_WORDS, match.group("ratio"))
            return [UpdateProject(aspect_ratio=ratio)], match.end()
    return None


# --- extraction ----------------------------------------------------------------------------------


def _group(match: re.Match[str], name: str) -> str | None:
    for suffix in ("_dq", "_cq", "_sq", "_csq", "_raw"):
        value = match.groupdict().get(name + suffix)
        if value is not None:
            return value.strip()
    return None


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text.lower()]


def _scene_ref(match: re.Match[str], name: str) -> SceneRef | None:
    groups = match.groupdict()
    if groups.get(name + "_ord"):
        word = groups[name + "_ord"].lower()
        return SceneRef(last=True) if word in ("last", "final") else SceneRef(number=ORDINALS[word])
    if groups.get(name + "_num"):
        return SceneRef(number=_number(groups[name + "_num"]))
    for variant in ("_t", "_q", "_bare"):
        title = _group(match, name + variant)
        if title:
            return SceneRef(title=title)
    return None


def _clean_title(title: str) -> str:
    return title.strip().strip(".!?,;").strip()


def _url(match: re.Match[str]) -> str:
    return match.group("url").strip("<>\"'“”")


def _split_titles(text: str) -> list[str]:
    quoted_titles = re.findall(r'"([^"]+)"|“([^”]+)”', text)
    if quoted_titles:
        return [first or second for first, second in quoted_titles]
    parts = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", text)
    return [_clean_title(part) for part in parts if _clean_title(part)]


def _parse_create(match: re.Match[str]) -> tuple[list[Intent], int]:
    """`add a scene called X [at the start | at position N | after scene N] [with script …]`,
    or several: `add scenes A, B and C` / `add 3 scenes`."""
    rest = match.group("rest")
    plural = match.group("plural").lower() == "scenes"
    count = _number(match.group("count")) if match.group("count") else (1 if not plural else 0)
    details = re.match(
        r"\s*(?:(?:called|titled|named|:)\s*)?"
        rf"(?P<titles>{quoted('one')}(?:\s*(?:,|and|&)\s*{quoted('more')})*|.*?)"
        r"(?=\s*(?:\bat\s+(?:the\s+)?(?:start|beginning|front|top|end|bottom)\b|\bat\s+position\b|"
        r"\bas\s+(?:the\s+)?\w+\s+scene\b|\b(?:after|before)\s+scene\b|\bwith\s+(?:the\s+|a\s+)?"
        r"(?:script|image|picture)\b|"
        + ANOTHER_SCENE_AHEAD
        + "|"
        + CONNECTOR.removeprefix("(?=")[:-1]
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
    consumed = len(rest) - len(after_titles)
    while True:
        option = re.match(
            r"\s*(?:,\s*)?(?:"
            r"at\s+(?:the\s+)?(?P<edge>start|beginning|front|top|end|bottom)(?:\s+of\s+the\s+\w+)?"
            r"|at\s+position\s+(?P<pos>\d+)"
            rf"|as\s+(?:the\s+)?(?P<ord>{ORDINAL_WORDS})\s+scene"
            r"|(?P<rel>after|before)\s+scene\s+(?P<relnum>\d+)"
            r"|with\s+(?:the\s+|a\s+)?(?:image|picture)(?:\s+url)?\s*(?::|=)?\s*(?P<url>\S+?)(?=[.,;!?)]*(?:\s|$))"
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
            number = int(option.group("relnum"))
            order = number if option.group("rel").lower() == "after" else max(number - 1, 0)
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
            CreateScene(title=title[:200], script=script, image_url=image_url, order=position)
        )
    return intents, match.start("rest") + consumed


def _parse_at(text: str, start: int, after_create: bool) -> tuple[list[Intent], int] | None:
    """The intents of the command starting at `start`, and where it ends; None if none does."""
    # Before CREATE: "make scene 2 a close-up" is not a new scene called "2 a close-up".
    storyboard = _parse_storyboard(text, start)
    if storyboard is not None:
        return storyboard
    for pattern in CREATE + (CONTINUE_CREATE if after_create else []):
        match = pattern.match(text, start)
        if match:
            return _parse_create(match)
    for pattern in SCRIPT:
        match = pattern.match(text, start)
        if match and (ref := _scene_ref(match, "ref")):
            return [UpdateScript(ref, _group(match, "text") or "")], match.end()
    for pattern in IMAGE:
        match = pattern.match(text, start)
        if match and (ref := _scene_ref(match, "ref")):
            return [UpdateImage(ref, _url(match))], match.end()
    for pattern in UPDATE_PROJECT:
        match = pattern.match(text, start)
        if match:
            title = _group(match, "title")
            description = _group(match, "description")
            return [
                UpdateProject(title=_clean_title(title) if title else None, description=description)
            ], match.end()
    for pattern in RENAME_SCENE:
        match = pattern.match(text, start)
        if match and (ref := _scene_ref(match, "ref")) and (title := _group(match, "title")):
            return [RenameScene(ref, _clean_title(title))], match.end()
    for pattern in MOVE:
        match = pattern.match(text, start)
        if match and (ref := _scene_ref(match, "ref")):
            return [_move(match, ref)], match.end()
    for pattern in DELETE:
        match = pattern.match(text, start)
        if match is None:
            continue
        if match.groupdict().get("numbers"):
            numbers = [int(n) for n in re.findall(r"\d+", match.group("numbers"))]
            return [DeleteScene(SceneRef(number=n)) for n in numbers], match.end()
        if ref := _scene_ref(match, "ref"):
            return [DeleteScene(ref)], match.end()
    for pattern in SHOW:
        match = pattern.match(text, start)
        if match:
            return [ShowProject()], match.end()
    return None


def _move(match: re.Match[str], ref: SceneRef) -> MoveScene:
    groups = match.groupdict()
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


def parse_request(text: str) -> list[Intent]:
    """Every command in the message, in the order written; [] when it asks for none."""
    text = text.strip()
    if RUNTIME.match(text):
        return [AskRuntime()]
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
            break
        found, end = parsed
        intents.extend(found)
        position = max(end, position + 1)
    return intents
