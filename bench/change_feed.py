"""Live event fan-out: 50 open event streams on one project, split over two app instances (one
uvicorn worker each) on one PostgreSQL; changes made on both instances in turn. For each
change, the delay until each stream has its `change` event, counted from the write's response
(its transaction has committed) and from the moment the write was sent.

    .venv/bin/python bench/change_feed.py [--streams 50] [--changes 40]

Prints figures only; it asserts nothing. The issue's bound: p95 ≤ 200 ms across two instances.
"""

import argparse
import asyncio
import json
import secrets
import statistics
import time
from contextlib import suppress

import httpx
from common import app_server, signed_in, throwaway_database

from tests.servers import eventually


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def follow(
    client: httpx.AsyncClient,
    project: str,
    arrivals: dict[int, list[float]],
    opened: asyncio.Event,
    counter: list[int],
    total: int,
) -> None:
    """One stream: notes when each revision's change set arrives."""
    async with client.stream("GET", f"/api/projects/{project}/events") as response:
        response.raise_for_status()
        counter[0] += 1
        if counter[0] == total:
            opened.set()
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "change":
                revision = json.loads(line.removeprefix("data: "))["revision"]
                arrivals.setdefault(revision, []).append(time.perf_counter())


async def measure(urls: list[str], headers: dict[str, str], streams: int, changes: int) -> None:
    limits = httpx.Limits(max_connections=streams + 10)
    clients = [
        httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=limits) for url in urls
    ]
    try:
        writer = clients[0]
        project = (await writer.post("/api/projects", json={"title": "Fan-out"})).json()["id"]
        arrivals: dict[int, list[float]] = {}
        opened = asyncio.Event()
        counter = [0]
        readers = [
            asyncio.create_task(
                follow(clients[i % len(clients)], project, arrivals, opened, counter, streams)
            )
            for i in range(streams)
        ]
        await asyncio.wait_for(opened.wait(), 30)
        await asyncio.sleep(0.5)  # every stream is subscribed (its first read has run)
        sent: dict[int, tuple[float, float]] = {}
        for number in range(changes):
            client = clients[number % len(clients)]
            started = time.perf_counter()
            response = await client.put(
                f"/api/projects/{project}", json={"description": f"Take {number}"}
            )
            answered = time.perf_counter()
            response.raise_for_status()
            history = await client.get(f"/api/projects/{project}/history", params={"limit": 1})
            revision = history.json()["change_sets"][0]["revision"]
            sent[revision] = (started, answered)
            await asyncio.sleep(0.1)

        async def all_delivered() -> bool:
            return all(len(arrivals.get(revision, [])) >= streams for revision in sent)

        with suppress(TimeoutError):  # what never arrived shows in the count below
            await eventually(all_delivered, seconds=10, what="every event")
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    finally:
        for client in clients:
            await client.aclose()

    from_response = [
        (arrival - answered) * 1000
        for revision, (_, answered) in sent.items()
        for arrival in arrivals.get(revision, [])
    ]
    from_start = [
        (arrival - started) * 1000
        for revision, (started, _) in sent.items()
        for arrival in arrivals.get(revision, [])
    ]
    delivered = sum(len(arrivals.get(revision, [])) for revision in sent)
    print(
        f"{streams} streams over {len(urls)} instances, {changes} changes (alternating instances)"
    )
    print(f"delivered {delivered} of {streams * changes} events")
    for label, values in (
        ("after the write's response", from_response),
        ("after the write was sent", from_start),
    ):
        print(
            f"  {label}: p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms,"
            f" max {max(values):.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--changes", type=int, default=40)
    arguments = parser.parse_args()
    secret = secrets.token_urlsafe(48)
    # Every stream is one account's: let it hold them all (20 per instance by default).
    settings = {
        "SECRET_KEY": secret,
        "LOG_LEVEL": "WARNING",
        "EVENTS_STREAMS_PER_USER": str(arguments.streams),
    }
    with (
        throwaway_database() as database_url,
        app_server(database_url, **settings) as first,
        app_server(database_url, **settings) as second,
    ):
        headers = signed_in(first)
        asyncio.run(measure([first, second], headers, arguments.streams, arguments.changes))


if __name__ == "__main__":
    main()
