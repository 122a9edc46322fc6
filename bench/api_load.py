"""API throughput and latency on PostgreSQL, one uvicorn worker, load from wrk on loopback.

    .venv/bin/python bench/api_load.py [--duration 8] [--connections 16]

Starts the app on a throwaway database (production settings, bcrypt cost 12), seeds a user with
a 50-scene project, then prints req/s, p50 and p99 for the main routes, and a single
connection's GET p50 idle and during a login storm. Needs `wrk` (apt-get install wrk). Prints
figures only; it asserts nothing.
"""

import argparse
import json
import re
import statistics
import subprocess
import tempfile
import time

import httpx
from common import PASSWORD, app_server, project_with_scenes, signed_in, throwaway_database


def wrk(
    base: str,
    path: str,
    *,
    duration: int,
    connections: int,
    headers: dict[str, str],
    script: str | None = None,
) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    output = subprocess.run(
        [*command, base + path], capture_output=True, text=True, check=True
    ).stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
        "errors": float(
            sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
        ),
    }


def _latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def lua_post(body: dict[str, object], paths: list[str] | None = None) -> str:
    """A wrk script POSTing the body; with `paths`, to each of them in turn."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(
            'wrk.method = "POST"\n'
            f"wrk.body = [[{json.dumps(body)}]]\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
        if paths:
            listed = ", ".join(f'"{path}"' for path in paths)
            handle.write(
                f"local paths = {{{listed}}}\n"
                "local next_path = 0\n"
                "request = function()\n"
                "  next_path = next_path % #paths + 1\n"
                "  return wrk.format(nil, paths[next_path])\n"
                "end\n"
            )
    return handle.name


def single_connection_p50(base: str, path: str, headers: dict[str, str], count: int) -> float:
    timings = []
    with httpx.Client(base_url=base, headers=headers) as client:
        for _ in range(count):
            started = time.perf_counter()
            client.get(path).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    arguments = parser.parse_args()
    with throwaway_database() as database_url, app_server(database_url) as base:
        headers = signed_in(base)
        project = project_with_scenes(base, headers, 50)
        # Writes go round-robin to enough projects to stay under the 1,000-scene quota.
        scratch = [
            project_with_scenes(base, headers, 0, title=f"Writes {n}")
            for n in range(max(2, arguments.duration))
        ]
        run = {
            "duration": arguments.duration,
            "connections": arguments.connections,
            "headers": headers,
        }
        login = lua_post({"email": "bench@example.com", "password": PASSWORD})
        etag = httpx.get(f"{base}/api/projects/{project}", headers=headers).headers["etag"]
        results = {
            "GET /healthz": wrk(base, "/healthz", **run),
            "GET /api/projects/{id} (50 scenes)": wrk(base, f"/api/projects/{project}", **run),
            "  same, If-None-Match (304)": wrk(
                base,
                f"/api/projects/{project}",
                **{**run, "headers": {**headers, "If-None-Match": etag}},
            ),
            "GET /api/projects": wrk(base, "/api/projects", **run),
            "POST /api/projects/{id}/scenes": wrk(
                base,
                f"/api/projects/{scratch[0]}/scenes",
                **run,
                script=lua_post(
                    {"title": "Load", "script": "x" * 200},
                    [f"/api/projects/{project_id}/scenes" for project_id in scratch],
                ),
            ),
            "POST /api/auth/login": wrk(
                base,
                "/api/auth/login",
                duration=arguments.duration,
                connections=4,
                headers={},
                script=login,
            ),
        }
        print(f"{'route':40s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'non-2xx':>8s}")
        for route, figures in results.items():
            print(
                f"{route:40s} {figures['rps']:9.1f} {figures['p50']:8.2f} {figures['p99']:8.2f} {figures['errors']:8.0f}"
            )
        ratio = (
            results["GET /api/projects/{id} (50 scenes)"]["rps"] / results["GET /healthz"]["rps"]
        )
        print(f"GET project / healthz: {ratio:.0%}")

        path = f"/api/projects/{project}"
        idle = single_connection_p50(base, path, headers, 300)
        storm = subprocess.Popen(
            [
                "wrk",
                "-t1",
                "-c16",
                f"-d{arguments.duration + 5}s",
                "-s",
                login,
                base + "/api/auth/login",
            ],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(1.5)
        during = single_connection_p50(base, path, headers, 300)
        storm.wait()
        print(
            f"single-connection GET project p50: idle {idle:.2f} ms, during a 16-connection login storm {during:.2f} ms ({during / idle:.2f}x)"
        )


if __name__ == "__main__":
    main()
