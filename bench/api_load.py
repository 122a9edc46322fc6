"""API throughput and latency on PostgreSQL, one uvicorn worker, load from wrk on loopback.

    .venv/bin/python bench/api_load.py [--duration 8] [--connections 16]

Starts the app on a throwaway database (production settings, bcrypt cost 12), a second instance
with the project cache off, and a bare FastAPI app with only a health route, all served the same
way; seeds a user with a 50-scene project, then prints req/s, p50 and p99 for the main routes,
the ratios the issue tracks (each `--rounds` times, measured back to back, with their median),
and a single connection's GET p50 idle and during a login storm. Needs `wrk` (apt-get install wrk). Prints
figures only; it asserts nothing.
"""

import argparse
import json
import re
import secrets
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


def print_table(results: dict[str, dict[str, float]]) -> None:
    print(f"{'route':44s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'non-2xx':>8s}")
    for route, figures in results.items():
        print(
            f"{route:44s} {figures['rps']:9.1f} {figures['p50']:8.2f} {figures['p99']:8.2f} {figures['errors']:8.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat the rows compared as ratios this often"
    )
    arguments = parser.parse_args()
    # One key for both app servers, so one sign-in works on each.
    secret = secrets.token_urlsafe(48)
    with (
        throwaway_database() as database_url,
        app_server(database_url, SECRET_KEY=secret) as base,
        app_server(database_url, SECRET_KEY=secret, PROJECT_CACHE_MB="0") as uncached,
        app_server(database_url, factory="bench.bare_app:create_app") as bare,
    ):
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
        path = f"/api/projects/{project}"
        login = lua_post({"email": "bench@example.com", "password": PASSWORD})
        etag = httpx.get(base + path, headers=headers).headers["etag"]

        # The rows compared as ratios, measured back to back (the machine may be shared).
        ratios: dict[str, list[float]] = {
            "GET /healthz / bare FastAPI /healthz": [],
            "GET project / GET /healthz": [],
            "GET project (cache off) / GET /healthz": [],
        }
        for round_number in range(arguments.rounds):
            compared = {
                "GET /healthz (bare FastAPI app)": wrk(bare, "/healthz", **run),
                "GET /healthz": wrk(base, "/healthz", **run),
                "GET /api/projects/{id} (50 scenes)": wrk(base, path, **run),
                "  same, PROJECT_CACHE_MB=0": wrk(uncached, path, **run),
            }
            healthz, cached, uncached_read = (
                compared[row]["rps"]
                for row in (
                    "GET /healthz",
                    "GET /api/projects/{id} (50 scenes)",
                    "  same, PROJECT_CACHE_MB=0",
                )
            )
            for name, ratio in zip(
                ratios,
                (
                    healthz / compared["GET /healthz (bare FastAPI app)"]["rps"],
                    cached / healthz,
                    uncached_read / healthz,
                ),
                strict=True,
            ):
                ratios[name].append(ratio)
            if round_number < arguments.rounds - 1:
                print_table(compared)
                print()
        results = {
            **compared,
            "  same, If-None-Match (304)": wrk(
                base,
                path,
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
        print_table(results)
        for name, values in ratios.items():
            listed = ", ".join(f"{value:.0%}" for value in values)
            print(f"{name}: {statistics.median(values):.0%} (rounds: {listed})")

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
