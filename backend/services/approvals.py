"""Approvals: a tool call the person's `assistant_approval` setting holds back waits, inside its
turn, for Approve or Decline. Question and answer live in the database (`chat_approval`), so the
answer can come through any instance: the waiting turn looks for it a few times a second, and at
once when it came through its own instance. Unanswered within CHAT_APPROVAL_TIMEOUT_SECONDS, the
call counts as declined (`expired`); a turn stopped while it waits gives it up (`cancelled`).
"""

import asyncio
import contextlib
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.assistant.engines.base import TurnCancelledError, TurnSink
from backend.assistant.tools.registry import Preview
from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import ConflictError, NotFoundError
from backend.models import ChatApproval, ChatTurn
from backend.models.base import utc_now
from backend.models.chat import APPROVED, CANCELLED, DECLINED, EXPIRED, PENDING, RUNNING
from backend.repositories import chat as chat_repository
from backend.schemas.chat import (
    ApprovalPublic,
    AwaitingApprovalPublic,
    ChatMessagePublic,
    ToolCallPublic,
)

POLL_SECONDS = 0.25


def approval_public(approval: ChatApproval) -> ApprovalPublic:
    return ApprovalPublic.model_validate(
        {
            "approval_id": approval.id,
            "name": approval.name,
            "arguments": approval.arguments,
            "preview": approval.preview,
        }
    )


@dataclass
class AwaitingApproval:
    """A turn paused on an approval: what `/send` and the approval route answer with `202`."""

    session_id: uuid.UUID
    approval: ApprovalPublic
    user_message: ChatMessagePublic
    tool_calls: list[dict[str, object]]

    def public(self) -> AwaitingApprovalPublic:
        return AwaitingApprovalPublic(
            session_id=self.session_id,
            approval=self.approval,
            messages=[self.user_message],
            tool_calls=[ToolCallPublic.model_validate(call) for call in self.tool_calls],
        )


class Approvals:
    def __init__(
        self, settings: Settings, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        self._timeout = settings.CHAT_APPROVAL_TIMEOUT_SECONDS
        self._sessions = session_factory
        self._answered: dict[uuid.UUID, asyncio.Event] = {}

    async def ask(
        self,
        turn_id: uuid.UUID,
        name: str,
        preview: Preview,
        sink: TurnSink,
    ) -> str:
        """Store the question, tell the page (`approval_required`) and wait for the answer:
        `approved`, `declined` or `expired`. A turn stopped meanwhile (from any instance)
        raises TurnCancelledError."""
        async with unit_of_work(self._sessions, write=True) as session:
            approval = await chat_repository.add_approval(
                session,
                ChatApproval(
                    turn_id=turn_id,
                    name=name,
                    arguments=preview.arguments,
                    preview={
                        "summary": preview.summary,
                        "changes": [change.model_dump(mode="json") for change in preview.changes],
                    },
                ),
            )
        answered = self._answered[approval.id] = asyncio.Event()
        settled = False
        try:
            await sink.approval_required(approval_public(approval))
            loop = asyncio.get_running_loop()
            until = loop.time() + self._timeout
            while (left := until - loop.time()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(answered.wait(), min(POLL_SECONDS, left))
                async with unit_of_work(self._sessions) as session:
                    found = await chat_repository.get_approval_wait(session, approval.id)
                if found is None:  # its turn was deleted with the conversation
                    raise TurnCancelledError
                status, turn_status = found
                if status != PENDING:
                    settled = True
                    return status
                if turn_status != RUNNING:  # stopped, from any instance
                    raise TurnCancelledError
            settled = True
            return await self._settle(approval.id, EXPIRED)
        finally:
            self._answered.pop(approval.id, None)
            if not settled:
                await self._settle(approval.id, CANCELLED)

    async def _settle(self, approval_id: uuid.UUID, status: str) -> str:
        """Give a pending approval its end; the status it ends with (an answer that came
        first stands)."""
        async with unit_of_work(self._sessions, write=True) as session:
            if await chat_repository.settle_approval(session, approval_id, status, utc_now()):
                return status
            return await chat_repository.get_approval_status(session, approval_id) or status

    async def answer(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        conversation_id: uuid.UUID,
        approval_id: uuid.UUID,
        approve: bool,
    ) -> ChatTurn:
        """Record the person's answer (in the caller's transaction; `wake` once committed):
        404 for someone else's approval or another conversation's, 409 once it was answered,
        given up, or its turn ended."""
        found = await chat_repository.get_owned_approval(session, user_id, approval_id)
        if found is None or found[1].session_id != conversation_id:
            raise NotFoundError("Approval")
        approval, turn = found
        if approval.status != PENDING:
            raise ConflictError(f"This approval was already answered: it is {approval.status}.")
        if turn.status != RUNNING:
            raise ConflictError("The turn this approval belongs to has ended.")
        status = APPROVED if approve else DECLINED
        if not await chat_repository.settle_approval(session, approval.id, status, utc_now()):
            raise ConflictError("This approval was answered meanwhile.")
        return turn

    def wake(self, approval_id: uuid.UUID) -> None:
        """Tell the turn waiting here (if it is this instance's) that its answer is stored."""
        answered = self._answered.get(approval_id)
        if answered is not None:
            answered.set()
