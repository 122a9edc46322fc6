"""Dependencies as `Annotated` aliases, so route signatures read as sentences."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import AuthenticationError
from backend.core.security import TokenClaims
from backend.services.auth import Account, AuthService
from backend.services.chat import ChatService
from backend.services.project_documents import ProjectDocuments

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


@dataclass(frozen=True, slots=True)
class Principal:
    user: Account
    session_id: uuid.UUID


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


async def _authenticate(
    request: Request,
    session: AsyncSession,
    auth_service: AuthService,
    bearer_token: str | None,
    *,
    session_writes: bool,
) -> Principal:
    user, session_id = await auth_service.authenticate(
        session, _credential(request, bearer_token), session_writes=session_writes
    )
    return Principal(user=user, session_id=session_id)


async def get_principal(
    request: Request,
    session: SessionDep,
    auth_service: AuthServiceDep,
    bearer_token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    return await _authenticate(
        request,
        session,
        auth_service,
        bearer_token,
        session_writes=_writes(request),
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_detached_user(
    request: Request,
    session_factory: SessionFactoryDep,
    auth_service: AuthServiceDep,
    bearer_token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Account:
    """The caller, checked in a transaction of its own that ends at once: for routes that wait
    on the model, which must not hold a database connection meanwhile."""
    async with unit_of_work(session_factory) as session:
        principal = await _authenticate(
            request, session, auth_service, bearer_token, session_writes=False
        )
    return principal.user


DetachedUser = Annotated[Account, Depends(get_detached_user)]


async def get_unchecked_claims(
    request: Request, bearer_token: Annotated[str | None, Depends(oauth2_scheme)]
) -> TokenClaims:
    """A valid token's claims, its session NOT yet checked: only for services that check the
    session in the same query as their data (ProjectDocuments.read). It is on the busiest
    route, so it reads the auth service itself rather than through one more dependency."""
    auth_service: AuthService = request.app.state.auth_service
    return auth_service.read_claims(_credential(request, bearer_token))


UncheckedClaims = Annotated[TokenClaims, Depends(get_unchecked_claims)]


async def get_project_documents(request: Request) -> ProjectDocuments:
    documents: ProjectDocuments = request.app.state.project_documents
    return documents


ProjectDocumentsDep = Annotated[ProjectDocuments, Depends(get_project_documents)]


async def get_chat_service(request: Request) -> ChatService:
    service: ChatService = request.app.state.chat_service
    return service


ChatServiceDep = Annotated[ChatService, Depends(get_chat_service)]


async def get_optional_principal(
    request: Request, session: SessionDep, auth_service: AuthServiceDep
) -> Principal | None:
    """For pages: the signed-in browser (session cookie), or None instead of a 401."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        user, session_id = await auth_service.authenticate(session, token, session_writes=False)
    except AuthenticationError:
        return None
    return Principal(user=user, session_id=session_id)


OptionalPrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]


async def get_current_user(principal: PrincipalDep) -> Account:
    return principal.user


CurrentUser = Annotated[Account, Depends(get_current_user)]
