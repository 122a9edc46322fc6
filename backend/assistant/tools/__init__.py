"""The assistant's tools: thin adapters over the same services the REST routes use.

`registry` defines what a tool is and runs calls; each domain module registers its tools on
import (the order here is the order the model sees them in).
"""

from backend.assistant.tools import account, documents, dossier, project, scenes
from backend.assistant.tools.registry import (
    ACCOUNT_TOOLS,
    MAX_OUTPUT_CHARS,
    TOOLS,
    Tool,
    ToolArguments,
    ToolContext,
    ToolResult,
    is_read_only,
    run_tool,
    tool,
)

__all__ = [
    "ACCOUNT_TOOLS",
    "MAX_OUTPUT_CHARS",
    "TOOLS",
    "Tool",
    "ToolArguments",
    "ToolContext",
    "ToolResult",
    "account",
    "documents",
    "dossier",
    "is_read_only",
    "project",
    "run_tool",
    "scenes",
    "tool",
]
