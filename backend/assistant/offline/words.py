"""The offline model's building blocks: the words people use, and the regular expressions for the
parts of a request every command shares (a scene reference, a list of scenes, a title, free
text, a URL). The commands themselves are in grammar.py.
"""

import re

ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
}  # fmt: skip
FROM_END = {"last": 1, "final": 1, "penultimate": 2, "second to last": 2, "next to last": 2}
"""Ordinals counted from the end: 1 is the last scene."""

REFERENCE_MAX = 200
"""The longest title a scene reference can name (the API's title limit). It bounds how far an
unquoted title is looked for, so a long message costs time in proportion to its length."""

ORDINAL_WORDS = "|".join(ORDINALS)
NUMBER = rf"(?:\d+|{'|'.join(NUMBER_WORDS)})"
NUMERIC_ORDINAL = r"\d+(?:st|nd|rd|th)"
FROM_END_WORDS = r"last|final|penultimate|(?:second|next)[-\s]to[-\s]last|second[-\s]last"
SCENE_NOUN = r"(?:scenes?|shots?|ones?|clips?)"
"""What people call a scene; "the last one", "the second shot"."""

QUOTED = r"""(?:"(?P<{0}_dq>[^"]+)"|“(?P<{0}_cq>[^”]+)”|'(?P<{0}_sq>[^']+)'|‘(?P<{0}_csq>[^’]+)’)"""
LIST_SEPARATOR = r"\s*(?:,\s*(?:and\s+)?|&|\band\b|\bwith\b|\bplus\b)\s*"
VERBS = (
    r"add|create|insert|make|append|set|update|write|change|replace|use|rename|retitle|call|"
    r"move|put|delete|remove|drop|show|describe|summari[sz]e|list|display|give|also|please|"
    r"swap|switch|flip|exchange|kill|scrap|cut|bump|shift|take|how|what|which|tell|read|its?"
)
"""The verbs that start a command: after a connector, they end an unquoted title."""
NOT_A_TITLE = (
    r"(?!(?:it|its|this|that|them|all|every\w*|the|a|an|some|any|me|us|and|then|or|my|our|project|storyboard|film|"
    r"video|movie|board|scenes?|shots?|duration|length|title|name|script|image|picture|camera|"
    r"description|aspect|order)\b)"
)
"""Words that start no unquoted title: "delete it", "show the project" name no scene."""
STARTS_WITH_A_VERB = re.compile(rf"(?:{VERBS})\b", re.IGNORECASE)
"""Nor does a command: "delete scene 2 and rename scene 3" names no scene “rename scene 3”.
(Checked on the match, not inside every pattern: it would make each several times longer.)"""


def number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text.lower()]


def quoted(name: str) -> str:
    return QUOTED.format(name)


def title_until(name: str, stop: str) -> str:
    """A title, quoted or not; unquoted it ends where `stop` (a lookahead) matches."""
    return rf"(?:{quoted(name)}|(?P<{name}_raw>.+?)(?={stop}))"


def free_text(name: str) -> str:
    """Free text: quoted, or the rest of the message."""
    return rf"(?:{quoted(name)}\s*[.!]?\s*(?=$|[,;]|\s+and\b|\s+then\b)|(?P<{name}_raw>.+\S))"


def scene_ref(name: str, stop: str) -> str:
    """One scene, in any of the ways people name it, followed by `stop` (which it looks ahead
    for, once: written into every alternative it would make each pattern several times longer).

    By position ("scene 3", "the third shot", "the 3rd one", "the last one", "the
    penultimate scene"), by title ("the scene called X", “X”, "the beach scene", "the beach"), or
    by the conversation ("it", "this one", "the previous one")."""
    return (
        rf"(?:(?:the\s+)?(?:very\s+)?(?P<{name}_ord>{FROM_END_WORDS}|{ORDINAL_WORDS}|"
        rf"{NUMERIC_ORDINAL})(?:\s+{SCENE_NOUN}\b)?"
        rf"|(?:scene|shot|clip|scn|sc)\.?\s*(?:#|no\.?\s*|number\s*)?(?P<{name}_num>{NUMBER})\b"
        rf"|(?P<{name}_digits>\d+)\b(?!\s*(?:s|secs?|seconds?|%|:|\.\d))"
        rf"|(?:the\s+)?{SCENE_NOUN}\s+(?:called|titled|named)\s+"
        rf"(?:{quoted(name + '_t')}|(?P<{name}_t_raw>.{{1,{REFERENCE_MAX}}}?))"
        rf"|(?:the\s+)?(?:scene|shot)\s+{quoted(name + '_q')}"
        rf"|(?:the\s+)?{quoted(name + '_bare')}(?:\s+(?:scene|shot))?"
        rf"|(?:the\s+)?(?P<{name}_prev>previous|preceding)\s+{SCENE_NOUN}\b"
        rf"|(?P<{name}_it>its?\b|(?:this|that|the\s+same)\s+(?:one|scene|shot)\b)"
        rf"|(?:the\s+)?{NOT_A_TITLE}(?P<{name}_word_raw>[^\s,;:!?\"“]+(?:\s+[^\s,;:!?\"“]+)"
        rf"{{0,3}}?)\s+(?:scene|shot)\b(?!\s*\d)"
        rf"|(?:the\s+)?{NOT_A_TITLE}(?P<{name}_bare_raw>[^\s,;:.!?\"“]"
        rf"[^,;:!?\"“]{{0,{REFERENCE_MAX - 1}}}?))"
        rf"(?={stop})"
    )


def scene_list(name: str, stop: str) -> str:
    """Several scenes: "the last two", "scenes 2 to 4", "scenes 2, 3 and 5", or two references
    ("the beach and the market", "the first and last scenes")."""
    return (
        rf"(?:(?:the\s+)?(?P<{name}_edge>first|last|final)\s+(?P<{name}_count>{NUMBER})"
        rf"(?:\s+{SCENE_NOUN})?\b"
        rf"|(?:scenes|shots)\s+(?:from\s+)?(?P<{name}_from>{NUMBER})\s*"
        rf"(?:to|through|thru|till|until|-|–|—)\s*(?:scene\s+)?(?P<{name}_to>{NUMBER})\b"
        rf"|(?:(?:scenes|shots)\s+)?(?P<{name}_numbers>{NUMBER}(?:{LIST_SEPARATOR}(?:scene\s+)?"
        rf"{NUMBER}\b)+)"
        rf"|{scene_ref(name + '_a', LIST_SEPARATOR)}{LIST_SEPARATOR}{scene_ref(name + '_b', stop)}"
        rf"(?={stop}))"
    )


def compile_all(*alternatives: str) -> list[re.Pattern[str]]:
    return [re.compile(pattern, re.IGNORECASE | re.DOTALL) for pattern in alternatives]


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
FIELD_WORDS = {
    r"scripts?|text|words|lines": "script",
    r"images?|pictures?|photos?|frames?|thumbnails?|visuals?": "image_url",
    r"durations?|lengths?|timings?|times?": "duration_seconds",
    r"shot\s+sizes?|shot\s+types?": "shot_size",
    r"camera(?:\s+(?:moves?|movements?))?": "camera_movement",
    r"audio|sound|music|voice[-\s]?overs?": "audio",
    r"notes?": "notes",
}
"""What a question about scenes may ask after: "which scenes have no script"."""


def choice(name: str, words: dict[str, str]) -> str:
    return rf"(?P<{name}>{'|'.join(f'(?:{w})' for w in words)})\b"


def lookup(words: dict[str, str], said: str) -> str:
    return next(value for word, value in words.items() if re.fullmatch(word, said, re.I))
