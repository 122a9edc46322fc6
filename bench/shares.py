"""Share links at scale: a 200-scene board read through a link, against the owner's own read.

    .venv/bin/python bench/shares.py [--requests 200]

Prints p50 and p99 (ms, sequential requests on one worker) of `GET /api/s/<token>` (the link is
looked up in the database on every request, then the board is built), of the owner's
`GET /api/projects/{id}` for the same board, of a made-up token's 404, and of a guest's comment
`POST` (the link check, two advisory locks, two throttle counts, two inserts). Needs PostgreSQL.
"""

import argparse
import statistics
import time
from collections.abc import Callable

import httpx
from common import app_server, project_with_scenes, signed_in, throwaway_database

SCENES = 200


def timed(call: Callable[[], httpx.Response], expected: int, count: int) -> tuple[float, float]:
    call()  # warm
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == expected, (response.status_code, response.text)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    count = parser.parse_args().requests
    limits = {"SHARE_COMMENTS_PER_LINK": "100000", "SHARE_COMMENTS_PER_ADDRESS": "100000"}
    with throwaway_database() as database, app_server(database, **limits) as base:
        headers = signed_in(base)
        project = project_with_scenes(base, headers, SCENES)
        with httpx.Client(base_url=base, timeout=60) as client:
            link = client.post(
                f"/api/projects/{project}/shares", json={"allow_comments": True}, headers=headers
            ).json()
            board = client.get(f"/api/s/{link['token']}").json()
            scene = board["scenes"][0]["id"]
            rows = {
                "GET /api/s/<token> (200 scenes)": timed(
                    lambda: client.get(f"/api/s/{link['token']}"), 200, count
                ),
                "GET /api/projects/{id} (owner, same board)": timed(
                    lambda: client.get(f"/api/projects/{project}", headers=headers), 200, count
                ),
                "GET /api/s/<made-up token>": timed(
                    lambda: client.get(f"/api/s/{'x' * 43}"), 404, count
                ),
                "POST /api/s/<token>/scenes/{id}/comments": timed(
                    lambda: client.post(
                        f"/api/s/{link['token']}/scenes/{scene}/comments",
                        json={"author_name": "Bench", "body": "Hold the shot a beat longer."},
                    ),
                    201,
                    count,
                ),
            }
    print(f"{count} sequential requests each, one uvicorn worker, PostgreSQL")
    for name, (p50, p99) in rows.items():
        print(f"{name:48} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")


if __name__ == "__main__":
    main()
