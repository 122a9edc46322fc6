"""Real servers for tests and benchmarks: an ASGI app on a loopback socket in this event loop, a
server in its own process (the app, the offline model), the Chromium they are driven with, and
the one way to wait for something that sends no event.

Benchmarks import this module too (bench/common.py), so it imports nothing from pytest.
"""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import uvicorn
from starlette.types import ASGIApp

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_LAUNCH_OPTIONS: dict[str, Any] = {
    "executable_path": CHROMIUM,
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ],
}
"""`playwright.chromium.launch(**CHROMIUM_LAUNCH_OPTIONS)`: Debian's Chromium, no sandbox (root
in containers), and nothing that reaches the network on its own."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def eventually(
    check: Callable[[], Awaitable[bool]], *, seconds: float = 20, what: str = "the condition"
) -> None:
    """Wait until `check()` is true, for state that announces itself with no event (a row, a
    port): it asks every 20 ms, and after `seconds` it fails loudly rather than letting the
    caller go on without the state it waited for."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {seconds:g} s")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def serve(app: ASGIApp) -> AsyncIterator[str]:
    """Run `app` under uvicorn on 127.0.0.1 (a free port) in this event loop; yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1, access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))

    async def started() -> bool:
        if task.done():
            task.result()  # it stopped before it started: raise why
        return server.started

    try:
        await eventually(started, what="uvicorn's start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


class ServerProcess(NamedTuple):
    """A server running in a child process: its base URL, and the process (to kill -9 it)."""

    url: str
    process: asyncio.subprocess.Process


@asynccontextmanager
async def server_process(
    arguments: Sequence[str],
    port: int,
    *,
    ready_path: str,
    environment: Mapping[str, str] | None = None,
    quiet: bool = False,
    log_path: Path | None = None,
) -> AsyncIterator[ServerProcess]:
    """`python <arguments>` serving on 127.0.0.1:`port`, from the repository root, with the
    environment plus `environment`. Yields once `ready_path` answers 200; the process is always
    ended afterwards (terminated, or reaped if a test killed it). `quiet` drops its output;
    `log_path` collects it (stdout and stderr) in that file instead."""
    log_file = log_path.open("ab") if log_path is not None else None
    output = log_file or (subprocess.DEVNULL if quiet else None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *arguments,
        cwd=ROOT,
        env={**os.environ, **(environment or {})},
        stdout=output,
        stderr=subprocess.STDOUT if log_file is not None else output,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=5) as probe:

            async def ready() -> bool:
                if process.returncode is not None:
                    raise RuntimeError(f"{' '.join(arguments)} exited with {process.returncode}")
                try:
                    return (await probe.get(ready_path)).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, seconds=60, what=f"{url}{ready_path} answering 200")
        yield ServerProcess(url, process)
    finally:
        with suppress(ProcessLookupError):  # a test killed it and it is already gone
            process.terminate()
        await process.wait()
        if log_file is not None:
            log_file.close()


def app_process(
    environment: Mapping[str, str],
    *,
    factory: str = "backend.main:create_app",
    ready_path: str = "/readyz",
    quiet: bool = False,
    log_path: Path | None = None,
) -> AbstractAsyncContextManager[ServerProcess]:
    """`uvicorn <factory> --factory` (one worker; our app by default) on a free port, configured
    by `environment` (settings are environment variables); ready once `ready_path` answers 200:

        async with app_process({"DATABASE_URL": url, ...}) as (base_url, process):
            ...
    """
    port = free_port()
    return server_process(
        [
            "-m",
            "uvicorn",
            factory,
            "--factory",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        port,
        ready_path=ready_path,
        environment=environment,
        quiet=quiet,
        log_path=log_path,
    )
