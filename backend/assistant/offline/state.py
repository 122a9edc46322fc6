"""Everything the offline server remembers, bounded per kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from backend.assistant.offline.knobs import OfflineSettings
from backend.assistant.offline.store import BoundedStore

if TYPE_CHECKING:
    from backend.assistant.offline.assistants import Assistant, Run, Thread


@dataclass
class OfflineState:
    settings: OfflineSettings
    assistants: BoundedStore[Assistant] = field(init=False)
    threads: BoundedStore[Thread] = field(init=False)
    runs: BoundedStore[Run] = field(init=False)
    responses: BoundedStore[dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        limit = self.settings.max_objects
        self.assistants = BoundedStore("assistant", limit)
        self.threads = BoundedStore("thread", limit)
        self.runs = BoundedStore("run", limit)
        self.responses = BoundedStore("response", limit)


def state_of(request: Request) -> OfflineState:
    state: OfflineState = request.app.state.offline
    return state
