"""A tiny in-memory key-value store."""

__version__ = "1.0.0"

_store: dict[str, str] = {}


def put(key: str, value: str) -> None:
    _store[key] = value


def get(key: str) -> str | None:
    return _store.get(key)
