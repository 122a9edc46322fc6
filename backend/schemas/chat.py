"""Chat bodies."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, computed_field, field_validator

from backend.schemas.common import NOT_BLANK, Id, InputModel, JsonSchemaExtra, PublicModel
from backend.schemas.document import Citation, citations_from
from backend.schemas.history import ChangePublic

MESSAGE_MAX = 8_000
ATTACHMENTS_MAX = 4


MessageText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MESSAGE_MAX),
    JsonSchemaExtra(pattern=NOT_BLANK),
]


class ChatSendRequest(InputModel):
    message: MessageText = Field(examples=["Add a scene called Opening"])
    client_message_id: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = (
        Field(
            default=None,
            description="Any unique id from the client: sending it again returns the original "
            "turn instead of running a new one (one still running is followed: `/send` waits "
            "for its end, or answers 202 while it waits for an approval)",
        )
    )
    attachments: list[Id] = Field(
        default_factory=list,
        max_length=ATTACHMENTS_MAX,
        description=f"Up to {ATTACHMENTS_MAX} of your uploaded pictures (`POST /api/files` ids) "
        "to show the assistant with the message; a document or a file that is not yours is a 422",
    )


class RegenerateRequest(InputModel):
    message: MessageText | None = Field(
        default=None,
        description="Your last message, edited: it stands in for the last one (kept, marked "
        "`superseded`, with its answer) and is answered, with the same pictures. Omitted: the "
        "last message is answered again",
        examples=["Add a scene called Sunrise instead"],
    )


class ToolCallPublic(PublicModel):
    name: str
    arguments: dict[str, Any]
    output: str
    ok: bool


class AttachmentPublic(PublicModel):
    file_id: uuid.UUID
    filename: str
    content_type: str


class ChatMessagePublic(PublicModel):
    id: uuid.UUID
    role: str
    content: str
    created_at: datetime
    attachments: list[AttachmentPublic] = Field(
        default_factory=list,
        description="On a user message, the pictures sent with it (their thumbnails: "
        "`GET /api/files/{file_id}/thumbnail`; a picture deleted since is still named here)",
    )
    status: str = Field(
        description="`complete`; for a user message whose reply did not complete, `failed` "
        "(the provider failed, the turn timed out, or the instance running it died) or "
        "`cancelled` (stopped by the user); `superseded` for an answer replaced by "
        "regenerating it, and for a message replaced by editing it or sending it again (kept, "
        "shown folded, never sent to the model again)"
    )
    tool_calls: list[ToolCallPublic] | None = Field(
        default=None,
        description="On an assistant message, the tools its turn ran; on a failed or cancelled "
        "user message, the tools that ran before the turn ended (their changes stay)",
    )
    change_set_id: uuid.UUID | None = Field(
        default=None,
        description="On an assistant message, the change set its turn made (`null` when it "
        "changed nothing): `POST /api/change-sets/{id}/undo` reverts it",
    )

    @field_validator("attachments", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        """Messages stored before attachments existed (and assistant messages) have none."""
        return [] if value is None else value

    @computed_field(  # type: ignore[prop-decorator]
        description="On an assistant message whose turn searched the project's documents, the "
        "passages found, each once: what the answer rests on"
    )
    @property
    def citations(self) -> list[Citation] | None:
        if self.role != "assistant":
            return None
        return citations_from([call.model_dump() for call in self.tool_calls or []])


class ApprovalPreview(PublicModel):
    summary: str = Field(description="What the call would change, in words")
    changes: list[ChangePublic] = Field(
        description="Each change as the history would record it (the fields that would "
        "change, or the whole entity for a creation or deletion)"
    )


class ApprovalPublic(PublicModel):
    approval_id: uuid.UUID
    name: str = Field(description="The tool the assistant wants to call")
    arguments: dict[str, Any]
    preview: ApprovalPreview


class AwaitingApprovalPublic(PublicModel):
    """A turn paused on a tool call that waits for the person's OK."""

    session_id: uuid.UUID
    status: Literal["awaiting_approval"] = "awaiting_approval"
    approval: ApprovalPublic
    messages: list[ChatMessagePublic] = Field(description="The turn's user message")
    tool_calls: list[ToolCallPublic] = Field(description="The calls that ran before the pause")


class ApprovalDecision(InputModel):
    approve: bool = Field(description="`true` runs the call; `false` declines it")


class ChatTurnPublic(PublicModel):
    session_id: uuid.UUID
    reply: str
    messages: list[ChatMessagePublic]
    tool_calls: list[ToolCallPublic]
    cancelled: bool = Field(default=False, description="True when the turn was stopped")
    change_set_id: uuid.UUID | None = Field(
        default=None,
        description="The change set the turn's tool calls made (`null` when nothing changed)",
    )


class ChatHistory(PublicModel):
    session_id: uuid.UUID | None
    awaiting_approval: ApprovalPublic | None = Field(
        default=None,
        description="The tool call the conversation's running turn waits for your OK on, if "
        "any (answer it with `POST .../approvals/{approval_id}`)",
    )
    is_active: bool | None = Field(
        default=None,
        description="`false` once the conversation has been idle for CHAT_CONVERSATION_TTL_DAYS "
        "(still readable; the next message makes it active again); `null` before the first "
        "message",
    )
    messages: list[ChatMessagePublic]


class CancelResult(PublicModel):
    cancelled: bool


ConversationTitle = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
    JsonSchemaExtra(pattern=NOT_BLANK),
]


class ConversationCreate(InputModel):
    title: ConversationTitle | None = Field(
        default=None, description="Omitted: taken from the first message"
    )


class ConversationUpdate(InputModel):
    title: ConversationTitle


class ConversationPublic(PublicModel):
    id: uuid.UUID
    title: str = Field(description="The user's, else the first message's start")
    created_at: datetime
    last_message_at: datetime
    message_count: int
    is_active: bool = Field(
        description="`false` after CHAT_CONVERSATION_TTL_DAYS without a message"
    )
    is_current: bool = Field(description="The one `/api/chat/{project_id}/...` addresses")
