"""The same tool loop through the Responses API (OpenAI today): function_call items answered
with function_call_output items, chained with previous_response_id."""

from typing import Any

import openai
from openai import AsyncOpenAI
from openai.types.responses import Response

from backend.assistant.engines.base import (
    SYSTEM_PROMPT,
    ProviderError,
    TurnInput,
    TurnOutput,
    TurnSink,
    provider_errors,
    run_round,
    too_many_rounds,
)
from backend.assistant.tools import TOOLS, ToolResult


class ResponsesEngine:
    name = "responses"

    def __init__(self, client: AsyncOpenAI, model: str, *, max_rounds: int = 8) -> None:
        self._client = client
        self._model = model
        self._max_rounds = max_rounds

    async def run_turn(self, turn: TurnInput) -> TurnOutput:
        instructions = f"{SYSTEM_PROMPT}\n{turn.instructions}"
        tools: list[Any] = [tool.responses_definition() for tool in TOOLS.values()]
        user: list[Any] = [{"role": "user", "content": turn.user_text}]
        previous = turn.previous_response_id
        items = user if previous else await self._history(turn) + user
        results: list[ToolResult] = []
        async with provider_errors():
            for _ in range(self._max_rounds + 1):
                try:
                    response = await self._stream(instructions, items, tools, previous, turn.sink)
                except openai.NotFoundError:
                    if previous is None:
                        raise
                    # The provider forgot the chain: start again from our own history.
                    previous, items = None, await self._history(turn) + user
                    response = await self._stream(instructions, items, tools, None, turn.sink)
                calls = [item for item in response.output if item.type == "function_call"]
                if not calls:
                    return TurnOutput(response.output_text, results, response_id=response.id)
                round_results = await run_round(turn, [(c.name, c.arguments) for c in calls])
                results += round_results
                previous = response.id
                items = [
                    {
                        "type": "function_call_output",
                        "call_id": call.call_id,
                        "output": result.output,
                    }
                    for call, result in zip(calls, round_results, strict=True)
                ]
        raise too_many_rounds(self._max_rounds)

    @staticmethod
    async def _history(turn: TurnInput) -> list[Any]:
        history = await turn.load_history()
        return [{"role": role, "content": text} for role, text in history if text]

    async def _stream(
        self,
        instructions: str,
        items: list[Any],
        tools: list[Any],
        previous: str | None,
        sink: TurnSink,
    ) -> Response:
        options: dict[str, Any] = {"previous_response_id": previous} if previous else {}
        async with self._client.responses.stream(
            model=self._model, instructions=instructions, input=items, tools=tools, **options
        ) as stream:
            async for event in stream:
                if event.type == "response.output_text.delta":
                    await sink.delta(event.delta)
            response = await stream.get_final_response()
        if response.status not in (None, "completed"):
            reason = response.error.message if response.error else response.status
            raise ProviderError(f"The model provider could not finish the reply: {reason}")
        return response
