"""The app's own time per chat turn, over real sockets, on PostgreSQL.

    .venv/bin/python bench/chat_turns.py [--turns 100]

The offline model runs as its own server (zero latency, wrapped in a timer that records each
request's time from arrival to the last byte); the app talks to it like to any provider
(OPENAI_BASE_URL). Each turn is "add a scene called …": one tool round. For the Assistants
engine, streamed and then polled, it prints the p50/p95 of the whole turn as the client sees it,
of the model server's share, of the app's own time (the difference), and the time to the first
SSE event.
"""

import argparse
import statistics
import time
from pathlib import Path

import httpx
from common import (
    app_server,
    free_port,
    project_with_scenes,
    running,
    server_process,
    signed_in,
    throwaway_database,
)

HERE = Path(__file__).resolve().parent


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1]


def measure(base: str, model_url: str, turns: int) -> dict[str, list[float]]:
    headers = signed_in(base)
    project = project_with_scenes(base, headers, 0)
    figures: dict[str, list[float]] = {"turn": [], "model": [], "app": [], "first event": []}
    with (
        httpx.Client(base_url=base, headers=headers, timeout=60) as client,
        httpx.Client(base_url=model_url) as model,
    ):
        for number in range(turns + 5):
            if number % 40 == 0:
                client.delete(f"/api/chat/{project}")  # keep threads short, like a real session
            model.get("/bench/timings")
            started = time.perf_counter()
            first = None
            with client.stream(
                "POST",
                f"/api/chat/{project}/stream",
                json={"message": f"add a scene called S{number}"},
            ) as response:
                for line in response.iter_lines():
                    if first is None and line.startswith("event:"):
                        first = time.perf_counter() - started
                    if line.startswith("event: error"):
                        raise RuntimeError(f"turn failed: {response.read()!r}")
            total = (time.perf_counter() - started) * 1000
            model_ms = sum(model.get("/bench/timings").json())
            if number >= 5:  # the first turns create the assistant and the thread
                figures["turn"].append(total)
                figures["model"].append(model_ms)
                figures["app"].append(total - model_ms)
                figures["first event"].append((first or 0) * 1000)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=100)
    arguments = parser.parse_args()
    port = free_port()
    model_server = server_process(
        [str(HERE / "offline_turns.py"), "--serve", str(port)], port, ready_path="/v1/models"
    )
    with running(model_server) as model:
        provider = {
            "OPENAI_BASE_URL": f"{model.url}/v1",
            "OPENAI_API_KEY": "offline",
            "OPENAI_MODEL": "offline-1",
        }
        print(
            f"{'assistants engine':18s} {'what':12s} {'p50 ms':>8s} {'p95 ms':>8s}   ({arguments.turns} turns, one tool round each)"
        )
        for mode in ("stream", "poll"):
            with (
                throwaway_database() as database_url,
                app_server(database_url, CHAT_ASSISTANTS_MODE=mode, **provider) as base,
            ):
                figures = measure(base, model.url, arguments.turns)
            for what, values in figures.items():
                print(
                    f"{mode:18s} {what:12s} {statistics.median(values):8.2f} {quantile(values, 0.95):8.2f}"
                )


if __name__ == "__main__":
    main()
