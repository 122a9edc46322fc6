"""Dependencies as `Annotated` aliases, so route signatures read as sentences."""

from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Header, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import AuthenticationError
from backend.core.security import TokenClaims, is_personal_token
from backend.services.assistant import AssistantService
from backend.services.auth import Account, AuthService
from backend.services.chat import ChatService
from backend.services.files import FileService
from backend.services.history import Actor, act_as, expect_revision, on_recorded

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

READ_ONLY_TOKEN = "This personal access token is read-only: make a write token to change things"
NEEDS_SIGN_IN = (
    "A personal access token cannot do this: sign in with your email and password instead"
)


def _in_scope(request: Request, account: Account) -> Account:
    """A read personal token may only read (the contract's 403 on unsafe methods)."""
    token = account.personal_token
    if token is not None and token.scope != "write" and request.method not in SAFE_METHODS:
        raise HTTPException(status.HTTP_403_FORBIDDEN, READ_ONLY_TOKEN)
    return account


# Which one a route takes follows from its service (README, "Who holds the transaction"):
# CurrentUser when the service takes the request's session, DetachedUser when it takes the
# session factory; UncheckedClaims for the one service that checks the session itself.


async def get_current_user(
    request: Request, session: SessionDep, auth_service: AuthServiceDep, bearer_token: BearerToken
) -> Account:
    """The caller, checked in the request's own transaction (SessionDep): for routes whose
    service takes that session, which is most of them."""
    account = await auth_service.authenticate(
        session, _credential(request, bearer_token), session_writes=_writes(request)
    )
    act_as(session, Actor("user"))
    return _in_scope(request, account)


CurrentUser = Annotated[Account, Depends(get_current_user)]


async def _authenticate_detached(
    session_factory: async_sessionmaker[AsyncSession], auth_service: AuthService, credential: str
) -> Account:
    """The account behind `credential`, checked in a short reading transaction of its own."""
    async with unit_of_work(session_factory) as session:
        return await auth_service.authenticate(session, credential, session_writes=False)


async def get_detached_user(
    request: Request,
    session_factory: SessionFactoryDep,
    auth_service: AuthServiceDep,
    bearer_token: BearerToken,
) -> Account:
    """The caller, checked in a short transaction of its own that ends before the route runs:
    for routes whose service does slow work (hashing a password, a chat turn) and so takes the
    session factory rather than holding the request's transaction meanwhile."""
    credential = _credential(request, bearer_token)
    account = await _authenticate_detached(session_factory, auth_service, credential)
    return _in_scope(request, account)


DetachedUser = Annotated[Account, Depends(get_detached_user)]


class SignInCheck:
    """The request's credential, to check again later: a long stream outlives a sign-out, a
    password change or a revoked personal token, and must end with it."""

    def __init__(
        self,
        credential: str,
        session_factory: async_sessionmaker[AsyncSession],
        auth_service: AuthService,
    ) -> None:
        self._credential = credential
        self._session_factory = session_factory
        self._auth_service = auth_service

    async def still_valid(self) -> bool:
        try:
            await _authenticate_detached(
                self._session_factory, self._auth_service, self._credential
            )
        except AuthenticationError:
            return False
        return True


async def get_sign_in_check(
    request: Request,
    session_factory: SessionFactoryDep,
    auth_service: AuthServiceDep,
    bearer_token: BearerToken,
) -> SignInCheck:
    return SignInCheck(_credential(request, bearer_token), session_factory, auth_service)


SignInCheckDep = Annotated[SignInCheck, Depends(get_sign_in_check)]


def _signed_in(account: Account) -> Account:
    if account.personal_token is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, NEEDS_SIGN_IN)
    return account


async def get_signed_in_account(user: CurrentUser) -> Account:
    """CurrentUser, signed in with a password (not a personal token): for managing tokens, so
    a leaked token cannot make more of itself or outlive its revocation."""
    return _signed_in(user)


SignedInUser = Annotated[Account, Depends(get_signed_in_account)]


async def get_signed_in_detached_account(user: DetachedUser) -> Account:
    """DetachedUser, signed in with a password (not a personal token): for the password."""
    return _signed_in(user)


SignedInDetachedUser = Annotated[Account, Depends(get_signed_in_detached_account)]


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
        account = await _authenticate_detached(session_factory, auth_service, credential)
    except AuthenticationError:
        return None  # a stale sign-in: a new account, as without one
    return account if account.is_guest and account.personal_token is None else None


SigningUpGuest = Annotated[Account | None, Depends(get_signing_up_guest)]


async def get_unchecked_claims(
    request: Request, bearer_token: BearerToken
) -> TokenClaims | Account:
    """A valid sign-in token's claims, its session NOT yet checked: only for services that
    check the session in the same query as their data (ProjectDocuments.read). A personal
    token has no session to check that way: it is checked here, and its account returned. It
    is on the busiest route, so it reads the app state itself rather than through more
    dependencies (each costs FastAPI a resolution step on every request)."""
    auth_service: AuthService = request.app.state.auth_service
    credential = _credential(request, bearer_token)
    if not is_personal_token(credential):
        return auth_service.read_claims(credential)
    async with unit_of_work(request.app.state.session_factory) as session:
        account = await auth_service.authenticate_personal_token(session, credential)
    return _in_scope(request, account)


UncheckedClaims = Annotated[TokenClaims | Account, Depends(get_unchecked_claims)]


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


async def get_assistant_service(request: Request) -> AssistantService:
    service: AssistantService = request.app.state.assistant_service
    return service


AssistantServiceDep = Annotated[AssistantService, Depends(get_assistant_service)]


def parse_if_match(header: str) -> frozenset[int] | None:
    """The revisions an If-Match header names (`"r<revision>"`, weak or strong); None for `*`.
    A tag that names no revision of ours matches nothing (RFC 9110: the write is refused)."""
    revisions = set()
    for tag in header.split(","):
        tag = tag.strip().removeprefix("W/").strip('"')
        if tag == "*":
            return None
        if tag.startswith("r") and tag[1:].isdigit() and len(tag) < 20:
            revisions.add(int(tag[1:]))
    return frozenset(revisions)


async def get_if_match_revisions(
    if_match: Annotated[
        str | None,
        Header(
            description='The ETag of your last read (`"r<revision>"`): the write is refused '
            "with 412 and the current revision when the project has changed since. Without it, "
            "the write goes ahead whatever changed."
        ),
    ] = None,
) -> frozenset[int] | None:
    return None if if_match is None else parse_if_match(if_match)


IfMatchRevisions = Annotated[frozenset[int] | None, Depends(get_if_match_revisions)]


async def apply_if_match(
    session: SessionDep, revisions: IfMatchRevisions, response: Response
) -> None:
    """The request's writes check its If-Match (`services/history.recording`); the answer to a
    write that changed something carries the new revision's ETag, for the next If-Match."""
    expect_revision(session, revisions)

    def tag(revision: int) -> None:
        response.headers["ETag"] = f'"r{revision}"'

    on_recorded(session, tag)


IfMatch = Annotated[None, Depends(apply_if_match)]
