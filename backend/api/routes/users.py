"""The signed-in user."""

from fastapi import APIRouter, Request, Response

from backend.api.deps import AuthServiceDep, CurrentUser, DetachedUser, SettingsDep
from backend.api.routes.auth import HASHING_BUSY_ERROR, set_session_cookie
from backend.schemas import common
from backend.schemas.user import (
    AccountLimits,
    CurrentUserPublic,
    PasswordChangeRequest,
    Token,
    UserPublic,
)

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
async def read_current_user(user: CurrentUser, settings: SettingsDep) -> CurrentUserPublic:
    """The account, with the limits the server enforces on it."""
    limits = AccountLimits(
        projects_per_account=common.PROJECTS_PER_USER_MAX,
        scenes_per_project=common.SCENES_PER_PROJECT_MAX,
        assistant_messages_per_day=settings.CHAT_MESSAGES_PER_DAY,
    )
    return CurrentUserPublic(**UserPublic.model_validate(user).model_dump(), limits=limits)


@router.put(
    "/me/password",
    responses={
        401: {"description": "The current password is wrong"},
        409: {"description": "The password was changed meanwhile"},
        **HASHING_BUSY_ERROR,
    },
)
async def change_password(
    data: PasswordChangeRequest,
    user: DetachedUser,
    request: Request,
    response: Response,
    auth_service: AuthServiceDep,
    settings: SettingsDep,
) -> Token:
    """Change the password: every existing token stops working; a new one is returned."""
    issued = await auth_service.change_password(user, data.current_password, data.new_password)
    return set_session_cookie(response, request, settings, issued)
