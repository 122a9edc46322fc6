"""The offline OpenAI-compatible server: `/v1` Assistants v2, Responses, Chat Completions, models.

It imports nothing from the Scenecraft app; it only speaks the OpenAI wire format.
"""

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from backend.assistant.offline import assistants, chat_completions, responses
from backend.assistant.offline.knobs import OfflineAPIError, OfflineSettings
from backend.assistant.offline.state import OfflineState
from backend.assistant.offline.store import now

MODELS = ("offline-1",)

models_router = APIRouter()


def _model(model_id: str) -> dict[str, object]:
    return {"id": model_id, "object": "model", "created": now(), "owned_by": "scenecraft-offline"}


@models_router.get("/models")
async def list_models() -> dict[str, object]:
    return {"object": "list", "data": [_model(model_id) for model_id in MODELS], "has_more": False}


@models_router.get("/models/{model_id}")
async def retrieve_model(model_id: str) -> dict[str, object]:
    if model_id.split("+", 1)[0] not in MODELS:
        raise OfflineAPIError(404, f"The model '{model_id}' does not exist", code="model_not_found")
    return _model(model_id)


async def _offline_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, OfflineAPIError)
    return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0] if error.errors() else {}
    location = ".".join(str(part) for part in first.get("loc", ())[1:])
    message = f"Invalid value for '{location}': {first.get('msg', 'invalid')}"
    return JSONResponse(OfflineAPIError(400, message, param=location).body(), status_code=400)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    message = f"Unknown request URL: {request.method} {request.url.path}."
    code = "unknown_url" if error.status_code in (404, 405) else None
    status = 404 if error.status_code == 405 else error.status_code
    return JSONResponse(OfflineAPIError(status, message, code=code).body(), status_code=status)


def create_offline_app(settings: OfflineSettings | None = None) -> FastAPI:
    app = FastAPI(
        title="Scenecraft offline model server",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.offline = OfflineState(settings or OfflineSettings())
    v1 = APIRouter(prefix="/v1")
    v1.include_router(models_router)
    v1.include_router(assistants.router)
    v1.include_router(responses.router)
    v1.include_router(chat_completions.router)
    app.include_router(v1)
    app.add_exception_handler(OfflineAPIError, _offline_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    return app
