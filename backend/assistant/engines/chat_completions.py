"""The same tool loop over Chat Completions with our stored history: for Ollama, vLLM,
LM Studio and any OpenAI-compatible server."""

from typing import Any

from openai import AsyncOpenAI

from backend.assistant.engines.base import (
    SYSTEM_PROMPT,
    TurnInput,
    TurnOutput,
    provider_errors,
    run_round,
    too_many_rounds,
)
from backend.assistant.tools import TOOLS, ToolResult


class ChatCompletionsEngine:
    name = "chat_completions"

    def __init__(self, client: AsyncOpenAI, model: str, *, max_rounds: int = 8) -> None:
        self._client = client
        self._model = model
        self._max_rounds = max_rounds

    async def run_turn(self, turn: TurnInput) -> TurnOutput:
        history = await turn.load_history()
        messages: list[Any] = [
            {"role": "system", "content": f"{SYSTEM_PROMPT}\n{turn.instructions}"},
            *({"role": role, "content": text} for role, text in history if text),
            {"role": "user", "content": turn.user_text},
        ]
        tools: list[Any] = [tool.chat_definition() for tool in TOOLS.values()]
        results: list[ToolResult] = []
        async with provider_errors():
            for _ in range(self._max_rounds + 1):
                async with self._client.chat.completions.stream(
                    model=self._model, messages=messages, tools=tools
                ) as stream:
                    async for event in stream:
                        if event.type == "content.delta":
                            await turn.sink.delta(event.delta)
                    completion = await stream.get_final_completion()
                message = completion.choices[0].message
                calls = [call for call in message.tool_calls or [] if call.type == "function"]
                if not calls:
                    return TurnOutput(message.content or "", results)
                messages.append(
                    {
                        "role": "assistant",
                        "content": message.content,
                        "tool_calls": [call.model_dump(exclude_none=True) for call in calls],
                    }
                )
                round_results = await run_round(
                    turn, [(call.function.name, call.function.arguments) for call in calls]
                )
                results += round_results
                messages += [
                    {"role": "tool", "tool_call_id": call.id, "content": result.output}
                    for call, result in zip(calls, round_results, strict=True)
                ]
        raise too_many_rounds(self._max_rounds)
