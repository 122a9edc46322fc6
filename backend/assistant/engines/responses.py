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
    incomplete_stream,
    provider_call,
    run_round,
    too_many_rounds,
    unfinished_reply,
)
from backend.assistant.engines.meter import record_usage
from backend.assistant.tools import TOOLS


def user_content(turn: TurnInput) -> str | list[Any]:
    """The user's message: its text, then each picture as an `input_image` part (its
    `image_url` a plain string here). `detail: low`: the pictures are thumbnails already."""
    if not turn.pictures:
        return turn.user_text
    return [
        {"type": "input_text", "text": turn.user_text},
        *(
            {"type": "input_image", "image_url": picture.data_url, "detail": "low"}
            for picture in turn.pictures
        ),
    ]


class ResponsesEngine:
    name = "responses"

    def __init__(
        self, client: AsyncOpenAI, model: str, *, max_rounds: int = 8, max_calls: int = 32
    ) -> None:
        self._client = client
        self._model = model
        self._max_rounds = max_rounds
        self._max_calls = max_calls

    async def run_turn(self, turn: TurnInput) -> TurnOutput:
        instructions = f"{SYSTEM_PROMPT}\n{turn.instructions}"
        tools: list[Any] = [tool.responses_definition() for tool in TOOLS.values()]
        user: list[Any] = [{"role": "user", "content": user_content(turn)}]
        previous = turn.previous_response_id
        items = user if previous else await self._history(turn) + user
        for _ in range(self._max_rounds + 1):
            async with provider_call():
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
                return TurnOutput(response.output_text, response_id=response.id)
            round_results = await run_round(
                turn, [(c.name, c.arguments) for c in calls], limit=self._max_calls
            )
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
        """One streamed response. Only `response.completed` makes it whole: a stream that ends
        without it (cut, or an `error` event) is not used, not even its function calls."""
        options: dict[str, Any] = {"previous_response_id": previous} if previous else {}
        final: Response | None = None
        final_event: str | None = None
        last_event: str | None = None
        async with self._client.responses.stream(
            model=self._model, instructions=instructions, input=items, tools=tools, **options
        ) as stream:
            async for event in stream:
                last_event = event.type
                if event.type == "response.output_text.delta":
                    await sink.delta(event.delta)
                elif event.type == "error":
                    raise ProviderError(
                        f"The model provider reported an error: {event.message}",
                        cause={"cause": "error_event", "code": event.code},
                    )
                elif (
                    event.type == "response.completed"
                    or event.type == "response.incomplete"
                    or event.type == "response.failed"
                ):
                    final, final_event = event.response, event.type
            if final is None:
                raise incomplete_stream(last_event)
            record_usage(final.id, final.usage)
            if final_event == "response.completed":
                return await stream.get_final_response()
        if final.error is not None:
            raise unfinished_reply(final.error.message)
        details = final.incomplete_details
        raise unfinished_reply(details.reason if details and details.reason else str(final.status))
