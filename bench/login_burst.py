"""50 sign-ins at once against one uvicorn worker on PostgreSQL (production settings, bcrypt
cost 12): how long each waits, and how many are served (200) or told to come back (503).

    .venv/bin/python bench/login_burst.py [--logins 50]

Prints figures only; it asserts nothing. The issue's bound: the burst ends within 15 s and no
client times out.
"""

import argparse
import asyncio
import statistics
import time
from collections import Counter

import httpx
from common import PASSWORD, app_server, signed_in, throwaway_database


async def burst(base: str, logins: int) -> tuple[list[float], Counter[int], float]:
    credentials = {"email": "bench@example.com", "password": PASSWORD}
    limits = httpx.Limits(max_connections=logins)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def one() -> tuple[float, int]:
            started = time.perf_counter()
            response = await client.post("/api/auth/login", json=credentials)
            return time.perf_counter() - started, response.status_code

        started = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(logins)))
        total = time.perf_counter() - started
    return [seconds for seconds, _ in results], Counter(code for _, code in results), total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=50)
    arguments = parser.parse_args()
    with throwaway_database() as database_url, app_server(database_url) as base:
        signed_in(base)
        seconds, codes, total = asyncio.run(burst(base, arguments.logins))
    print(
        f"{arguments.logins} simultaneous logins: all answered in {total:.2f} s; "
        f"p50 {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s; "
        + ", ".join(f"{count} × {code}" for code, count in sorted(codes.items()))
    )


if __name__ == "__main__":
    main()
