"""`python -m backend.assistant.offline --port 8100`: serve the offline model on loopback."""

import argparse

import uvicorn

from backend.assistant.offline.app import create_offline_app
from backend.assistant.offline.knobs import FAULTS, OfflineSettings


def main() -> None:
    parser = argparse.ArgumentParser(description="Scenecraft's offline OpenAI-compatible server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--latency-ms", type=int, default=0, help="wait before every answer")
    parser.add_argument("--delta-delay-ms", type=int, default=0, help="wait between text deltas")
    parser.add_argument("--fault", choices=FAULTS, help="inject this fault into every answer")
    parser.add_argument("--fault-attempts", type=int, help="fault only the first N attempts")
    parser.add_argument(
        "--refuse-tools", action="store_true", help="act as a model without tool support"
    )
    parser.add_argument(
        "--refuse-images", action="store_true", help="act as a model that cannot see pictures"
    )
    arguments = parser.parse_args()
    settings = OfflineSettings(
        latency_ms=arguments.latency_ms,
        delta_delay_ms=arguments.delta_delay_ms,
        fault=arguments.fault,
        fault_attempts=arguments.fault_attempts,
        refuse_tools=arguments.refuse_tools,
        refuse_images=arguments.refuse_images,
    )
    print(f"Offline model server: OPENAI_BASE_URL=http://{arguments.host}:{arguments.port}/v1")
    uvicorn.run(
        create_offline_app(settings), host=arguments.host, port=arguments.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
