"""JSON-lines logging: one object per record, with the record's `extra` fields; and tracebacks
that never quote users' data, whichever logger writes them."""

import json
import logging
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}

# Their messages quote the values they refused or failed on: statement parameters, a database's
# "Key (email)=(...) already exists", a validation error's input.
_QUOTING_MODULES = frozenset(
    {"sqlalchemy", "asyncpg", "sqlite3", "aiosqlite", "pydantic", "pydantic_core", "fastapi"}
)
# What such an error may still say: codes and schema names, never values.
_SAFE_ATTRIBUTES = ("sqlstate", "constraint_name", "sqlite_errorname")
_WITHHELD = "message withheld: it may quote users' data"


def _quotes_data(error: BaseException) -> bool:
    return (
        isinstance(error, UnicodeError)
        or type(error).__module__.partition(".")[0] in _QUOTING_MODULES
    )


def _summary(error: BaseException) -> str:
    name = f"{type(error).__module__}.{type(error).__qualname__}".removeprefix("builtins.")
    if not _quotes_data(error):
        return "".join(traceback.format_exception_only(error)).rstrip("\n")
    known = [
        f"{attribute}={value}"
        for attribute in _SAFE_ATTRIBUTES
        if isinstance(value := getattr(error, attribute, None), str)
    ]
    return f"{name} ({', '.join([*known, _WITHHELD])})"


def redacted_traceback(error: BaseException, _seen: frozenset[int] = frozenset()) -> str:
    """The traceback as Python prints it, causes included, except that errors which may quote
    data show only their type and codes."""
    seen = _seen | {id(error)}
    lines: list[str] = []
    if error.__cause__ is not None and id(error.__cause__) not in seen:
        lines += [
            redacted_traceback(error.__cause__, seen),
            "\n\nThe above exception was the direct cause of the following exception:\n\n",
        ]
    elif (
        error.__context__ is not None
        and not error.__suppress_context__
        and id(error.__context__) not in seen
    ):
        lines += [
            redacted_traceback(error.__context__, seen),
            "\n\nDuring handling of the above exception, another exception occurred:\n\n",
        ]
    if error.__traceback__ is not None:
        lines += ["Traceback (most recent call last):\n", *traceback.format_tb(error.__traceback__)]
    lines.append(_summary(error))
    return "".join(lines)


class _RedactingRecordFactory:
    """Wraps the LogRecord factory so that every record with a traceback carries the redacted
    one in `exc_text`, which every formatter prints: uvicorn's "Exception in ASGI application",
    asyncio's and SQLAlchemy's own messages as well as ours."""

    def __init__(self, make_record: Callable[..., logging.LogRecord]) -> None:
        self.make_record = make_record

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.make_record(*args, **kwargs)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redacted_traceback(record.exc_info[1])
        return record


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value) for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES
        )
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = record.exc_text or redacted_traceback(record.exc_info[1])
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    if not isinstance(logging.getLogRecordFactory(), _RedactingRecordFactory):
        logging.setLogRecordFactory(_RedactingRecordFactory(logging.getLogRecordFactory()))
    logger = logging.getLogger("scenecraft")
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level.upper())
