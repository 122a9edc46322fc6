"""The tool registry: what a tool is, how a call is scoped to the conversation, and how one runs.

A tool is a name, a description, a Pydantic argument model (its JSON schema is what the model
sees), a handler, and what it does to data (read-only, destructive, idempotent: the MCP server's
annotations and the approval rules read them). Every call is bound to the conversation's user and
project (or, over MCP, to the token's user and any project of theirs): ids are claims to check,
never authority. Whatever goes wrong — unknown tool, malformed JSON, invalid
arguments, an id outside the project — becomes `{"ok": false, "error": ...}` for the model,
never an exception. The tools themselves live in one module per domain beside this one.
"""

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ConfigDict, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.db import unit_of_work
from backend.core.errors import DomainError, NotFoundError
from backend.repositories import scenes as scene_repository
from backend.schemas.common import StorableText
from backend.schemas.history import ChangePublic
from backend.schemas.user import AccountLimits
from backend.services.history import Actor, act_as, collect_changes

MAX_OUTPUT_CHARS = 8_000
PROJECT_MOVED = (
    "Not done: the project changed since this call was checked, and now it would change "
    "something; call it again to be asked."
)

Json = dict[str, Any]


@dataclass(frozen=True)
class ToolContext:
    """Who is asking and about what: fixed by the server for the whole conversation. Over MCP
    there is no conversation: `project_id` is None, and any project of the user's may be named
    (the services answer someone else's as not found, exactly as the REST API does)."""

    session_factory: async_sessionmaker[AsyncSession]
    user_id: uuid.UUID
    project_id: uuid.UUID | None
    turn_id: uuid.UUID | None = None
    """The chat turn: its tool calls' changes grow one change set."""
    token_name: str | None = None
    """Over MCP: the personal access token's name, which the change sets carry."""
    limits: AccountLimits | None = None
    """The account's quotas, for the tools that make projects (ACCOUNT_TOOLS)."""


@dataclass(frozen=True)
class ToolResult:
    name: str
    arguments: Json
    output: str
    ok: bool

    def public(self) -> Json:
        return {
            "name": self.name,
            "arguments": self.arguments,
            "output": self.output,
            "ok": self.ok,
        }


class ToolArguments(StorableText):
    """Unknown arguments are an error; text follows the same rule as the API's bodies."""

    model_config = ConfigDict(extra="forbid")


Arguments = TypeVar("Arguments", bound=ToolArguments)
Handler = Callable[[AsyncSession, ToolContext, Any], Awaitable[Json]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[ToolArguments]
    handler: Handler
    read_only: bool = False
    destructive: bool = False
    """It deletes, or replaces a whole list: what the default approval setting (`destructive`)
    holds back; under `writes` every tool that is not read-only is held back."""
    idempotent: bool = False
    """Repeating the call with the same arguments changes nothing more."""

    def needs_approval(self, assistant_approval: str) -> bool:
        """Whether the person's `assistant_approval` setting ("destructive", "writes" or
        "none") holds this tool's calls back for their OK: one rule for every surface."""
        if assistant_approval == "none" or self.read_only:
            return False
        return assistant_approval == "writes" or self.destructive

    def parameters(self) -> Json:
        schema = self.arguments.model_json_schema()
        schema.pop("title", None)
        for field in schema.get("properties", {}).values():
            field.pop("title", None)
        return schema

    def chat_definition(self) -> Json:
        """Chat Completions and Assistants shape: the function nested under `function`."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters(),
            },
        }

    def responses_definition(self) -> Json:
        """Responses API shape: flat."""
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters(),
        }


TOOLS: dict[str, Tool] = {}
"""The tools that act within one project: the chat's, and the MCP server's."""
ACCOUNT_TOOLS: dict[str, Tool] = {}
"""Tools over the account's projects as a whole (list, create): only the MCP server offers them,
since a conversation belongs to one project."""


def tool(
    name: str,
    description: str,
    *,
    read_only: bool = False,
    destructive: bool = False,
    idempotent: bool = False,
    registry: dict[str, Tool] = TOOLS,
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        arguments = handler.__annotations__["arguments"]
        registry[name] = Tool(
            name,
            description,
            arguments,
            handler,
            read_only,
            destructive,
            idempotent or read_only,
        )
        return handler

    return register


def is_read_only(name: str) -> bool:
    """Unknown names count as read-only: they fail without touching anything."""
    found = TOOLS.get(name)
    return found is None or found.read_only


# --- scoping -------------------------------------------------------------------------------------


def this_project(context: ToolContext, project_id: uuid.UUID) -> uuid.UUID:
    if context.project_id is not None and project_id != context.project_id:
        raise NotFoundError("Project (only this conversation's project can be used)")
    return project_id


async def scene_in_project(
    session: AsyncSession, context: ToolContext, scene_id: uuid.UUID
) -> uuid.UUID:
    owner_project = await scene_repository.get_owned_scene_project_id(
        session, scene_id, context.user_id
    )
    if owner_project is None or (
        context.project_id is not None and owner_project != context.project_id
    ):
        raise NotFoundError("Scene (no scene with this id in this project)")
    return scene_id


# --- running a call ------------------------------------------------------------------------------


def _error(message: str) -> str:
    return json.dumps({"ok": False, "error": message})


def _bounded(payload: Json) -> str:
    """The output as JSON, never longer than MAX_OUTPUT_CHARS (then it says it was cut)."""
    full = json.dumps({"ok": True, **payload}, ensure_ascii=False)
    output, cut = full, len(full)
    while len(output) > MAX_OUTPUT_CHARS:
        # Escaping makes the partial text longer than it was: cut until it really fits.
        cut -= len(output) - MAX_OUTPUT_CHARS + 50
        output = json.dumps(
            {"ok": True, "truncated": True, "partial": full[:cut]}, ensure_ascii=False
        )
    return output


def _describe_validation(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item.get("loc", ())) or "arguments"
        problems.append(
            f"{location}: {str(item.get('msg', 'invalid')).removeprefix('Value error, ')}"
        )
    return "invalid arguments — " + "; ".join(problems)


def _parse(
    name: str, raw_arguments: str | Json, tools: Mapping[str, Tool]
) -> tuple[Tool, ToolArguments, Json] | ToolResult:
    """The tool and its validated arguments, or the error result the model gets instead."""
    try:
        arguments = json.loads(raw_arguments) if isinstance(raw_arguments, str) else raw_arguments
    except ValueError:
        return ToolResult(name, {}, _error("arguments are not valid JSON"), False)
    if not isinstance(arguments, dict):
        return ToolResult(name, {}, _error("arguments must be a JSON object"), False)
    selected = tools.get(name)
    if selected is None:
        known = ", ".join(sorted(tools))
        return ToolResult(
            name, arguments, _error(f"unknown tool {name!r}; the tools are {known}"), False
        )
    try:
        return selected, selected.arguments.model_validate(arguments), arguments
    except ValidationError as error:
        return ToolResult(name, arguments, _error(_describe_validation(error)), False)


async def run_tool(
    context: ToolContext,
    name: str,
    raw_arguments: str | Json,
    tools: Mapping[str, Tool] = TOOLS,
    *,
    changes_allowed: bool = True,
) -> ToolResult:
    """Run one call of one of `tools` in its own short transaction (a writer only for tools
    that write); any failure the model can act on is an error output, anything else (a bug)
    is raised. `changes_allowed=False`: the call was not asked about because its dry run
    changed nothing or failed; should it change something now (the project moved meanwhile), it is
    rolled back and refused, so no held-back change slips through unasked."""
    parsed = _parse(name, raw_arguments, tools)
    if isinstance(parsed, ToolResult):
        return parsed
    selected, valid, arguments = parsed
    try:
        # A read-only tool is not a writer: on SQLite it does not queue behind other writers.
        async with unit_of_work(context.session_factory, write=not selected.read_only) as session:
            act_as(session, Actor("assistant", context.turn_id, context.token_name))
            collected = None if changes_allowed else collect_changes(session)
            payload = await selected.handler(session, context, valid)
            if collected:
                raise _ProjectMovedError
    except _ProjectMovedError:
        return ToolResult(name, arguments, _error(PROJECT_MOVED), False)
    except ValidationError as error:
        return ToolResult(name, arguments, _error(_describe_validation(error)), False)
    except DomainError as error:
        return ToolResult(name, arguments, _error(error.message), False)
    return ToolResult(name, arguments, _bounded(payload), True)


def refused_call(name: str, raw_arguments: str | Json, reason: str) -> ToolResult:
    """A call answered without running (held back, or past a limit): the model reads why,
    nothing changed."""
    parsed = _parse(name, raw_arguments, TOOLS)
    arguments = parsed.arguments if isinstance(parsed, ToolResult) else parsed[2]
    return ToolResult(name, arguments, _error(reason), False)


class _PreviewRolledBackError(Exception):
    """Ends a preview's transaction: rolled back, nothing of it kept or announced."""


class _ProjectMovedError(Exception):
    """Ends the transaction of a call that may change nothing but would: rolled back."""


@dataclass(frozen=True)
class Preview:
    """What a call would change, found by running it in a transaction that is rolled back."""

    arguments: Json
    summary: str
    changes: list[ChangePublic]

    def in_words(self) -> str:
        """The summary (every change in words), then each updated field as before → after, for
        a text-only client; a move's position is in the words, as on the chat's card."""
        lines = [self.summary]
        for change in self.changes:
            if change.action != "updated" or change.before is None or change.after is None:
                continue
            lines += [
                f"• {field}: {_shown(change.before.get(field))} → {_shown(value)}"
                for field, value in change.after.items()
                if field != "order"
            ]
        return "\n".join(lines)


def _shown(value: Any, limit: int = 80) -> str:
    text = "(none)" if value is None else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def preview_tool(
    context: ToolContext,
    name: str,
    raw_arguments: str | Json,
    tools: Mapping[str, Tool] = TOOLS,
) -> Preview | None:
    """The call's changes, before → after, through the one write path, none of them kept;
    None when it would change nothing or fail (the call then runs with `changes_allowed=False`,
    so it still changes nothing): what an approval question shows, in the chat and over MCP."""
    parsed = _parse(name, raw_arguments, tools)
    if isinstance(parsed, ToolResult):
        return None
    selected, valid, arguments = parsed
    found: Preview | None = None
    try:
        async with unit_of_work(context.session_factory, write=True) as session:
            act_as(session, Actor("assistant", context.turn_id, context.token_name))
            collected = collect_changes(session)
            await selected.handler(session, context, valid)
            if collected:
                found = Preview(
                    arguments,
                    "; ".join(words for _, words in collected),
                    [ChangePublic.model_validate(change) for change, _ in collected],
                )
            raise _PreviewRolledBackError
    except (_PreviewRolledBackError, ValidationError, DomainError):
        pass
    return found
