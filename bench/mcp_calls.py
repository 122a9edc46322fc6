"""MCP and personal-token latency on PostgreSQL, one uvicorn worker, one client on loopback.

    .venv/bin/python bench/mcp_calls.py [--calls 200]

Starts the app on a throwaway database (production settings), seeds a user with a 20-scene
project and a write token, then prints p50 and p95 of: the project read over REST with a sign-in
token and with the personal token (which is looked up in the database on every request), and
MCP `tools/list`, `get_project_details` and `update_scene_title` through the SDK's client, on
the current protocol revision (2026-07-28) and the previous one (2025-11-25). Prints figures
only; it asserts nothing.
"""

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import httpx
import httpx2
from common import app_server, project_with_scenes, signed_in, throwaway_database
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


async def timed(calls: int, step: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """p50 and p95 in milliseconds of `calls` sequential awaits of `step` (after 10 warm-ups)."""
    for _ in range(10):
        await step()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await step()
        samples.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=20)
    return statistics.median(samples), cuts[18]


async def measure(url: str, sign_in: dict[str, str], project_id: str, calls: int) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as rest:
        made = await rest.post(
            "/api/users/me/tokens", json={"name": "bench", "scope": "write"}, headers=sign_in
        )
        token = made.json()["token"]
        await rest.patch("/api/users/me", json={"assistant_approval": "none"}, headers=sign_in)
        scene_id = (await rest.get(f"/api/projects/{project_id}", headers=sign_in)).json()[
            "scenes"
        ][0]["id"]
        personal = {"Authorization": f"Bearer {token}"}
        rows = [
            (
                "REST GET project, sign-in token",
                await timed(
                    calls, lambda: rest.get(f"/api/projects/{project_id}", headers=sign_in)
                ),
            ),
            (
                "REST GET project, personal token",
                await timed(
                    calls, lambda: rest.get(f"/api/projects/{project_id}", headers=personal)
                ),
            ),
        ]
    for mode, revision in (("auto", "2026-07-28"), ("legacy", "2025-11-25")):
        http = httpx2.AsyncClient(headers=personal, timeout=60)
        transport = streamable_http_client(url + "/mcp", http_client=http)
        async with http, Client(transport, mode=mode) as client:
            rows += [
                (f"MCP tools/list ({revision})", await timed(calls, client.list_tools)),
                (
                    f"MCP get_project_details ({revision})",
                    await timed(
                        calls,
                        lambda: client.call_tool("get_project_details", {"project_id": project_id}),
                    ),
                ),
                (
                    f"MCP update_scene_title ({revision})",
                    await timed(
                        calls,
                        lambda: client.call_tool(
                            "update_scene_title", {"scene_id": scene_id, "title": "Bench"}
                        ),
                    ),
                ),
            ]
    print(f"{'operation':<44} {'p50 ms':>8} {'p95 ms':>8}   ({calls} sequential calls each)")
    for name, (p50, p95) in rows:
        print(f"{name:<44} {p50:>8.2f} {p95:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    arguments = parser.parse_args()
    with throwaway_database() as database_url, app_server(database_url) as url:
        headers = signed_in(url)
        project_id = project_with_scenes(url, headers, 20)
        asyncio.run(measure(url, headers, project_id, arguments.calls))


if __name__ == "__main__":
    main()
