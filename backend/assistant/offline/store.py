"""Bounded in-memory state: the oldest objects are evicted once a kind holds `limit` of them."""

import secrets
import time
from collections import OrderedDict
from typing import Generic, TypeVar

from backend.assistant.offline.knobs import OfflineAPIError

T = TypeVar("T")


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"


def now() -> int:
    return int(time.time())


class BoundedStore(Generic[T]):
    """Single-threaded (one event loop), so plain dict operations are atomic between awaits."""

    def __init__(self, kind: str, limit: int) -> None:
        self.kind = kind
        self.limit = limit
        self._items: OrderedDict[str, T] = OrderedDict()

    def put(self, key: str, value: T) -> T:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)
        return value

    def get(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            raise OfflineAPIError(
                404, f"No {self.kind} found with id '{key}'.", param=self.kind
            ) from None

    def peek(self, key: str) -> T | None:
        return self._items.get(key)

    def pop(self, key: str) -> T:
        item = self.get(key)
        del self._items[key]
        return item

    def values(self) -> list[T]:
        return list(self._items.values())

    def __len__(self) -> int:
        return len(self._items)


def paginate(
    items: list[dict[str, object]],
    *,
    order: str,
    limit: int,
    after: str | None,
    before: str | None,
) -> dict[str, object]:
    """OpenAI's cursor page: `items` oldest first; `has_more` is always present so SDK
    auto-pagination ends."""
    if order not in ("asc", "desc"):
        raise OfflineAPIError(400, "order must be 'asc' or 'desc'", param="order")
    if not 1 <= limit <= 100:
        raise OfflineAPIError(400, "limit must be between 1 and 100", param="limit")
    ordered = items if order == "asc" else list(reversed(items))
    ids = [str(item["id"]) for item in ordered]
    start, end = 0, len(ordered)
    if after is not None:
        if after not in ids:
            raise OfflineAPIError(400, f"Unknown cursor after={after!r}", param="after")
        start = ids.index(after) + 1
    if before is not None:
        if before not in ids:
            raise OfflineAPIError(400, f"Unknown cursor before={before!r}", param="before")
        end = ids.index(before)
    window = ordered[start:end]
    page = window[:limit] if before is None else window[-limit:]
    return {
        "object": "list",
        "data": page,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": len(window) > len(page),
    }
