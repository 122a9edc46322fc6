"""Reading the JSON the offline model is handed: a tool call's arguments, a tool's output."""

import json
from typing import Any


def json_object(text: Any) -> dict[str, Any]:
    """The JSON object `text` holds; {} for anything else (no text, bad JSON, not an object)."""
    try:
        value = json.loads(text or "")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
