"""The signed-in user."""

from fastapi import APIRouter, Request, Response

from backend.api.deps import AuthServiceDep, CurrentUser, DetachedUser, SettingsDep
from backend.api.routes.auth import HASHING_BUSY_ERROR, set_session_cookie
from backend.schemas.user import PasswordChangeRequest, Token, UserPublic

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
async def read_current_user(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


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
