"""`python -m backend.jobs cleanup`: run a job once, with the app's settings, and print what it
did. Exits 1 when a rule failed (it is logged, and retried on the next run)."""

import argparse
import asyncio
import sys

from backend.assistant.engines import create_model_client
from backend.core.config import get_settings
from backend.core.db import create_engine, create_session_factory
from backend.core.logging import configure_logging
from backend.jobs.cleanup import run_cleanup


async def cleanup() -> int:
    settings = get_settings()
    configure_logging(settings.LOG_LEVEL)
    engine = create_engine(settings)
    model_client = create_model_client(settings)
    try:
        report = await run_cleanup(settings, create_session_factory(engine), model_client)
    finally:
        await model_client.close()
        await engine.dispose()
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.jobs", description=__doc__)
    parser.add_argument("job", choices=["cleanup"], help="the job to run once")
    parser.parse_args()
    return asyncio.run(cleanup())


if __name__ == "__main__":
    sys.exit(main())
