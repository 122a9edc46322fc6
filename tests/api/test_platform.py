"""Cross-cutting behaviour: security headers everywhere, docs offline, probes, logs, settings."""

import logging
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from passlib.context import CryptContext

from backend.core.config import Settings
from backend.main import create_app
from tests.conftest import ROOT, AppFactory, TestUser, asgi_client, make_settings


def assert_security_headers(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "cdn" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_security_headers_on_success_errors_and_assets(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    responses = [
        await client.get("/api/users/me", headers=user.headers),
        await client.get("/api/users/me"),
        await client.get("/api/does-not-exist"),
        await client.post("/api/projects", json={}, headers=user.headers),
        await client.get("/static/vendor/swagger-ui-5.35.0/swagger-ui.css"),
        await client.get("/healthz"),
    ]
    assert [r.status_code for r in responses] == [200, 401, 404, 422, 200, 200]
    for response in responses:
        assert_security_headers(response)
    assert responses[0].headers["cache-control"] == "no-store"


async def test_unhandled_errors_are_generic_500s_with_headers(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internals: postgresql://user:pw@db")

    app.router.routes.insert(0, APIRoute("/test-explode", explode))
    response = await client.get("/test-explode")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert_security_headers(response)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
async def test_unknown_api_paths_are_json_404s(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/api/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}


async def test_swagger_ui_and_redoc_are_served_from_the_app(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        response = await client.get(page)
        assert response.status_code == 200
        assert "http" not in response.text.replace("http-equiv", "")  # no third-party URLs
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp
        assert "unsafe-eval" not in csp
        for asset in re.findall(r'(?:src|href)="(/[^"]+)"', response.text):
            assert (await client.get(asset)).status_code == 200, asset
    schema = await client.get("/openapi.json")
    assert schema.json()["info"]["title"] == "Scenecraft API"


async def test_operation_ids_are_unique_verb_noun_names(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    operation_ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200


async def test_readiness_is_503_when_the_database_is_down(tmp_path: Path) -> None:
    settings = make_settings("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", tmp_path)
    app = create_app(settings)
    async with asgi_client(app) as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert (await client.get("/healthz")).status_code == 200
    await app.state.engine.dispose()


class RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_request_log_has_no_credentials(client: httpx.AsyncClient, user: TestUser) -> None:
    logger = logging.getLogger("scenecraft.request")
    handler, level = RecordingHandler(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        await client.post("/api/auth/login", json={"email": user.email, "password": user.password})
        await client.get("/api/users/me", headers=user.headers)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    fields = [vars(record) for record in handler.records]
    assert [(f["method"], f["path"], f["status"]) for f in fields] == [
        ("POST", "/api/auth/login", 200),
        ("GET", "/api/users/me", 200),
    ]
    text = " ".join(str(f) for f in fields)
    assert user.password not in text
    assert user.token not in text
    assert "eyJ" not in text


def start_app_process(**environment: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ENVIRONMENT")}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", "from backend.main import create_app; create_app()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("secret", ["", "short", "changeme", "x" * 31])
def test_production_refuses_to_start_without_a_strong_secret(tmp_path: Path, secret: str) -> None:
    result = start_app_process(ENVIRONMENT="production", SECRET_KEY=secret, DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_strong_secret(tmp_path: Path) -> None:
    result = start_app_process(
        ENVIRONMENT="production", SECRET_KEY="k" * 48, DATA_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = make_settings("sqlite+aiosqlite://", tmp_path, SECRET_KEY=None).secret_key()
    second = make_settings("sqlite+aiosqlite://", tmp_path, SECRET_KEY=None).secret_key()
    assert first == second
    assert len(first) >= 32
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def parse(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


@pytest.mark.parametrize(
    ("package", "floor"),
    [
        ("libpass", "1.9.3"),
        ("python-jose", "3.4.0"),
        ("starlette", "1.3.1"),
        ("python-multipart", "0.0.27"),
        ("fastapi", "0.165.0"),
    ],
)
def test_dependency_floors(package: str, floor: str) -> None:
    assert parse(version(package)) >= parse(floor)


def test_plain_bcrypt_hashing_works_with_the_installed_bcrypt() -> None:
    context = CryptContext(["bcrypt"], bcrypt__rounds=4)
    assert context.verify("x", context.hash("x"))


async def test_no_cors_by_default(client: httpx.AsyncClient) -> None:
    for origin in ("https://evil.example", "null"):
        response = await client.options(
            "/api/projects", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )
        assert "access-control-allow-origin" not in response.headers


async def test_cors_allows_only_the_listed_origins(make_app: AppFactory) -> None:
    app = make_app(CORS_ORIGINS=["https://studio.example"])
    async with asgi_client(app) as client:
        allowed = await client.options(
            "/api/projects",
            headers={"Origin": "https://studio.example", "Access-Control-Request-Method": "POST"},
        )
        assert allowed.headers["access-control-allow-origin"] == "https://studio.example"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        refused = await client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in refused.headers


def test_a_wildcard_cors_origin_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CORS_ORIGINS must list origins"):
        make_settings("sqlite+aiosqlite://", tmp_path, CORS_ORIGINS=["*"])


def test_a_copied_env_example_means_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every line of .env.example present, most of them empty: no empty secret, no empty key."""
    for name in (
        "SECRET_KEY",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "COOKIE_SECURE",
        "PASSWORD_HASH_CONCURRENCY",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=ROOT / ".env.example", DATA_DIR=tmp_path)
    assert settings.SECRET_KEY is None
    assert settings.OPENAI_API_KEY is None
    assert settings.uses_offline_model
    assert settings.COOKIE_SECURE is None
    assert settings.PASSWORD_HASH_CONCURRENCY >= 1
    assert len(settings.secret_key()) >= 32
