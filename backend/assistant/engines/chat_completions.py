"""The same tool loop over Chat Completions with our stored history: for Ollama, vLLM,
LM Studio and any OpenAI-compatible server."""

from typing import Any

from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessage

from backend.assistant.engines.base import (
    SYSTEM_PROMPT,
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

FINISHED = ("stop", "tool_calls")


def user_content(turn: TurnInput) -> str | list[Any]:
    """The user's message: its text, then each picture as an `image_url` part (the Assistants
    API takes the same parts). `detail: low`: the pictures are thumbnails already."""
    if not turn.pictures:
        return turn.user_text
    return [
        {"type": "text", "text": turn.user_text},
        *(
            {"type": "image_url", "image_url": {"url": picture.data_url, "detail": "low"}}
            for picture in turn.pictures
        ),
    ]


class ChatCompletionsEngine:
    name = "chat_completions"

    def __init__(
        self, client: AsyncOpenAI, model: str, *, max_rounds: int = 8, max_calls: int = 32
    ) -> None:
        self._client = client
        self._model = model
        self._max_rounds = max_rounds
        self._max_calls = max_calls

    async def run_turn(self, turn: TurnInput) -> TurnOutput:
        history = await turn.load_history()
        messages: list[Any] = [
            {"role": "system", "content": f"{SYSTEM_PROMPT}\n{turn.instructions}"},
            *({"role": role, "content": text} for role, text in history if text),
            {"role": "user", "content": user_content(turn)},
        ]
        tools: list[Any] = [tool.chat_definition() for tool in TOOLS.values()]
        for _ in range(self._max_rounds + 1):
            async with provider_call():
                message = await self._answer(messages, tools, turn.sink)
            calls = [call for call in message.tool_calls or [] if call.type == "function"]
            if not calls:
                return TurnOutput(message.content or "")
            messages.append(
                {
                    "role": "assistant",
                    "content": message.content,
                    "tool_calls": [call.model_dump(exclude_none=True) for call in calls],
                }
            )
            round_results = await run_round(
                turn,
                [(call.function.name, call.function.arguments) for call in calls],
                limit=self._max_calls,
            )
            messages += [
                {"role": "tool", "tool_call_id": call.id, "content": result.output}
                for call, result in zip(calls, round_results, strict=True)
            ]
        raise too_many_rounds(self._max_rounds)

    async def _answer(
        self, messages: list[Any], tools: list[Any], sink: TurnSink
    ) -> ChatCompletionMessage:
        """One streamed completion. The SDK does not notice a cut stream: without a finish
        reason the text and tool calls so far are partial, so none of it is used. The usage
        comes in a last chunk, asked for with `include_usage`."""
        async with self._client.chat.completions.stream(
            model=self._model,
            messages=messages,
            tools=tools,
            stream_options={"include_usage": True},
        ) as stream:
            async for event in stream:
                if event.type == "content.delta":
                    await sink.delta(event.delta)
            completion = await stream.get_final_completion()
        record_usage(completion.id, completion.usage)
        choice = completion.choices[0] if completion.choices else None
        if choice is None or choice.finish_reason is None:
            raise incomplete_stream(None if choice is None else "chat.completion.chunk")
        if choice.finish_reason not in FINISHED:
            raise unfinished_reply(choice.finish_reason)
        return choice.message
