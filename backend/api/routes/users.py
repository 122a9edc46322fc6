"""The signed-in user: the account, its settings, its password and its personal access tokens."""

import uuid

from fastapi import APIRouter, Request, Response, status

from backend.api.deps import (
    AuthServiceDep,
    CurrentUser,
    SessionDep,
    SettingsDep,
    SignedInDetachedUser,
    SignedInUser,
)
from backend.api.routes.auth import HASHING_BUSY_ERROR, set_session_cookie
from backend.schemas.personal_token import (
    PersonalTokenCreate,
    PersonalTokenCreated,
    PersonalTokenPublic,
)
from backend.schemas.user import (
    CurrentUserPublic,
    PasswordChangeRequest,
    Token,
    UserPublic,
    UserSettingsUpdate,
)
from backend.services import account_settings
from backend.services import personal_tokens as personal_token_service
from backend.services.auth import Account
from backend.services.limits import account_limits

router = APIRouter(prefix="/users", tags=["users"])

NEEDS_SIGN_IN: dict[int | str, dict[str, str]] = {
    403: {"description": "Sent with a personal access token: sign in with your password instead"}
}


async def _current_user_public(
    session: SessionDep, user: Account, settings: SettingsDep
) -> CurrentUserPublic:
    limits = account_limits(settings, is_guest=user.is_guest)
    return CurrentUserPublic(
        **UserPublic.model_validate(user).model_dump(),
        is_guest=user.is_guest,
        limits=limits,
        assistant_approval=await account_settings.get_assistant_approval(session, user.id),
    )


@router.get("/me")
async def read_current_user(
    session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> CurrentUserPublic:
    """The account, with the limits the server enforces on it and its settings."""
    return await _current_user_public(session, user, settings)


@router.patch("/me", responses={403: {"description": "A read-only personal access token"}})
async def update_current_user(
    data: UserSettingsUpdate, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> CurrentUserPublic:
    """Change the account's settings (`assistant_approval`); fields left out stay as they are."""
    await account_settings.update_settings(session, user.id, data)
    return await _current_user_public(session, user, settings)


@router.put(
    "/me/password",
    responses={
        401: {"description": "The current password is wrong"},
        409: {
            "description": "The password was changed meanwhile, or the account is a guest's "
            "(which has none)"
        },
        **NEEDS_SIGN_IN,
        **HASHING_BUSY_ERROR,
    },
)
async def change_password(
    data: PasswordChangeRequest,
    user: SignedInDetachedUser,
    request: Request,
    response: Response,
    auth_service: AuthServiceDep,
    settings: SettingsDep,
) -> Token:
    """Change the password: every existing sign-in stops working; a new one is returned.
    Personal access tokens keep working (revoke them one by one)."""
    issued = await auth_service.change_password(user, data.current_password, data.new_password)
    return set_session_cookie(response, request, settings, issued)


@router.post(
    "/me/tokens",
    status_code=status.HTTP_201_CREATED,
    responses={**NEEDS_SIGN_IN, 409: {"description": "The account has the most tokens it may"}},
)
async def create_personal_token(
    data: PersonalTokenCreate, session: SessionDep, user: SignedInUser
) -> PersonalTokenCreated:
    """A personal access token for scripts and MCP clients (`Authorization: Bearer <token>`).
    `token` is in this answer only: it is stored hashed and never shown again."""
    return await personal_token_service.create_token(session, user.id, data)


@router.get("/me/tokens", responses=NEEDS_SIGN_IN)
async def list_personal_tokens(
    session: SessionDep, user: SignedInUser
) -> list[PersonalTokenPublic]:
    """Your personal access tokens, newest first, without their secrets."""
    return await personal_token_service.list_tokens(session, user.id)


@router.delete(
    "/me/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NEEDS_SIGN_IN, 404: {"description": "No such token, or not yours"}},
)
async def revoke_personal_token(
    token_id: uuid.UUID, session: SessionDep, user: SignedInUser
) -> Response:
    """Revoke a token: from the next request on, on every instance, it is refused (401)."""
    await personal_token_service.revoke_token(session, user.id, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
