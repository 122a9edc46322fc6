"""The PDF export under load: a 60-frame storyboard with uploaded pictures at 6 frames a page.

    .venv/bin/python bench/export.py [--runs 5] [--samples 40] [--workers process,thread]

For each way of rendering (`PDF_EXPORT_WORKERS`: worker processes or threads), prints the
export's p50 and worst time (sequential requests), the peak memory (VmHWM) of the app process
and of its render workers, and a GET's p50 idle and while 4 exports render (the app must stay
responsive: the target is at most 2x idle). Needs PostgreSQL.
"""

import argparse
import statistics
import threading
import time
from pathlib import Path

import httpx
from common import app_server, signed_in, throwaway_database

from tests.pictures import still

FRAMES = 60
CONCURRENT_EXPORTS = 4


def storyboard(base: str, headers: dict[str, str]) -> str:
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        project = client.post("/api/projects", json={"title": "Sixty frames"}).json()["id"]
        pictures = [still(index, (1280, 720)) for index in range(6)]
        for number in range(FRAMES):
            scene = client.post(
                f"/api/projects/{project}/scenes",
                json={
                    "title": f"Scene {number + 1}",
                    "script": "EXT. HARBOUR - DAWN. The boats slip out past the breakwater. " * 4,
                    "audio": "Music: low strings under the gulls.",
                    "notes": "Lens: 35 mm. Golden hour.",
                    "duration_seconds": 3.5,
                    "shot_size": "wide",
                    "camera_movement": "dolly",
                },
            )
            scene.raise_for_status()
            client.post(
                f"/api/scenes/{scene.json()['id']}/image",
                files={"file": ("still.jpg", pictures[number % len(pictures)], "image/jpeg")},
            ).raise_for_status()
    return str(project)


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def server_pid(port: int) -> int:
    """The uvicorn process listening on `port` (found by its command line)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"uvicorn" in b" ".join(command) and str(port).encode() in command:
                return int(entry.name)
    raise RuntimeError("the app's process was not found")


def get_p50(base: str, headers: dict[str, str], samples: int) -> float:
    times = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for _ in range(samples):
            started = time.perf_counter()
            client.get("/api/projects").raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(database_url: str, workers: str, runs: int, samples: int) -> None:
    with app_server(database_url, PDF_EXPORT_WORKERS=workers) as base:
        headers = signed_in(base, f"bench-{workers}@example.com")
        project = storyboard(base, headers)
        path = f"/api/projects/{project}/export.pdf?per_page=6"
        pid = server_pid(int(base.rsplit(":", 1)[1]))
        with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
            client.get(path).raise_for_status()  # a warm-up: the worker starts
            renders = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(path)
                renders.append(time.perf_counter() - started)
                response.raise_for_status()
            size = len(response.content)
        idle = get_p50(base, headers, samples)

        stop = threading.Event()

        def export_repeatedly() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
                while not stop.is_set():
                    client.get(path).raise_for_status()

        exporters = [threading.Thread(target=export_repeatedly) for _ in range(CONCURRENT_EXPORTS)]
        for thread in exporters:
            thread.start()
        time.sleep(1.0)  # the exports are under way
        busy = get_p50(base, headers, samples)
        stop.set()
        for thread in exporters:
            thread.join()
        worker_peaks = [peak_kib(child) for child in children(pid)]
        print(f"== PDF_EXPORT_WORKERS={workers}")
        print(
            f"  export of {FRAMES} frames with pictures, 6 a page: p50 {statistics.median(renders):.2f} s, "
            f"worst {max(renders):.2f} s, {size / 1024:.0f} KiB ({runs} runs)"
        )
        print(
            f"  peak memory: app process {peak_kib(pid) / 1024:.0f} MiB"
            + (
                f", render worker(s) {', '.join(f'{kib / 1024:.0f}' for kib in worker_peaks)} MiB"
                if worker_peaks
                else ""
            )
        )
        print(
            f"  GET /api/projects p50: idle {idle:.1f} ms, during {CONCURRENT_EXPORTS} exports "
            f"{busy:.1f} ms ({busy / idle:.1f}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--workers", default="process,thread")
    arguments = parser.parse_args()
    with throwaway_database() as database_url:
        for workers in arguments.workers.split(","):
            measure(database_url, workers, arguments.runs, arguments.samples)


if __name__ == "__main__":
    main()
