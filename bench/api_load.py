"""API throughput and latency on PostgreSQL, one uvicorn worker, load from wrk on loopback.

    .venv/bin/python bench/api_load.py [--duration 8] [--connections 16]

Creates a throwaway database on 127.0.0.1:5432, starts the app on it (production settings,
bcrypt cost 12), seeds a user with a 50-scene project, then prints req/s, p50 and p99 for the
main routes, and a single connection's GET p50 idle and during a login storm. Needs `wrk`
(apt-get install wrk). Prints figures only; it asserts nothing.
"""

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PORT = 8731
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "benchmark password"


def wrk(
    path: str,
    *,
    duration: int,
    connections: int,
    headers: dict[str, str],
    script: str | None = None,
) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    output = subprocess.run(
        [*command, BASE + path], capture_output=True, text=True, check=True
    ).stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
        "errors": float(
            sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
        ),
    }


def _latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def lua_post(body: dict[str, object]) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(
            'wrk.method = "POST"\n'
            f"wrk.body = [[{json.dumps(body)}]]\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
    return handle.name


def single_connection_p50(path: str, headers: dict[str, str], count: int) -> float:
    timings = []
    with httpx.Client(base_url=BASE, headers=headers) as client:
        for _ in range(count):
            started = time.perf_counter()
            client.get(path).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


async def create_database() -> tuple[str, str]:
    name = f"scenecraft_bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(ADMIN_URL)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name, name


async def drop_database(name: str) -> None:
    connection = await asyncpg.connect(ADMIN_URL)
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await connection.close()


def seed() -> tuple[dict[str, str], str, str]:
    with httpx.Client(base_url=BASE, timeout=30) as client:
        client.post(
            "/api/auth/register", json={"email": "bench@example.com", "password": PASSWORD}
        ).raise_for_status()
        token = client.post(
            "/api/auth/login", json={"email": "bench@example.com", "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        project = client.post("/api/projects", json={"title": "Benchmark"}, headers=headers).json()[
            "id"
        ]
        for number in range(50):
            client.post(
                f"/api/projects/{project}/scenes",
                json={
                    "title": f"Scene {number + 1}",
                    "script": f"Scene {number + 1}. A wide shot of the harbour at dawn; gulls circle. "
                    * 3,
                    "image_url": f"https://images.example.com/{number}.jpg",
                },
                headers=headers,
            ).raise_for_status()
        scratch = client.post("/api/projects", json={"title": "Writes"}, headers=headers).json()[
            "id"
        ]
    return headers, project, scratch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    arguments = parser.parse_args()
    database_url, name = asyncio.run(create_database())
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "LOG_LEVEL": "INFO",
    }
    server = None
    try:
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "backend.main:create_app",
                "--factory",
                "--port",
                str(PORT),
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                httpx.get(BASE + "/healthz").raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        headers, project, scratch = seed()
        run = {
            "duration": arguments.duration,
            "connections": arguments.connections,
            "headers": headers,
        }
        login_script = lua_post({"email": "bench@example.com", "password": PASSWORD})
        results = {
            "GET /healthz": wrk("/healthz", **run),
            "GET /api/projects/{id} (50 scenes)": wrk(f"/api/projects/{project}", **run),
            "GET /api/projects": wrk("/api/projects", **run),
            "POST /api/projects/{id}/scenes": wrk(
                f"/api/projects/{scratch}/scenes",
                **run,
                script=lua_post({"title": "Load", "script": "x" * 200}),
            ),
            "POST /api/auth/login": wrk(
                "/api/auth/login",
                duration=arguments.duration,
                connections=4,
                headers={},
                script=login_script,
            ),
        }
        print(f"{'route':40s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'non-2xx':>8s}")
        for route, figures in results.items():
            print(
                f"{route:40s} {figures['rps']:9.1f} {figures['p50']:8.2f} {figures['p99']:8.2f} {figures['errors']:8.0f}"
            )
        ratio = (
            results["GET /api/projects/{id} (50 scenes)"]["rps"] / results["GET /healthz"]["rps"]
        )
        print(f"GET project / healthz: {ratio:.0%}")

        path = f"/api/projects/{project}"
        idle = single_connection_p50(path, headers, 300)
        storm = subprocess.Popen(
            [
                "wrk",
                "-t1",
                "-c16",
                f"-d{arguments.duration + 5}s",
                "-s",
                login_script,
                BASE + "/api/auth/login",
            ],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(1.5)
        during = single_connection_p50(path, headers, 300)
        storm.wait()
        print(
            f"single-connection GET project p50: idle {idle:.2f} ms, during a 16-connection login storm {during:.2f} ms ({during / idle:.2f}x)"
        )
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(10)
        asyncio.run(drop_database(name))


if __name__ == "__main__":
    main()
