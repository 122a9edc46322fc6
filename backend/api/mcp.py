"""The MCP server at /mcp (streamable HTTP, the official `mcp` SDK), for assistants that live
elsewhere: Claude, Cursor, any MCP client.

Its tools are the assistant's registry (`assistant/tools`): each tool's name, description and
argument model's JSON schema are advertised as they are, and a call runs through the same
`run_tool` as the chat's, so the argument model validates it and the services check ownership.
What differs is who asks: the personal access token on each HTTP request (checked in the
database every time, so revoking holds at once on every instance), bound to its user and any of
their projects. A `read` token sees and may call only the read-only tools.

Approval: a call the person's `assistant_approval` setting holds back is asked about through MCP
elicitation (the SDK's resolver: an `InputRequiredResult` on 2026-07-28, an `elicitation/create`
request mid-call on the handshake era). The question is sealed in the SDK's request state, bound
to this tool, these arguments and this token, so a client cannot answer a question it was not
asked or reuse an answer for another call. The question shows what the call would change (the
registry's dry run, as the chat's approval card does); a call that would change nothing or fail
is not asked about. A client that cannot elicit is refused, with how to allow the call.
"""

import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import (
    AcceptedElicitation,
    Context,
    Elicit,
    ElicitationResult,
    MCPServer,
    RequestStateSecurity,
    Resolve,
)
from mcp.server.mcpserver.tools import Tool as McpTool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, ListToolsResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.assistant.tools import ACCOUNT_TOOLS, TOOLS, Tool, ToolContext, run_tool
from backend.assistant.tools.registry import preview_tool
from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import AuthenticationError
from backend.core.security import is_personal_token
from backend.services import account_settings
from backend.services.auth import Account, AuthService
from backend.services.limits import account_limits

MCP_PATH = "/mcp"
MCP_TOOLS: Mapping[str, Tool] = {**ACCOUNT_TOOLS, **TOOLS}
# How long an approval question stays answerable (the chat waits as long).
APPROVAL_SECONDS = 300.0
ACCOUNT_STATE = "mcp_account"

NEEDS_TOKEN = (
    "Send a Scenecraft personal access token: Authorization: Bearer scp_... (make one on your "
    "profile page)"
)
READ_ONLY = (
    "This personal access token is read-only: {name} changes your projects. Make a write "
    "token on your Scenecraft profile page to allow it."
)
CANNOT_ASK = (
    "{name} needs your approval (your assistant approval setting is “{setting}”), and this "
    "MCP client cannot ask for it (it does not support elicitation). To allow such calls "
    "without asking, set “Assistant approval” to “{allowing}” on your Scenecraft profile page "
    '(or PATCH /api/users/me {{"assistant_approval": "{allowing}"}}), or use a client that '
    "supports elicitation."
)
DECLINED = "The user declined {name}: nothing was changed."


class Approval(BaseModel):
    """The question an MCP client puts to the person."""

    approve: bool = Field(description="Allow this change")


@dataclass(frozen=True)
class Verdict:
    """The resolver's answer when it did not ask: allowed as it is, or refused (why).
    `changes_allowed=False`: not asked because its dry run changed nothing or failed, so it may
    still change nothing."""

    refusal: str | None = None
    changes_allowed: bool = True


def _account(context: Context) -> Account:
    request = context.request_context.request
    assert isinstance(request, Request), "MCP tools run only behind PersonalTokenAuth"
    account: Account = getattr(request.state, ACCOUNT_STATE)
    return account


def _may_write(account: Account) -> bool:
    return account.personal_token is not None and account.personal_token.scope == "write"


def _can_elicit(context: Context) -> bool:
    """The client declared form elicitation (a bare `elicitation: {}` counts, as in the SDK)."""
    capabilities = context.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def _text(payload: str, *, is_error: bool) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=payload)], is_error=is_error)


class _SentArguments(ArgModelBase):
    """Hands the client's arguments over as they were sent: the registry's argument model
    validates them (in `run_tool`), so there is one schema and one validation, not two."""

    model_config = ConfigDict(extra="allow")

    def model_dump_one_level(self) -> dict[str, Any]:
        return {"arguments": dict(self.model_extra or {})}


class ScenecraftMcp:
    """The MCP server, its ASGI app (authenticated) and its lifespan (`run`)."""

    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        auth_service: AuthService,
    ) -> None:
        self._settings = settings
        self._sessions = session_factory
        self._server = MCPServer(
            "scenecraft",
            title="Scenecraft",
            instructions=(
                "Scenecraft plans videos as storyboards: projects of ordered scenes (frames with "
                "a title, script, duration, shot size, camera move, audio and notes). Start with "
                "list_projects; pass a project's id as project_id."
            ),
            version="0.1.0",
            tools=[self._mcp_tool(selected) for selected in MCP_TOOLS.values()],
            log_level="WARNING",
            # Shared by every instance (derived from SECRET_KEY), so an approval asked by one
            # instance can be answered through another; bound to the token that was asked.
            request_state_security=RequestStateSecurity(
                keys=[
                    hashlib.sha256(
                        b"mcp-request-state:" + settings.secret_key().encode()
                    ).hexdigest()
                ],
                ttl=APPROVAL_SECONDS,
                bind_principal=self._principal,
            ),
            middleware=[self._scoped_listing],
        )
        mcp_app = self._server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            # The Host check guards unauthenticated local servers against DNS rebinding; every
            # request here carries a personal token a rebinding page does not have, and the
            # app runs under any host name.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        self.app: ASGIApp = PersonalTokenAuth(mcp_app, session_factory, auth_service)

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        """The session manager's task group: for the app's lifespan (mounted apps get none)."""
        async with self._server.session_manager.run():
            yield

    @staticmethod
    def _principal(ctx: ServerRequestContext[Any, Any]) -> str | None:
        request = ctx.request
        account: Account | None = getattr(getattr(request, "state", None), ACCOUNT_STATE, None)
        if account is None or account.personal_token is None:
            return None
        return str(account.personal_token.id)

    async def _scoped_listing(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        """`tools/list` for a read token: only the read-only tools."""
        result = await call_next(ctx)
        if ctx.method != "tools/list" or result is None:
            return result
        account: Account | None = getattr(getattr(ctx.request, "state", None), ACCOUNT_STATE, None)
        if account is not None and _may_write(account):
            return result
        # The handler's result arrives serialized (a dict) or as the model.
        listing = ListToolsResult.model_validate(result) if isinstance(result, dict) else result
        assert isinstance(listing, ListToolsResult)
        visible = [
            listed
            for listed in listing.tools
            if listed.annotations is not None and listed.annotations.read_only_hint
        ]
        return listing.model_copy(update={"tools": visible})

    def _context(self, account: Account) -> ToolContext:
        """A call's scope over MCP: the token's user, any of their projects."""
        return ToolContext(
            self._sessions,
            account.id,
            None,
            limits=account_limits(self._settings, is_guest=account.is_guest),
            token_name=account.personal_token.name if account.personal_token else None,
        )

    def _mcp_tool(self, selected: Tool) -> McpTool:
        """The registry's tool as the SDK's: the registry's schema and annotations, a resolver
        that asks for approval when the setting says so, and `run_tool` for the call."""

        async def ask(ctx: Context, arguments: dict[str, Any]) -> Elicit[Approval] | Verdict:
            account = _account(ctx)
            if not selected.read_only and not _may_write(account):
                return Verdict(READ_ONLY.format(name=selected.name))
            async with unit_of_work(self._sessions) as session:
                setting = await account_settings.get_assistant_approval(session, account.id)
            if not selected.needs_approval(setting):
                return Verdict()
            # As in the chat: a call that would change nothing, or fail, is not asked about.
            preview = await preview_tool(
                self._context(account), selected.name, arguments, MCP_TOOLS
            )
            if preview is None:
                return Verdict(changes_allowed=False)
            if not _can_elicit(ctx):
                allowing = (
                    "destructive" if setting == "writes" and not selected.destructive else "none"
                )
                return Verdict(
                    CANNOT_ASK.format(name=selected.name, setting=setting, allowing=allowing)
                )
            shown = json.dumps(arguments, ensure_ascii=False, sort_keys=True)
            return Elicit(
                f"Allow Scenecraft's {selected.name} with {shown}? It would change your "
                f"project:\n{preview.in_words()}",
                Approval,
            )

        async def call(
            ctx: Context,
            arguments: dict[str, Any],
            approval: Annotated[ElicitationResult[Approval], Resolve(ask)],
        ) -> CallToolResult:
            if not isinstance(approval, AcceptedElicitation):
                return _text(DECLINED.format(name=selected.name), is_error=True)
            answer = approval.data
            if isinstance(answer, Verdict) and answer.refusal is not None:
                return _text(answer.refusal, is_error=True)
            if isinstance(answer, Approval) and not answer.approve:
                return _text(DECLINED.format(name=selected.name), is_error=True)
            result = await run_tool(
                self._context(_account(ctx)),
                selected.name,
                arguments,
                MCP_TOOLS,
                changes_allowed=not isinstance(answer, Verdict) or answer.changes_allowed,
            )
            return _text(result.output, is_error=not result.ok)

        registered = McpTool.from_function(
            call,
            name=selected.name,
            description=selected.description,
            annotations=ToolAnnotations(
                read_only_hint=selected.read_only,
                destructive_hint=selected.destructive,
                idempotent_hint=selected.idempotent,
                open_world_hint=False,
            ),
            structured_output=False,
        )
        registered.parameters = selected.parameters()
        registered.fn_metadata.arg_model = _SentArguments
        return registered


class PersonalTokenAuth:
    """Every MCP request carries a live personal access token, looked up in the database (so a
    revoked or expired one is refused at once, on any instance): 401 otherwise. The account is
    left on the request's state for the tools."""

    def __init__(
        self,
        app: ASGIApp,
        session_factory: async_sessionmaker[AsyncSession],
        auth_service: AuthService,
    ) -> None:
        self._app = app
        self._sessions = session_factory
        self._auth_service = auth_service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        scheme, _, token = Request(scope).headers.get("authorization", "").partition(" ")
        token = token.strip()
        account = None
        if scheme.lower() == "bearer" and is_personal_token(token):
            try:
                async with unit_of_work(self._sessions) as session:
                    account = await self._auth_service.authenticate_personal_token(session, token)
            except AuthenticationError:
                account = None
        if account is None:
            refusal = JSONResponse(
                {"detail": NEEDS_TOKEN if not token else "Invalid, expired or revoked token"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="scenecraft-mcp"'},
            )
            await refusal(scope, receive, send)
            return
        scope.setdefault("state", {})[ACCOUNT_STATE] = account
        await self._app(scope, receive, send)
