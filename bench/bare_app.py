"""A bare FastAPI app with only a health route: what `/healthz` costs without our middleware,
routes and settings, for bench/api_load.py to compare against (`bench.bare_app:create_app`)."""

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    async def read_health() -> dict[str, str]:
        return {"status": "ok"}

    return app
