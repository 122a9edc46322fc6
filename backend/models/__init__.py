"""ORM models; importing this package registers every table on `Base.metadata`."""

from backend.models.base import Base
from backend.models.change_set import Change, ChangeSet
from backend.models.chat import ChatApproval, ChatMessage, ChatSession, ChatTurn, DiscardedThread
from backend.models.document import Document, DocumentPassage
from backend.models.dossier import StoryDossier
from backend.models.file import StoredFile
from backend.models.personal_token import PersonalAccessToken
from backend.models.project import Project, Scene
from backend.models.share import ShareComment, ShareCommentPost, ShareLink
from backend.models.user import AuthSession, GuestCreation, LoginFailure, User

__all__ = [
    "AuthSession",
    "Base",
    "Change",
    "ChangeSet",
    "ChatApproval",
    "ChatMessage",
    "ChatSession",
    "ChatTurn",
    "DiscardedThread",
    "Document",
    "DocumentPassage",
    "GuestCreation",
    "LoginFailure",
    "PersonalAccessToken",
    "Project",
    "Scene",
    "ShareComment",
    "ShareCommentPost",
    "ShareLink",
    "StoredFile",
    "StoryDossier",
    "User",
]
