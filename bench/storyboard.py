"""The storyboard at scale: a 200-scene project whose scenes all show uploaded pictures.

    .venv/bin/python bench/storyboard.py [--runs 10] [--uploads 10]

Prints: navigation → interactive canvas in Chromium (the page's `canvas-ready` mark; median and
worst of warm loads), the project JSON's size, the requests a load makes (API calls, thumbnails,
anything else: a frame must cost no request beyond its thumbnail), and the time from sending a
5 MiB JPEG to its thumbnail being served (p50 and worst). Needs PostgreSQL and Chromium.
"""

import argparse
import asyncio
import io
import statistics
import time

import httpx
from common import (
    CHROMIUM_LAUNCH_OPTIONS,
    app_server,
    signed_in,
    signed_in_page,
    throwaway_database,
)
from PIL import Image
from playwright.async_api import async_playwright

from tests.pictures import still

SCENES = 200
SHOTS = ["wide", "medium", "close_up", "extreme_wide", "insert", "pov"]
MOVES = ["static", "pan", "dolly", "handheld", "crane", "tracking"]


def board_of_200(base: str, headers: dict[str, str]) -> str:
    """A project of SCENES scenes, each with every shot field and an uploaded picture."""
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        project = client.post(
            "/api/projects", json={"title": "Two hundred frames", "target_duration_seconds": 900}
        ).json()["id"]
        pictures = [still(index, (960, 540)) for index in range(6)]
        for number in range(SCENES):
            scene = client.post(
                f"/api/projects/{project}/scenes",
                json={
                    "title": f"Scene {number + 1}",
                    "script": f"EXT. HARBOUR - DAWN. Shot {number + 1}: the boats slip out past the breakwater while gulls circle. "
                    * 2,
                    "duration_seconds": 3.5,
                    "shot_size": SHOTS[number % len(SHOTS)],
                    "camera_movement": MOVES[number % len(MOVES)],
                    "audio": "Music: low strings under the gulls.",
                },
            )
            scene.raise_for_status()
            client.post(
                f"/api/scenes/{scene.json()['id']}/image",
                files={"file": ("still.jpg", pictures[number % len(pictures)], "image/jpeg")},
            ).raise_for_status()
    return str(project)


def five_mib_jpeg() -> bytes:
    """A photo-sized JPEG of about 5 MiB (noise does not compress, like a sharp photo)."""
    image = Image.effect_noise((2800, 2100), 64).convert("RGB")
    output = io.BytesIO()
    image.save(output, "JPEG", quality=95)
    return output.getvalue()


def upload_to_thumbnail(base: str, headers: dict[str, str], project: str, runs: int) -> None:
    data = five_mib_jpeg()
    timings = []
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        scene = client.post(
            f"/api/projects/{project}/scenes", json={"title": "Upload target"}
        ).json()["id"]
        for _ in range(runs):
            started = time.perf_counter()
            shown = client.post(
                f"/api/scenes/{scene}/image", files={"file": ("photo.jpg", data, "image/jpeg")}
            )
            shown.raise_for_status()
            client.get(shown.json()["thumbnail_src"]).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
        client.delete(f"/api/scenes/{scene}")
    print(
        f"upload of a {len(data) / 1024 / 1024:.1f} MiB JPEG → thumbnail served: p50 {statistics.median(timings):.0f} ms, worst {max(timings):.0f} ms ({runs} uploads)"
    )


def project_json_size(base: str, headers: dict[str, str], project: str) -> None:
    with httpx.Client(base_url=base, headers=headers) as client:
        body = client.get(f"/api/projects/{project}").content
    print(f"project JSON with {SCENES} scenes: {len(body) / 1024:.0f} KB")


async def canvas_loads(base: str, headers: dict[str, str], project: str, runs: int) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**CHROMIUM_LAUNCH_OPTIONS)
        page = await signed_in_page(browser, base, headers)
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url.removeprefix(base)))
        timings = []
        kinds: dict[str, int] = {}
        api_paths: list[str] = []
        for run in range(runs + 1):
            requests.clear()
            await page.goto(f"{base}/canvas/{project}")
            await page.wait_for_selector("main[data-ready=true]")
            ready = await page.evaluate("performance.getEntriesByName('canvas-ready')[0].startTime")
            frames = await page.locator("[data-testid=scene-item]").count()
            assert frames == SCENES, frames
            await page.wait_for_load_state("networkidle")
            if run:  # the first load warms the module cache
                timings.append(ready)
                api_paths = sorted(
                    url.split("?")[0].replace(project, "{id}")
                    for url in requests
                    if url.startswith("/api/") and not url.endswith("/thumbnail")
                )
                kinds = {
                    "the project's API (JSON, history, dossier, events…)": sum(
                        1 for url in requests if url.startswith(f"/api/projects/{project}")
                    ),
                    "thumbnails": sum(1 for url in requests if url.endswith("/thumbnail")),
                    "other API": sum(
                        1
                        for url in requests
                        if url.startswith("/api/")
                        and not url.endswith("/thumbnail")
                        and not url.startswith(f"/api/projects/{project}")
                    ),
                    "static files": sum(1 for url in requests if url.startswith("/static/")),
                }
        await browser.close()
    print(
        f"canvas with {SCENES} uploaded pictures, navigation → interactive: median {statistics.median(timings):.0f} ms, worst {max(timings):.0f} ms ({runs} warm loads)"
    )
    print(
        "requests of the last load: "
        + ", ".join(f"{name} {count}" for name, count in kinds.items())
        + " (thumbnails load lazily, as frames come into view)"
    )
    print("API calls of the last load: " + ", ".join(api_paths))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--uploads", type=int, default=10)
    arguments = parser.parse_args()
    with throwaway_database() as database_url, app_server(database_url) as base:
        headers = signed_in(base)
        started = time.perf_counter()
        project = board_of_200(base, headers)
        print(
            f"built {SCENES} scenes with uploaded pictures in {time.perf_counter() - started:.1f} s"
        )
        project_json_size(base, headers, project)
        asyncio.run(canvas_loads(base, headers, project, arguments.runs))
        upload_to_thumbnail(base, headers, project, arguments.uploads)


if __name__ == "__main__":
    main()
