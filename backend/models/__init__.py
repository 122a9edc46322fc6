"""ORM models; importing this package registers every table on `Base.metadata`."""

from backend.models.base import Base
from backend.models.project import Project, Scene
from backend.models.user import AuthSession, LoginFailure, User

__all__ = ["AuthSession", "Base", "LoginFailure", "Project", "Scene", "User"]
