"""Sign-up (a guest's too), guest accounts, sign-in (JSON and the OAuth2 password form),
sign-out."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status

from backend.api.deps import (
    SESSION_COOKIE,
    AuthServiceDep,
    SessionDep,
    SettingsDep,
    SignedInUser,
    SigningUpGuest,
    client_address,
)
from backend.core.config import Settings
from backend.schemas.user import (
    LoginRequest,
    PasswordGrantForm,
    Token,
    UserCreate,
    UserPublic,
)
from backend.services.auth import IssuedToken

router = APIRouter(prefix="/auth", tags=["auth"])

HASHING_BUSY_ERROR: dict[int | str, dict[str, str]] = {
    503: {
        "description": "Too many password checks at once (sign-ins, sign-ups, password "
        "changes); see the Retry-After header"
    }
}
_AUTH_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Incorrect email or password (the same answer for both)"},
    429: {"description": "Too many failed attempts; see the Retry-After header"},
    **HASHING_BUSY_ERROR,
}


def set_session_cookie(
    response: Response, request: Request, settings: Settings, issued: IssuedToken
) -> Token:
    secure = settings.COOKIE_SECURE
    response.set_cookie(
        SESSION_COOKIE,
        issued.access_token,
        max_age=issued.expires_in,
        httponly=True,
        samesite="lax",
        path="/",
        secure=request.url.scheme == "https" if secure is None else secure,
    )
    return Token(access_token=issued.access_token, expires_in=issued.expires_in)


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "A guest's session cookie sent from another site"},
        409: {
            "description": "An account with this email already exists, or the guest account "
            "was signed up already"
        },
        **HASHING_BUSY_ERROR,
    },
)
async def register_user(
    data: UserCreate, guest: SigningUpGuest, auth_service: AuthServiceDep
) -> UserPublic:
    """Create an account. Passwords are 8–128 characters; emails are case-insensitive.

    Sent by a signed-in guest (its cookie or token), it turns that guest account into a full
    one in place: the same id, every project and conversation kept, still signed in."""
    return await auth_service.register(data, guest)


@router.post(
    "/guest",
    status_code=status.HTTP_201_CREATED,
    responses={
        429: {
            "description": "Too many guest accounts created from this address lately; see the "
            "Retry-After header"
        }
    },
)
async def create_guest(
    request: Request, response: Response, auth_service: AuthServiceDep, settings: SettingsDep
) -> Token:
    """Try Scenecraft without an account: a new guest account, signed in (a token and the
    session cookie, as at login). It has no email or password and smaller limits (see
    `GET /api/users/me`), and is deleted when unused for `GUEST_TTL_DAYS`; sign up
    (`POST /api/auth/register` while signed in as the guest) to keep everything in it."""
    issued = await auth_service.create_guest(client_address(request))
    return set_session_cookie(response, request, settings, issued)


@router.post("/login", responses=_AUTH_ERRORS)
async def login(
    data: LoginRequest,
    request: Request,
    response: Response,
    auth_service: AuthServiceDep,
    settings: SettingsDep,
) -> Token:
    """Sign in: returns a bearer token and also sets the browser session cookie."""
    issued = await auth_service.login(data.email, data.password, client_address(request))
    return set_session_cookie(response, request, settings, issued)


@router.post("/token", responses=_AUTH_ERRORS)
async def login_for_access_token(
    form: Annotated[PasswordGrantForm, Form()],
    request: Request,
    response: Response,
    auth_service: AuthServiceDep,
    settings: SettingsDep,
) -> Token:
    """The OAuth2 password flow (Swagger's Authorize button, `curl -d`): `username` is the email."""
    issued = await auth_service.login(form.username, form.password, client_address(request))
    return set_session_cookie(response, request, settings, issued)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={403: {"description": "A personal access token (revoke it instead)"}},
)
async def logout(user: SignedInUser, session: SessionDep, auth_service: AuthServiceDep) -> Response:
    """Revoke this token on the server (reusing it gives 401) and clear the cookie."""
    await auth_service.logout(session, user.session_id)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response
