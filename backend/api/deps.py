"""Dependencies as `Annotated` aliases, so route signatures read as sentences."""

from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import AuthenticationError
from backend.core.security import TokenClaims
from backend.services.auth import Account, AuthService
from backend.services.chat import ChatService
from backend.services.files import FileService

SESSION_COOKIE = "scenecraft_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/auth/token",
    auto_error=False,
    description="Sign in with your email as the username. The browser app uses a cookie instead.",
)


# Dependencies are `async def` even when they do not await: FastAPI runs plain `def` ones in a
# worker thread, a hop that costs more than the work.


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    return factory


async def get_auth_service(request: Request) -> AuthService:
    service: AuthService = request.app.state.auth_service
    return service


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionFactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)]
AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


async def get_session(
    request: Request, session_factory: SessionFactoryDep
) -> AsyncIterator[AsyncSession]:
    """The request's one transaction: committed when the route returns, before the response is
    sent (so a failing commit is an error response, never a 200 for lost data)."""
    async with unit_of_work(session_factory, write=_writes(request)) as session:
        yield session


def _writes(request: Request) -> bool:
    """Whether the request's transaction (SessionDep) is a writer: anything but a safe method."""
    return request.method not in SAFE_METHODS


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def _is_same_origin(request: Request) -> bool:
    """Browsers label cross-site requests; non-browser clients send neither header."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    return parts.scheme == request.url.scheme and parts.netloc == request.headers.get("host")


def client_address(request: Request) -> str:
    """The connection's peer. Behind a reverse proxy, uvicorn's `--proxy-headers` (the Docker
    image's command) makes it the client's address from `X-Forwarded-For`, trusting only the
    proxies in `FORWARDED_ALLOW_IPS`: a header sent by anyone else is ignored, so no client can
    choose its own address to escape a throttle."""
    return request.client.host if request.client else "unknown"


def _credential(request: Request, bearer_token: str | None) -> str:
    """The bearer token, or else the session cookie, which unsafe requests may only send from
    our own pages."""
    token = bearer_token or request.cookies.get(SESSION_COOKIE)
    if not token:
        raise AuthenticationError("Not authenticated")
    if bearer_token is None and request.method not in SAFE_METHODS and not _is_same_origin(request):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Cross-site request refused: send the request from the app"
        )
    return token


BearerToken = Annotated[str | None, Depends(oauth2_scheme)]

# Which one a route takes follows from its service (README, "Who holds the transaction"):
# CurrentUser when the service takes the request's session, DetachedUser when it takes the
# session factory; UncheckedClaims for the one service that checks the session itself.


async def get_current_user(
    request: Request, session: SessionDep, auth_service: AuthServiceDep, bearer_token: BearerToken
) -> Account:
    """The caller, checked in the request's own transaction (SessionDep): for routes whose
    service takes that session, which is most of them."""
    return await auth_service.authenticate(
        session, _credential(request, bearer_token), session_writes=_writes(request)
    )


CurrentUser = Annotated[Account, Depends(get_current_user)]


async def get_detached_user(
    request: Request,
    session_factory: SessionFactoryDep,
    auth_service: AuthServiceDep,
    bearer_token: BearerToken,
) -> Account:
    """The caller, checked in a short transaction of its own that ends before the route runs:
    for routes whose service does slow work (hashing a password, a chat turn) and so takes the
    session factory rather than holding the request's transaction meanwhile."""
    async with unit_of_work(session_factory) as session:
        return await auth_service.authenticate(
            session, _credential(request, bearer_token), session_writes=False
        )


DetachedUser = Annotated[Account, Depends(get_detached_user)]


async def get_signing_up_guest(
    request: Request, session_factory: SessionFactoryDep, auth_service: AuthServiceDep
) -> Account | None:
    """For sign-up: the caller if it is a signed-in guest (signing up then converts that
    account), else None. Its cookie counts only from our own pages, as for any write. The
    header is read here rather than through `oauth2_scheme`, which would document the route as
    one that needs credentials (and answers 401 without them)."""
    scheme, bearer = get_authorization_scheme_param(request.headers.get("authorization"))
    bearer_token = bearer if scheme.lower() == "bearer" and bearer else None
    if not (bearer_token or request.cookies.get(SESSION_COOKIE)):
        return None
    credential = _credential(request, bearer_token)
    try:
        async with unit_of_work(session_factory) as session:
            account = await auth_service.authenticate(session, credential, session_writes=False)
    except AuthenticationError:
        return None  # a stale sign-in: a new account, as without one
    return account if account.is_guest else None


SigningUpGuest = Annotated[Account | None, Depends(get_signing_up_guest)]


async def get_unchecked_claims(request: Request, bearer_token: BearerToken) -> TokenClaims:
    """A valid token's claims, its session NOT yet checked: only for services that check the
    session in the same query as their data (ProjectDocuments.read). It is on the busiest
    route, so it reads the auth service itself rather than through one more dependency (each
    costs FastAPI a resolution step on every request)."""
    auth_service: AuthService = request.app.state.auth_service
    return auth_service.read_claims(_credential(request, bearer_token))


UncheckedClaims = Annotated[TokenClaims, Depends(get_unchecked_claims)]


async def get_signed_in_user(
    request: Request, session: SessionDep, auth_service: AuthServiceDep
) -> Account | None:
    """For pages: the browser signed in by its session cookie, or None rather than a 401."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return await auth_service.authenticate(session, token, session_writes=False)
    except AuthenticationError:
        return None


OptionalUser = Annotated[Account | None, Depends(get_signed_in_user)]


async def get_chat_service(request: Request) -> ChatService:
    service: ChatService = request.app.state.chat_service
    return service


ChatServiceDep = Annotated[ChatService, Depends(get_chat_service)]


async def get_file_service(request: Request) -> FileService:
    service: FileService = request.app.state.file_service
    return service


FileServiceDep = Annotated[FileService, Depends(get_file_service)]
