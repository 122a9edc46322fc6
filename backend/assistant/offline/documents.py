"""The offline model's reading of requests about the project's documents: questions answered
from a search ("what does the brief say about the ending?", "find the beach in my
documents") and scenes made from a script or treatment ("import the script", "make scenes
from the treatment"). Anything else is left to the rest of the model (None).
"""

import re
from dataclasses import dataclass
from typing import Any

from backend.assistant.offline.payloads import json_object

SEARCH_LIMIT = 5

_DOCUMENT_WORDS = (
    r"(?:documents?|docs?|files?|notes|material|treatment|brief|script|screenplay|outline|"
    r"synopsis|bible|pdf)"
)
_IMPORT = [
    re.compile(
        r"\b(?:make|create|turn|build|generate|draft|add|get)\b.*\bscenes?\b.*\b(?:from|out\s+of|"
        r"using|based\s+on)\s+(?:the\s+|my\s+|our\s+|this\s+)?(?P<name>[\w.-]+(?:\s+[\w.-]+)?)",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:turn|convert)\s+(?:the\s+|my\s+|our\s+)?(?P<name>[\w.-]+)\s+into\s+scenes\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"\bimport\s+(?:the\s+|my\s+|our\s+|this\s+)?(?P<name>[\w.-]*"
        + _DOCUMENT_WORDS
        + r"[\w.-]*)",
        re.IGNORECASE,
    ),
]
_SEARCH = [
    re.compile(
        r"\bwhat\s+(?:does|do|did)\s+(?:the\s+|my\s+|our\s+)?[\w.-]+\s+say\s+(?:about\s+)?(?P<topic>.+)",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:please\s+)?(?:find|search(?:\s+for)?|look\s+(?:up|for))\s+(?P<topic>.+?)\s+in\s+"
        r"(?:the|my|our)\s+" + _DOCUMENT_WORDS + r"\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:please\s+)?search\s+(?:the|my|our)\s+" + _DOCUMENT_WORDS + r"\s+(?:for\s+)?"
        r"(?P<topic>.+)",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:according\s+to|in)\s+(?:the|my|our)\s+" + _DOCUMENT_WORDS + r"\b,?\s*(?P<topic>.+)",
        re.IGNORECASE,
    ),
]
_SCRIPT_WORDS = ("script", "screenplay", "fountain")
_FILLER = re.compile(r"^(?:the|a|an|my|our)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Request:
    kind: str  # "search" or "import"
    text: str  # the topic searched for, or the name of the document to import


def parse_document_request(text: str) -> Request | None:
    stripped = text.strip()
    for pattern in _IMPORT:
        match = pattern.search(stripped)
        if match is not None:
            return Request("import", match.group("name").strip(" .?!").lower())
    for pattern in _SEARCH:
        match = pattern.search(stripped)
        if match is not None:
            topic = _FILLER.sub("", match.group("topic").strip(" .?!"))
            if topic:
                return Request("search", topic)
    return None


Step = tuple[str, dict[str, Any]] | str  # a tool call (name, arguments), or the answer


def next_step(
    request: Request, outputs: list[str | None], tools: frozenset[str], project_id: str | None
) -> Step:
    """What to do after `outputs` (one tool output per round so far, in order)."""
    if request.kind == "search":
        if outputs:
            return describe_search(request.text, outputs[-1])
        if "search_documents" not in tools:
            return "I can't search the documents here: the search_documents tool is not available."
        return "search_documents", {
            "project_id": project_id,
            "query": request.text[:500],
            "max_results": SEARCH_LIMIT,
        }
    if not outputs:
        if "list_documents" not in tools:
            return "I can't see the documents here: the list_documents tool is not available."
        return "list_documents", {"project_id": project_id}
    if len(outputs) == 1:
        documents = json_object(outputs[0]).get("documents") or []
        if not documents:
            return "The project has no documents yet: add the script or treatment on the canvas."
        chosen = pick_document(documents, request.text)
        if chosen is None:
            names = ", ".join(f"“{document.get('filename')}”" for document in documents)
            return f"Which document should I make scenes from? The project has {names}."
        return "import_scenes_from_document", {"document_id": chosen["id"]}
    return describe_import(outputs[-1])


def pick_document(documents: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The document the person named: by its file name, else a script by its type (Fountain)
    when they said script or screenplay, else the only one there is."""
    words = [word for word in re.findall(r"\w+", name) if word not in ("document", "file")]
    for document in documents:
        filename = str(document.get("filename", "")).lower()
        if words and all(word in filename for word in words):
            return document
    if any(word in name for word in _SCRIPT_WORDS):
        for document in documents:
            if "fountain" in str(document.get("content_type", "")):
                return document
    return documents[0] if len(documents) == 1 else None


def describe_search(topic: str, output: str | None) -> str:
    payload = json_object(output)
    if not payload.get("ok"):
        return f"I couldn't search the documents: {payload.get('error', 'unknown error')}."
    results = payload.get("results") or []
    if not results:
        return (
            f"I found nothing about “{topic}” in the project's documents. Add the treatment, "
            "brief or script on the canvas and ask again."
        )
    lines = [f"Here is what the project's documents say about “{topic}”:"]
    for result in results[:3]:
        snippet = " ".join(str(result.get("snippet", "")).replace("«", "").replace("»", "").split())
        lines.append(f"- {result.get('filename')}: “{snippet}”")
    return "\n".join(lines)


def describe_import(output: str | None) -> str:
    payload = json_object(output)
    if not payload.get("ok"):
        return f"I couldn't make scenes from it: {payload.get('error', 'unknown error')}."
    scenes = payload.get("scenes") or []
    titles = ", ".join(f"“{scene.get('title')}”" for scene in scenes[:8])
    more = f" and {len(scenes) - 8} more" if len(scenes) > 8 else ""
    return (
        f"Added {payload.get('scene_count', len(scenes))} scenes from the document: {titles}{more}."
    )
