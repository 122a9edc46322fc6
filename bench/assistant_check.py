"""How long the live assistant check takes against the offline model, per engine and probe.

    .venv/bin/python bench/assistant_check.py [--runs 10]

In process (the SDK over an ASGI transport, as the app runs the offline model): the figures are
the check's own cost (SDK, offline server, the probes' objects), with no network or model time.
"""

import argparse
import asyncio
import statistics
import time

from backend.assistant.engines.probes import ENGINES, ProviderProbes
from backend.assistant.offline.client import create_offline_client


async def measure(engine: str, runs: int) -> dict[str, list[float]]:
    client = create_offline_client()
    figures: dict[str, list[float]] = {}
    try:
        for _ in range(runs):
            started = time.perf_counter()
            results = await ProviderProbes(client, engine, "offline-1", "offline").run_all()
            figures.setdefault("whole check", []).append((time.perf_counter() - started) * 1000)
            for result in results:
                figures.setdefault(result.name, []).append(result.ms)
    finally:
        await client.close()
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    print(f"{'engine':18} {'probe':12} {'p50 ms':>8} {'max ms':>8}   ({runs} checks each)")
    for engine in ENGINES:
        for name, values in (await measure(engine, runs)).items():
            print(f"{engine:18} {name:12} {statistics.median(values):8.1f} {max(values):8.1f}")


if __name__ == "__main__":
    asyncio.run(main())
