"""Accounts: the contract's Authentication table, its error cases and the token attacks."""

import asyncio
import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from jose import jwt
from passlib.context import CryptContext
from sqlalchemy import select, update

from backend.core.config import Settings
from backend.core.security import TOKEN_AUDIENCE, TOKEN_ISSUER
from backend.main import create_app
from backend.models import AuthSession, LoginFailure, User
from backend.services.project_documents import DocumentCache
from tests.conftest import (
    PASSWORD,
    TEST_SECRET,
    AppFactory,
    TestUser,
    UserFactory,
    asgi_client,
)


# The ways the session behind a token is checked: the shared dependency (/users/me stands for
# every route) and the project read, which checks it in the same query as the project's revision
# when it keeps the project, and in the same query as the whole project when it does not.
@pytest.fixture(params=["me", "project", "project not kept"])
async def protected_path(
    request: pytest.FixtureRequest, app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> str:
    if request.param == "me":
        return "/api/users/me"
    created = await client.post("/api/projects", json={"title": "Mine"}, headers=user.headers)
    path = f"/api/projects/{created.json()['id']}"
    if request.param == "project not kept":
        # With a scene: its row comes back whether or not the session is live.
        scene = await client.post(f"{path}/scenes", json={"title": "One"}, headers=user.headers)
        assert scene.status_code == 201
        app.state.project_documents.cache = DocumentCache(0)
    # Read once, so a cached copy exists (if kept) that a dead session must still not reach.
    assert (await client.get(path, headers=user.headers)).status_code == 200
    return path


async def register(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/api/auth/register", json={"email": email, "password": password})


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def test_register_returns_the_public_user(client: httpx.AsyncClient) -> None:
    response = await register(client, "Ada@Example.COM")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "created_at"}
    assert body["email"] == "ada@example.com"
    assert uuid.UUID(body["id"])
    assert body["created_at"].endswith(("Z", "+00:00"))


async def test_duplicate_email_is_409_whatever_its_case(client: httpx.AsyncClient) -> None:
    assert (await register(client, "ada@example.com")).status_code == 201
    duplicate = await register(client, "ADA@example.com", "another password")
    assert duplicate.status_code == 409
    assert duplicate.json() == {"detail": "An account with this email already exists"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "password": "x" * 7}, "password"),
        ({"email": "a@example.com", "password": "x" * 129}, "password"),
        ({"email": "a@example.com", "password": "a\x00bcdefghij"}, "password"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": PASSWORD, "is_admin": True}, "is_admin"),
    ],
)
async def test_invalid_registration_is_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert any(field in error["loc"] for error in response.json()["detail"])
    assert PASSWORD not in response.text  # values are not echoed back


@pytest.mark.parametrize(
    "password",
    ["x" * 8, "x" * 128, "€" * 25, "€" * 64, "a" * 73, "pässwörd with spaces 🎬"],
    ids=["8-chars", "128-chars", "75-bytes", "192-bytes", "73-ascii", "unicode"],
)
async def test_long_and_multibyte_passwords_work_end_to_end(
    client: httpx.AsyncClient, password: str
) -> None:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    assert (await register(client, email, password)).status_code == 201
    assert (await login(client, email, password)).status_code == 200
    # bcrypt would have compared only the first 72 bytes; bcrypt_sha256 sees them all.
    assert (await login(client, email, password[:-1] + "y")).status_code == 401


async def test_passwords_are_stored_as_bcrypt_sha256(app: FastAPI, user: TestUser) -> None:
    async with app.state.session_factory() as session:
        stored = await session.scalar(
            select(User.hashed_password).where(User.id == uuid.UUID(user.id))
        )
    assert stored is not None
    assert stored.startswith("$bcrypt-sha256$")
    assert user.password not in stored


@pytest.mark.parametrize(
    "password",
    ["a" * 73, "€" * 25, "a\x00b", "x" * 1024, ""],
    ids=["73", "75-bytes", "nul", "1024", "empty"],
)
async def test_odd_passwords_at_login_are_401_or_422_never_500(
    client: httpx.AsyncClient, user: TestUser, password: str
) -> None:
    response = await login(client, user.email, password)
    assert response.status_code in (401, 422)


async def test_login_returns_a_bearer_token_and_sets_the_session_cookie(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    response = await login(client, user.email.upper())
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    cookie = response.headers["set-cookie"].lower()
    assert "scenecraft_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie  # plain http in tests; https requests get Secure
    me = await client.get(
        "/api/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json()["email"] == user.email


async def test_unknown_email_and_wrong_password_get_the_same_401(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    wrong_password = await login(client, user.email, "wrong password")
    unknown_email = await login(client, "nobody@example.com", "wrong password")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert (
        wrong_password.json() == unknown_email.json() == {"detail": "Incorrect email or password"}
    )
    assert "set-cookie" not in wrong_password.headers


async def test_oauth2_token_form_signs_in_with_the_email_as_username(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    response = await client.post(
        "/api/auth/token", data={"username": user.email, "password": user.password}
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
    bad = await client.post("/api/auth/token", data={"username": user.email, "password": "nope"})
    assert bad.status_code == 401


async def test_openapi_declares_the_password_flow_for_swagger(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    flows = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert flows["password"]["tokenUrl"] == "/api/auth/token"


async def test_logout_revokes_the_token_on_the_server(
    client: httpx.AsyncClient, user: TestUser, protected_path: str
) -> None:
    other_session = (await login(client, user.email)).json()["access_token"]
    client.cookies.clear()
    response = await client.post("/api/auth/logout", headers=user.headers)
    assert response.status_code == 204
    assert 'scenecraft_session=""' in response.headers["set-cookie"]
    assert (await client.get(protected_path, headers=user.headers)).status_code == 401
    # Only that session ended: a token from another sign-in still works.
    other = await client.get(protected_path, headers={"Authorization": f"Bearer {other_session}"})
    assert other.status_code == 200


async def test_reads_require_authentication(client: httpx.AsyncClient, protected_path: str) -> None:
    response = await client.get(protected_path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def forge(claims: dict[str, object], key: str = TEST_SECRET, algorithm: str = "HS256") -> str:
    return str(jwt.encode(claims, key, algorithm=algorithm))


def unsigned(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def claims_of(token: str) -> dict[str, object]:
    return dict(jwt.get_unverified_claims(token))


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda c: forge({**c, "exp": int(time.time()) - 1}), id="expired"),
        pytest.param(
            lambda c: forge(c, key="another-secret-key-of-the-same-length-000000"),
            id="wrong-signature",
        ),
        pytest.param(lambda c: unsigned(c), id="alg-none"),
        pytest.param(lambda c: forge(c, algorithm="HS512"), id="hs512"),
        pytest.param(lambda c: forge({k: v for k, v in c.items() if k != "exp"}), id="no-exp"),
        pytest.param(lambda c: forge({k: v for k, v in c.items() if k != "iat"}), id="no-iat"),
        pytest.param(lambda c: forge({**c, "aud": "someone-else"}), id="wrong-audience"),
        pytest.param(lambda c: forge({**c, "iss": "someone-else"}), id="wrong-issuer"),
        pytest.param(lambda c: forge({**c, "nbf": int(time.time()) + 600}), id="not-yet-valid"),
        pytest.param(lambda c: forge({**c, "sub": 12345}), id="integer-sub"),
        pytest.param(lambda c: forge({**c, "sid": str(uuid.uuid4())}), id="unknown-session"),
        pytest.param(lambda c: forge({**c, "ver": 1}), id="old-version"),
        pytest.param(lambda c: forge({**c, "typ": "refresh"}), id="wrong-type"),
        pytest.param(lambda c: "garbage", id="garbage"),
        pytest.param(lambda c: "a.b.c", id="three-garbage-parts"),
        pytest.param(lambda c: "", id="empty"),
    ],
)
async def test_bad_tokens_are_401_never_500(
    client: httpx.AsyncClient, user: TestUser, make_token: object, protected_path: str
) -> None:
    valid = claims_of(user.token)
    assert valid["aud"] == TOKEN_AUDIENCE
    assert valid["iss"] == TOKEN_ISSUER
    token = make_token(valid)  # type: ignore[operator]
    response = await client.get(protected_path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or expired token"} or token == ""


async def test_a_forged_token_with_the_real_key_and_claims_is_accepted(
    client: httpx.AsyncClient, user: TestUser, protected_path: str
) -> None:
    """The control for the table above: the forging helper itself produces valid tokens."""
    token = forge(claims_of(user.token))
    response = await client.get(protected_path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


async def test_cookie_authenticates_browser_requests(
    client: httpx.AsyncClient, user: TestUser, protected_path: str
) -> None:
    assert (await login(client, user.email)).status_code == 200
    assert (await client.get(protected_path)).status_code == 200
    created = await client.post(
        "/api/projects", json={"title": "From the browser"}, headers={"Origin": "http://testserver"}
    )
    assert created.status_code == 201


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
async def test_cross_site_unsafe_requests_with_the_cookie_are_403(
    client: httpx.AsyncClient, user: TestUser, headers: dict[str, str]
) -> None:
    assert (await login(client, user.email)).status_code == 200
    response = await client.post("/api/projects", json={"title": "CSRF"}, headers=headers)
    assert response.status_code == 403
    assert (await client.get("/api/projects")).json() == []


async def test_form_encoded_bodies_cannot_reach_json_routes(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    assert (await login(client, user.email)).status_code == 200
    response = await client.post(
        "/api/projects",
        content=b'{"title": "text/plain CSRF"}',
        headers={"Content-Type": "text/plain", "Origin": "http://testserver"},
    )
    assert response.status_code == 422
    assert (await client.get("/api/projects")).json() == []


async def test_bearer_requests_need_no_origin_check(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    response = await client.post(
        "/api/projects",
        json={"title": "curl"},
        headers={**user.headers, "Origin": "https://elsewhere.example"},
    )
    assert response.status_code == 201


async def test_password_change_ends_every_other_session(
    client: httpx.AsyncClient, user: TestUser, protected_path: str
) -> None:
    wrong = await client.put(
        "/api/users/me/password",
        json={"current_password": "nope nope", "new_password": "a brand new password"},
        headers=user.headers,
    )
    assert wrong.status_code == 401
    changed = await client.put(
        "/api/users/me/password",
        json={"current_password": user.password, "new_password": "a brand new password"},
        headers=user.headers,
    )
    assert changed.status_code == 200
    client.cookies.clear()
    assert (await client.get(protected_path, headers=user.headers)).status_code == 401
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert (await client.get(protected_path, headers=fresh)).status_code == 200
    assert (await login(client, user.email)).status_code == 401
    assert (await login(client, user.email, "a brand new password")).status_code == 200


async def set_last_seen(app: FastAPI, token: str, ago: timedelta) -> None:
    async with app.state.session_factory() as session:
        await session.execute(
            update(AuthSession)
            .where(AuthSession.id == uuid.UUID(str(claims_of(token)["sid"])))
            .values(last_seen_at=datetime.now(UTC) - ago)
        )
        await session.commit()


async def seconds_since_seen(app: FastAPI, token: str) -> float:
    async with app.state.session_factory() as session:
        last_seen_at: datetime | None = await session.scalar(
            select(AuthSession.last_seen_at).where(
                AuthSession.id == uuid.UUID(str(claims_of(token)["sid"]))
            )
        )
    assert last_seen_at is not None
    return (datetime.now(UTC) - last_seen_at).total_seconds()


async def test_a_session_idle_past_the_limit_is_over(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, protected_path: str
) -> None:
    """SESSION_IDLE_MINUTES (30) of silence end a sign-in whose token is still valid."""
    await set_last_seen(app, user.token, timedelta(minutes=31))
    response = await client.get(protected_path, headers=user.headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or expired token"}
    assert (await login(client, user.email)).status_code == 200


async def test_a_guest_session_never_idles_out_until_the_guest_signs_up(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A guest has no password to sign in again with: its session outlives any idle spell (the
    guest itself goes after GUEST_TTL_DAYS unused). Signed up, it is an ordinary session."""
    started = await client.post("/api/auth/guest")
    assert started.status_code == 201
    token = started.json()["access_token"]
    assert started.json()["expires_in"] >= 364 * 24 * 3600
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {token}"}
    project = await client.post("/api/projects", json={"title": "Trial"}, headers=headers)
    project_path = f"/api/projects/{project.json()['id']}"

    await set_last_seen(app, token, timedelta(days=6))
    assert (await client.get("/api/users/me", headers=headers)).status_code == 200
    await set_last_seen(app, token, timedelta(days=6))
    assert (await client.get(project_path, headers=headers)).status_code == 200

    signed_up = await client.post(
        "/api/auth/register",
        json={"email": "kept@example.com", "password": "correct horse"},
        headers=headers,
    )
    assert signed_up.status_code == 201
    assert (await client.get(project_path, headers=headers)).status_code == 200
    async with app.state.session_factory() as session:
        expires_at = await session.scalar(
            select(AuthSession.expires_at).where(
                AuthSession.id == uuid.UUID(str(claims_of(token)["sid"]))
            )
        )
    assert expires_at is not None
    lifetime = timedelta(minutes=app.state.settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    assert expires_at.replace(tzinfo=UTC) <= datetime.now(UTC) + lifetime
    await set_last_seen(app, token, timedelta(minutes=31))
    assert (await client.get("/api/users/me", headers=headers)).status_code == 401


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_using_a_session_keeps_it_alive(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, protected_path: str, method: str
) -> None:
    """A request moves last_seen_at (a read in a short transaction of its own, a write in its
    own transaction); within a minute of the last move, nothing is written."""
    await set_last_seen(app, user.token, timedelta(minutes=29))
    if method == "GET":
        response = await client.get(protected_path, headers=user.headers)
    else:
        response = await client.post("/api/projects", json={"title": "A"}, headers=user.headers)
    assert response.status_code < 300
    assert await seconds_since_seen(app, user.token) < 5

    await set_last_seen(app, user.token, timedelta(seconds=40))
    assert (await client.get(protected_path, headers=user.headers)).status_code == 200
    assert 40 <= await seconds_since_seen(app, user.token) < 45


async def test_login_throttles_after_ten_failures_and_recovers(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    for _ in range(10):
        assert (await login(client, user.email, "wrong password")).status_code == 401
    throttled = await login(client, user.email)  # even the right password waits
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 15 * 60
    assert "Too many failed sign-in attempts" in throttled.json()["detail"]

    # Once the failures leave the 15-minute window, sign-in works again.
    async with app.state.session_factory() as session, session.begin():
        for failure in (await session.scalars(select(LoginFailure))).all():
            failure.created_at -= timedelta(minutes=16)
    assert (await login(client, user.email)).status_code == 200


async def test_throttling_state_is_shared_by_every_app_instance(
    settings: Settings, user: TestUser, app: FastAPI
) -> None:
    """Two app instances on one database: failures counted by one throttle the other."""
    second = create_app(settings)
    try:
        async with asgi_client(app) as first_client, asgi_client(second) as second_client:
            clients = [first_client, second_client]
            for attempt in range(10):
                response = await login(clients[attempt % 2], user.email, "wrong password")
                assert response.status_code == 401
            assert (await login(second_client, user.email, "wrong password")).status_code == 429
            assert (await login(first_client, user.email)).status_code == 429
    finally:
        await second.state.engine.dispose()


async def test_throttling_is_per_email_and_address(app: FastAPI, make_user: UserFactory) -> None:
    """Failures from one address do not lock the account out for its owner elsewhere."""
    victim = await make_user()
    attacker_transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4000))
    owner_transport = httpx.ASGITransport(app=app, client=("198.51.100.2", 4000))
    async with (
        httpx.AsyncClient(transport=attacker_transport, base_url="http://testserver") as attacker,
        httpx.AsyncClient(transport=owner_transport, base_url="http://testserver") as owner,
    ):
        for _ in range(10):
            assert (await login(attacker, victim.email, "guess")).status_code == 401
        assert (await login(attacker, victim.email)).status_code == 429
        assert (await login(owner, victim.email)).status_code == 200


# --- hashing: outside every transaction, behind a bounded queue -----------------------------------

HASHING_REQUESTS = ["register", "login", "password change"]


def hashing_request(
    name: str, client: httpx.AsyncClient, user: TestUser
) -> Coroutine[Any, Any, httpx.Response]:
    if name == "register":
        return register(client, f"new-{uuid.uuid4().hex[:8]}@example.com")
    if name == "login":
        return login(client, user.email)
    return client.put(
        "/api/users/me/password",
        json={"current_password": user.password, "new_password": "a brand new password"},
        headers=user.headers,
    )


@pytest.mark.parametrize("request_name", HASHING_REQUESTS)
async def test_no_transaction_is_open_while_a_password_hashes_and_a_full_queue_is_503(
    make_app: AppFactory,
    make_user: UserFactory,
    monkeypatch: pytest.MonkeyPatch,
    request_name: str,
) -> None:
    """While one request hashes (the queue holds no more), no database connection is taken, so
    another writer proceeds (on SQLite, a held transaction would keep the write lock), and a
    second sign-in is refused at once with 503 and Retry-After; after it, there is room again."""
    user, other = await make_user(), await make_user()
    app = make_app(PASSWORD_HASH_CONCURRENCY=1, PASSWORD_HASH_QUEUE=0)
    async with asgi_client(app) as client:
        entered, release = threading.Event(), threading.Event()

        def hold(original: Callable[..., Any]) -> Callable[..., Any]:
            def held(*arguments: Any, **keywords: Any) -> Any:
                entered.set()
                release.wait()
                return original(*arguments, **keywords)

            return held

        monkeypatch.setattr(CryptContext, "hash", hold(CryptContext.hash))
        monkeypatch.setattr(CryptContext, "verify", hold(CryptContext.verify))
        try:
            hashing = asyncio.create_task(hashing_request(request_name, client, user))
            await asyncio.to_thread(entered.wait)
            assert app.state.engine.pool.checkedout() == 0
            created = await client.post(
                "/api/projects", json={"title": "Meanwhile"}, headers=other.headers
            )
            assert created.status_code == 201
            busy = await login(client, other.email)
            assert busy.status_code == 503
            assert int(busy.headers["retry-after"]) >= 1
            assert busy.json()["detail"].startswith("Too many password checks at once")
        finally:
            release.set()
        assert (await hashing).status_code in (200, 201)
    async with asgi_client(app) as client:
        assert (await login(client, other.email)).status_code == 200
