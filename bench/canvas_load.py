"""Time from navigation to an interactive canvas for a 200-scene project, in Chromium.

    .venv/bin/python bench/canvas_load.py [--runs 10]

The canvas marks `canvas-ready` (performance.mark) once its list and editor are on the page;
this prints that mark's time after navigation start (median and worst of the runs, warm cache
after the first) and the requests the page made to the API.
"""

import argparse
import asyncio
import statistics

from common import (
    CHROMIUM_LAUNCH_OPTIONS,
    app_server,
    project_with_scenes,
    signed_in,
    signed_in_page,
    throwaway_database,
)
from playwright.async_api import async_playwright


async def measure(base: str, headers: dict[str, str], project: str, runs: int) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**CHROMIUM_LAUNCH_OPTIONS)
        page = await signed_in_page(browser, base, headers)
        # Images point at hosts that do not resolve here; answer them at once so they do not
        # count as network time the product would not have.
        await page.route("https://images.example.com/**", lambda route: route.fulfill(status=404))
        timings, api_requests = [], []
        requests: list[str] = []
        page.on(
            "request",
            lambda request: requests.append(request.url) if "/api/" in request.url else None,
        )
        for run in range(runs + 1):
            requests.clear()
            await page.goto(f"{base}/canvas/{project}")
            await page.wait_for_selector("main[data-ready=true]")
            ready = await page.evaluate("performance.getEntriesByName('canvas-ready')[0].startTime")
            items = await page.locator("[data-testid=scene-item]").count()
            assert items == 200, items
            if run:  # the first load warms the module cache
                timings.append(ready)
                api_requests.append(
                    sorted({url.removeprefix(base).split("?")[0] for url in requests})
                )
        await browser.close()
    print(
        f"canvas with 200 scenes, navigation → interactive: median {statistics.median(timings):.0f} ms, worst {max(timings):.0f} ms ({runs} warm loads)"
    )
    print(f"API requests per load: {len(api_requests[-1])}: {', '.join(api_requests[-1])}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    arguments = parser.parse_args()
    with throwaway_database() as database_url, app_server(database_url) as base:
        headers = signed_in(base)
        project = project_with_scenes(base, headers, 200)
        asyncio.run(measure(base, headers, project, arguments.runs))


if __name__ == "__main__":
    main()
