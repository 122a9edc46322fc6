"""The signed-in user."""

from fastapi import APIRouter, Request, Response

from backend.api.deps import AuthServiceDep, CurrentUser, DetachedUser, SettingsDep
from backend.api.routes.auth import HASHING_BUSY_ERROR, set_session_cookie
from backend.schemas.user import (
    CurrentUserPublic,
    PasswordChangeRequest,
    Token,
    UserPublic,
)
from backend.services.limits import account_limits

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
async def read_current_user(user: CurrentUser, settings: SettingsDep) -> CurrentUserPublic:
    """The account, with the limits the server enforces on it."""
    limits = account_limits(settings, is_guest=user.is_guest)
    return CurrentUserPublic(
        **UserPublic.model_validate(user).model_dump(), is_guest=user.is_guest, limits=limits
    )


@router.put(
    "/me/password",
    responses={
        401: {"description": "The current password is wrong"},
        409: {
            "description": "The password was changed meanwhile, or the account is a guest's "
            "(which has none)"
        },
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
