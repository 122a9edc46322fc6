"""Model providers behind one interface (`Engine.run_turn`), chosen by CHAT_ENGINE."""

from openai import AsyncOpenAI, DefaultAsyncHttpxClient

from backend.assistant.engines.assistants import AssistantsEngine
from backend.assistant.engines.base import Engine
from backend.assistant.engines.chat_completions import ChatCompletionsEngine
from backend.assistant.engines.meter import count_retry
from backend.assistant.engines.responses import ResponsesEngine
from backend.assistant.offline.client import create_offline_client
from backend.assistant.offline.knobs import OfflineSettings
from backend.core.config import Settings


def create_model_client(settings: Settings) -> AsyncOpenAI:
    """OpenAI (or any compatible server) when configured; otherwise the offline model, in
    process, through the same SDK. Either way the SDK's retries are counted on the turn."""
    if settings.uses_offline_model:
        return create_offline_client(
            settings=OfflineSettings(
                latency_ms=settings.OFFLINE_MODEL_LATENCY_MS,
                delta_delay_ms=settings.OFFLINE_MODEL_DELTA_DELAY_MS,
            ),
            max_retries=settings.OPENAI_MAX_RETRIES,
            request_hooks=[count_retry],
        )
    api_key = settings.OPENAI_API_KEY.get_secret_value() if settings.OPENAI_API_KEY else "none"
    return AsyncOpenAI(
        api_key=api_key,
        base_url=settings.OPENAI_BASE_URL or None,
        timeout=settings.OPENAI_TIMEOUT_SECONDS,
        max_retries=settings.OPENAI_MAX_RETRIES,
        http_client=DefaultAsyncHttpxClient(event_hooks={"request": [count_retry]}),
    )


def create_engine(settings: Settings, client: AsyncOpenAI) -> Engine:
    rounds, calls = settings.CHAT_MAX_TOOL_ROUNDS, settings.CHAT_MAX_TOOL_CALLS_PER_ROUND
    if settings.CHAT_ENGINE == "responses":
        return ResponsesEngine(client, settings.model_name, max_rounds=rounds, max_calls=calls)
    if settings.CHAT_ENGINE == "chat_completions":
        return ChatCompletionsEngine(
            client, settings.model_name, max_rounds=rounds, max_calls=calls
        )
    return AssistantsEngine(
        client,
        settings.model_name,
        stream=settings.CHAT_ASSISTANTS_MODE == "stream",
        assistant_id=settings.OPENAI_ASSISTANT_ID,
        max_rounds=rounds,
        max_calls=calls,
    )
