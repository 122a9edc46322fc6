"""The offline model's reading of requests about the story dossier: adding a character, theme,
location or plot point ("add a character Mara, a retired detective", "the story takes place in
Lisbon"), a relationship ("Mara is Leo's sister"), reading it ("what characters do we have?")
and removing an item ("remove the theme revenge"). Names and texts are kept as the person
wrote them. Anything else is left to the rest of the model (None): a request about scenes
never reads as one about the dossier.
"""

import re
from dataclasses import dataclass
from typing import Any

from backend.assistant.offline.payloads import json_object

TEXT_MAX = 2_500
"""A longer message is not a dossier request (a plot point holds at most 2,000 characters);
the bound also keeps the patterns' cost small."""


@dataclass(frozen=True)
class Kind:
    name: str  # as the tools name it
    singular: str
    label: str  # the field that names an item
    words: str  # what people call it
    example: str  # how to add one


KINDS = (
    Kind(
        "characters",
        "character",
        "name",
        r"(?:characters?|cast)",
        "add a character Mara, a detective",
    ),
    Kind("themes", "theme", "text", r"themes?", "add the theme redemption"),
    Kind("locations", "location", "name", r"(?:locations?|places?)", "add Lisbon as a location"),
    Kind(
        "plot_points",
        "plot point",
        "text",
        r"(?:plot|story)[\s-]+(?:points?|beats?)",
        "add a plot point: Mara finds the letter",
    ),
)
_KIND = "(?P<kind>" + "|".join(kind.words for kind in KINDS) + ")"
_LEAD = r"^(?:(?:ok(?:ay)?|so|now|and|also|then|please|can\s+you|could\s+you|let'?s)[\s,]+)*"
_A = r"(?:(?:a|an|the|another|one\s+more|new|our|my)\s+)*"
_REMOVE = r"(?:remove|delete|drop|cut|lose|scrap|forget|get\s+rid\s+of|take\s+out)"
_NAME = (
    r"(?!(?:the|a|an|it|this|that|he|she|they|not|no|never|scenes?|shots?|clips?|film|story|"
    r"project|video|movie)\b)[a-z][\w'-]*(?:\s+(?-i:[A-Z])[\w'-]*){0,2}"
)
"""A character as people name one in passing: a word, then up to two capitalised ones."""


def _pattern(*parts: str) -> re.Pattern[str]:
    return re.compile("".join(parts), re.IGNORECASE)


_ADD = [
    _pattern(
        _LEAD, r"(?:add|create|introduce|make|new|we\s+(?:need|want)|let'?s\s+have)\s+", _A, _KIND,
        r"\s*(?:(?:called|named)\s+|[:–—-]\s*|,\s*)?(?P<rest>.+)$",
    ),
    _pattern(
        _LEAD, r"add\s+(?P<rest>.+?)\s+(?:to\s+the\s+(?:story\s+)?dossier\s+)?(?:as|to)\s+",
        _A, _KIND, r"(?:\s+list)?(?:\s+(?:in|to)\s+the\s+(?:story\s+)?dossier)?$",
    ),
]  # fmt: skip
_SETTING = _pattern(
    _LEAD,
    r"(?:(?:the\s+(?:whole\s+)?(?:story|film|movie|video|plot)|everything)\s+",
    r"(?:takes\s+place|is\s+set|happens|unfolds|plays\s+out)|it'?s\s+set|it\s+is\s+set|",
    r"set\s+the\s+(?:story|film|movie)|the\s+(?:story'?s\s+)?setting\s+is)",
    r"\s+(?:in\s+)?(?P<rest>.+)$",
)
_RELATION = r"(?P<relation>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2})"
_RELATE = [
    _pattern(rf"^(?P<who>{_NAME})\s+is\s+(?P<other>{_NAME})['’]s\s+{_RELATION}$"),
    _pattern(rf"^make\s+(?P<who>{_NAME})\s+(?P<other>{_NAME})['’]s\s+{_RELATION}$"),
    _pattern(rf"^(?P<who>{_NAME})\s+is\s+(?:the\s+)?{_RELATION}\s+of\s+(?P<other>{_NAME})$"),
]
_LIST = [
    _pattern(r"^(?:so\s+)?(?:what|which)\s+", _KIND, r"\s+(?:do|did|have|are|does|is)\b"),
    _pattern(
        r"^(?:who|what)\s+(?:are|were)\s+(?:all\s+)?(?:the\s+|our\s+|my\s+)?(?:main\s+)?",
        _KIND, r"(?:\s+(?:so\s+far|in\s+the\s+(?:story|film|dossier)))?$",
    ),
    _pattern(
        _LEAD, r"(?:list|show|give|tell|remind)\s+(?:me\s+|us\s+)?(?:all\s+)?(?:of\s+)?",
        r"(?:the\s+|our\s+|my\s+)?(?:story'?s\s+|film'?s\s+)?", _KIND,
        r"(?:\s+(?:so\s+far|again|in\s+the\s+(?:story\s+)?dossier|we\s+have))?$",
    ),
]  # fmt: skip
_LIST_CHARACTERS = _pattern(
    r"^who(?:'s|\s+is)\s+in\s+(?:the|this|our)\s+(?:story|film|movie|cast)$"
)
_LIST_LOCATIONS = _pattern(
    r"^where\s+(?:does|is)\s+(?:the\s+)?(?:story|film|movie)\s+(?:take\s+place|set)$"
)
_LIST_ALL = _pattern(
    _LEAD, r"(?:show|list|read|open|what'?s\s+in|what\s+is\s+in)\s+(?:me\s+)?",
    r"(?:the\s+|our\s+|my\s+)?(?:story\s+)?dossier$",
)  # fmt: skip
_DROP = [
    _pattern(
        _LEAD, _REMOVE, r"\s+(?:the\s+|a\s+|that\s+)?", _KIND,
        r"\s+(?:(?:called|named|of)\s+)?(?P<rest>.+?)(?:\s+from\s+the\s+(?:story\s+)?dossier)?$",
    ),
    _pattern(
        _LEAD, r"(?:remove|delete|drop|cut|take)\s+(?P<rest>.+?)\s+(?:out\s+)?(?:from|as|off)\s+",
        r"(?:the\s+|a\s+|our\s+)?", _KIND, r"(?:\s+list)?$",
    ),
    _pattern(
        _LEAD, r"(?:remove|delete|drop|cut|take)\s+(?P<rest>.+?)\s+(?:out\s+)?from\s+the\s+",
        r"(?:story\s+)?dossier(?P<kind>)$",
    ),
    _pattern(_LEAD, _REMOVE, r"\s+(?:the\s+)?(?P<rest>.+?)\s+", _KIND, "$"),
]  # fmt: skip
_ABOUT_SCENES = _pattern(r"\b(?:scenes?|shots?|clips?)\b")
"""A message that names scenes is the board's, never the dossier's: "add a scene called Mara",
"a plot point in scene 3"."""
_NOT_AN_ITEM = _pattern(
    r"^(?:music|songs?|tunes?|scouts?|sound|audio|arcs?|names?|list|descriptions?)\b",
    r"|^(?:the|a|an|this|that|it|them|all)$",
)
"""What follows a kind's word when the request is about something else ("add theme music",
"create a character arc for Mara"), or names nothing ("remove the character")."""
_SPLIT_DESCRIPTION = _pattern(
    r"(?P<name>.+?)(?:\s*,\s*|\s+[–—-]+\s+|\s*:\s*|\s+\(|\s+(?=(?:a|an|the|who)\s))",
    r"(?P<description>.+)$",
)
_SEPARATOR = _pattern(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_NOT_A_NAME = _pattern(r"^(?:a|an|in|on|at|during|around|when|where|who|with|from)\b")
"""How a description or a time starts, not a name: "Mara, a detective", "Lisbon, in 1975"."""
_QUOTES = "\"'“”‘’"


Content = dict[str, list[dict[str, Any]]]  # the dossier as get_dossier gives it
Call = tuple[str, dict[str, Any]]
Step = list[Call] | str  # the tool calls to make, or the answer


@dataclass(frozen=True)
class Request:
    action: str  # "add", "relate", "list" or "remove"
    kind: Kind | None  # None: every kind (listing or removing from "the dossier")
    names: tuple[str, ...] = ()  # what is added or removed; relate: (who, other)
    description: str = ""  # a character's or location's, when added
    relation: str = ""  # relate: who is the other's what ("sister")


def parse_dossier_request(text: str) -> Request | None:
    stripped = " ".join(text.split()).strip(" .!")
    if not stripped or len(stripped) > TEXT_MAX:
        return None
    question = stripped.rstrip(" ?")
    if _ABOUT_SCENES.search(question):
        return None
    for pattern in _LIST:
        match = pattern.match(question)
        if match is not None:
            return Request("list", _kind(match["kind"]))
    if _LIST_CHARACTERS.match(question):
        return Request("list", KINDS[0])
    if _LIST_LOCATIONS.match(question):
        return Request("list", KINDS[2])
    if _LIST_ALL.match(question):
        return Request("list", None)
    for pattern in _DROP:
        match = pattern.match(stripped)
        if match is not None and not _NOT_AN_ITEM.search(match["rest"]):
            kind = _kind(match["kind"]) if match["kind"] else None
            plural = kind is None or _plural(match["kind"])
            return Request("remove", kind, _names(match["rest"], plural))
    for pattern in _ADD:
        match = pattern.match(stripped)
        if match is not None and not _NOT_AN_ITEM.search(match["rest"]):
            return _addition(_kind(match["kind"]), match["rest"], _plural(match["kind"]))
    match = _SETTING.match(stripped)
    if match is not None and not _NOT_AN_ITEM.search(match["rest"]):
        return _addition(KINDS[2], match["rest"], plural=True)
    for pattern in _RELATE:
        match = pattern.match(stripped)
        if match is not None:
            names = (match["who"], match["other"])
            return Request("relate", KINDS[0], names, relation=match["relation"])
    return None


def _kind(word: str) -> Kind:
    return next(kind for kind in KINDS if re.fullmatch(kind.words, word, re.IGNORECASE))


def _plural(word: str) -> bool:
    return word.lower().endswith("s") or word.lower() == "cast"


def _clean(text: str) -> str:
    return text.strip(" ,;:.!" + _QUOTES)


def _names(rest: str, plural: bool) -> tuple[str, ...]:
    """One name, or several ("redemption and grief") when the kind was plural and each part
    is short enough to be a name rather than a sentence."""
    parts = [_clean(part) for part in _SEPARATOR.split(rest)] if plural else []
    names = all(part and len(part.split()) <= 3 and not _NOT_A_NAME.match(part) for part in parts)
    if len(parts) > 1 and names:
        return tuple(parts)
    return (_clean(rest),)


def _addition(kind: Kind, rest: str, plural: bool) -> Request | None:
    rest = _clean(rest)
    if kind.label == "text":
        rest = re.sub(r"^(?:of|about)\s+", "", rest, flags=re.IGNORECASE)
        names = _names(rest, plural) if kind.name == "themes" else (rest,)
        return Request("add", kind, names) if all(names) else None
    names = _names(rest, plural)
    if len(names) > 1:
        return Request("add", kind, names)
    split = _SPLIT_DESCRIPTION.match(rest)
    if split is None or (kind.name == "locations" and not re.search(r"[,:(–—-]", rest)):
        return Request("add", kind, (rest,)) if rest else None
    name, description = _clean(split["name"]), _clean(split["description"].removesuffix(")"))
    if not name or name.lower() in ("a", "an", "the"):
        return Request("add", kind, (rest,))
    return Request("add", kind, (name,), description)


def next_step(
    request: Request,
    rounds: list[list[str | None]],
    tools: frozenset[str],
    project_id: str | None,
) -> Step:
    """What to do after `rounds` (the outputs of each round of tool calls so far)."""
    project = {"project_id": project_id}
    if request.action == "add":
        assert request.kind is not None
        if rounds:
            return _describe_additions(request.kind, rounds[-1])
        if "add_dossier_item" not in tools:
            return _unavailable("add_dossier_item")
        described = {"description": request.description} if request.description else {}
        label = request.kind.label
        return [
            ("add_dossier_item", {**project, "kind": request.kind.name, label: name, **described})
            for name in request.names
        ]
    if not rounds:
        needed = {"remove": "remove_dossier_item", "relate": "update_dossier_item"}
        for name in ("get_dossier", needed.get(request.action)):
            if name is not None and name not in tools:
                return _unavailable(name)
        return [("get_dossier", project)]
    dossier = json_object(rounds[0][0])
    if not dossier.get("ok") or not isinstance(dossier.get("dossier"), dict):
        reason = "it is too long to read here" if dossier.get("truncated") else _error(dossier)
        return f"I couldn't read the story dossier: {reason}."
    content: Content = dossier["dossier"]
    if request.action == "list":
        return _describe_dossier(content, request.kind)
    if request.action == "remove":
        return _remove(request, content, project, rounds[1:])
    return _relate(request, content, project, rounds[1:])


def _remove(
    request: Request, content: Content, project: dict[str, Any], done: list[list[str | None]]
) -> Step:
    kinds = [request.kind] if request.kind is not None else list(KINDS)
    matches = {name: _find(content, kinds, name) for name in request.names}
    found = [match for match in matches.values() if match is not None]
    absent = [_absent(content, request.kind, name) for name, match in matches.items() if not match]
    if not done and found:
        return [
            ("remove_dossier_item", {**project, "kind": kind.name, "item_id": item["id"]})
            for kind, item in found
        ]
    lines = []
    for (kind, item), output in zip(found, done[-1] if done else [], strict=False):
        result, named = json_object(output), f"the {kind.singular} “{item[kind.label]}”"
        removed = f"Removed {named} from the story dossier."
        lines.append(
            removed if result.get("ok") else f"I couldn't remove {named}: {_error(result)}."
        )
    return "\n".join(lines + absent)


def _relate(
    request: Request, content: Content, project: dict[str, Any], done: list[list[str | None]]
) -> Step:
    who, other = (_find(content, KINDS[:1], name) for name in request.names)
    if who is None or other is None:
        absent = [
            name for name, match in zip(request.names, (who, other), strict=True) if match is None
        ]
        named = " or ".join(f"“{name}”" for name in absent)
        known = ", ".join(str(item.get("name")) for item in content.get("characters") or [])
        has = f"its characters are {known}" if known else "it has no characters yet"
        return (
            f"I couldn't find a character called {named} in the story dossier ({has}), so I "
            f"changed nothing. Add them first, for example “add a character {absent[0]}, …”."
        )
    character, line = who[1], f"{other[1]['name']}'s {request.relation}"
    if done:
        result = json_object(done[-1][0] if done[-1] else None)
        if not result.get("ok"):
            return f"I couldn't note that {character['name']} is {line}: {_error(result)}."
        return f"Noted in the story dossier: {character['name']} is {line}."
    relationships = list(character.get("relationships") or [])
    if any(known.casefold() == line.casefold() for known in relationships):
        return f"The story dossier already says {character['name']} is {line}."
    change = {
        "kind": "characters",
        "item_id": character["id"],
        "relationships": [*relationships, line],
    }
    return [("update_dossier_item", {**project, **change})]


def _unavailable(tool: str) -> str:
    return f"I can't reach the story dossier here: the {tool} tool is not available."


def _error(payload: dict[str, Any]) -> str:
    return str(payload.get("error", "unknown error")).rstrip(".")


def _key(name: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", _clean(name).casefold())


def _find(
    content: Content, kinds: list[Kind] | tuple[Kind, ...], name: str
) -> tuple[Kind, dict[str, Any]] | None:
    """The item a name means, case and a leading article aside, in the first kind having it."""
    for kind in kinds:
        for item in content.get(kind.name) or []:
            if _key(str(item.get(kind.label, ""))) == _key(name):
                return kind, item
    return None


def _absent(content: Content, kind: Kind | None, name: str) -> str:
    if kind is None:
        return f"Nothing in the story dossier is called “{name}”, so I removed nothing."
    items = [str(item.get(kind.label, "")) for item in content.get(kind.name) or []]
    plural = kind.singular + "s"
    has = f"its {plural} are {', '.join(items)}" if items else f"it has no {plural} yet"
    return f"The story dossier has no {kind.singular} “{name}” ({has}), so I removed nothing."


def _describe_additions(kind: Kind, outputs: list[str | None]) -> str:
    lines = []
    for output in outputs:
        payload = json_object(output)
        item = payload.get("item") if payload.get("ok") else None
        if not isinstance(item, dict):
            lines.append(f"I couldn't add the {kind.singular}: {_error(payload)}.")
            continue
        described = f": {item['description']}" if item.get("description") else ""
        added = f"the {kind.singular} “{item.get(kind.label)}”"
        lines.append(f"Added {added} to the story dossier{described}.")
    return "\n".join(lines)


def _describe_item(kind: Kind, item: dict[str, Any]) -> str:
    line = f"- {item.get(kind.label, '')}"
    if item.get("description"):
        line += f": {item['description']}"
    if item.get("relationships"):
        line += f" ({'; '.join(item['relationships'])})"
    if item.get("arc"):
        line += f". Arc: {item['arc']}"
    return line


def _describe_dossier(content: Content, only: Kind | None) -> str:
    sections = []
    for kind in [only] if only is not None else KINDS:
        items = content.get(kind.name) or []
        plural = kind.singular + "s"
        if not items and only is not None:
            return f"The story dossier has no {plural} yet. Try “{kind.example}”."
        if items:
            count = f"{len(items)} {kind.singular if len(items) == 1 else plural}"
            heading = f"The story dossier has {count}:" if only else f"{plural.capitalize()}:"
            sections.append("\n".join([heading, *(_describe_item(kind, item) for item in items)]))
    if not sections:
        examples = "”, “".join(kind.example for kind in KINDS)
        return f"The story dossier is empty so far. Try “{examples}”."
    return "\n\n".join(sections)
