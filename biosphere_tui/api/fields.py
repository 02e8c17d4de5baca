"""Strict readers of decoded JSON: every mismatch becomes a ``ShapeError`` naming the field.

Clients turn ``ShapeError`` into a ``BadReply`` for their source, so a reply of the wrong
shape fails that source with a plain message instead of a traceback. Every text read here
goes through ``safe_text.clean``: what a server sends cannot reach a terminal raw.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from biosphere_tui.safe_text import TEXT_LIMIT, clean


class ShapeError(ValueError):
    """A JSON value is not what the contract says."""


def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(f"{where} should be an object, got {_kind(value)}")
    return value


def lst(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ShapeError(f"{where} should be a list, got {_kind(value)}")
    return value


def _get(d: dict[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise ShapeError(f"{where}.{key} is missing")
    return d[key]


def text(d: dict[str, Any], key: str, where: str, *, optional: bool = False, multiline: bool = False) -> str:
    """A one-line text (``multiline``: a description or message that keeps its line breaks), made safe."""
    if optional and d.get(key) is None:
        return ""
    value = _get(d, key, where)
    if not isinstance(value, str):
        raise ShapeError(f"{where}.{key} should be text, got {_kind(value)}")
    return clean(value, limit=TEXT_LIMIT, multiline=True) if multiline else clean(value)


def maybe_text(d: dict[str, Any], key: str, where: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ShapeError(f"{where}.{key} should be text or null, got {_kind(value)}")
    return clean(value)


def integer(d: dict[str, Any], key: str, where: str, *, default: int | None = None) -> int:
    if default is not None and d.get(key) is None:
        return default
    value = _get(d, key, where)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ShapeError(f"{where}.{key} should be a whole number, got {_kind(value)}")
    return value


def number(d: dict[str, Any], key: str, where: str) -> float:
    value = _get(d, key, where)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ShapeError(f"{where}.{key} should be a number, got {_kind(value)}")
    return float(value)


def flag(d: dict[str, Any], key: str, where: str) -> bool:
    value = d.get(key, False)
    if not isinstance(value, bool):
        raise ShapeError(f"{where}.{key} should be true or false, got {_kind(value)}")
    return value


def texts(d: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    items = lst(d.get(key, []), f"{where}.{key}")
    if not all(isinstance(i, str) for i in items):
        raise ShapeError(f"{where}.{key} should be a list of text")
    return tuple(clean(i) for i in items)


def mapping(d: dict[str, Any], key: str, where: str) -> dict[str, str]:
    """A JSON object of scalars (Nova metadata) as text keys and values, made safe."""
    return {clean(str(k)): clean(str(v)) for k, v in obj(d.get(key) or {}, f"{where}.{key}").items()}


def timestamp(d: dict[str, Any], key: str, where: str) -> datetime:
    raw = text(d, key, where)
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ShapeError(f"{where}.{key} is not a date and time: {raw[:40]!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def day(d: dict[str, Any], key: str, where: str) -> date:
    raw = text(d, key, where)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ShapeError(f"{where}.{key} is not a date: {raw[:40]!r}") from None


def choice(d: dict[str, Any], key: str, where: str, enum: type) -> Any:
    raw = text(d, key, where)
    try:
        return enum(raw)
    except ValueError:
        raise ShapeError(f"{where}.{key} has an unknown value {raw[:40]!r}") from None


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
