"""The tolerant readers the types' parsers (`types.py`, the `from_*` classmethods) are built from.

They ignore fields they do not know and default the optional ones that are absent or null; a body
without the expected shape (a list where an object belongs, a missing identifier, a string where a
number belongs) raises `ShapeError`, which the client turns into `HarnessUnavailable`. Timestamps
arrive as unix milliseconds and become aware UTC `datetime`s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "REQUIRED",
    "ShapeError",
    "array",
    "boolean",
    "integer",
    "number",
    "obj",
    "parse_items",
    "provisioner_configuration",
    "scope_of",
    "scoped_ref",
    "str_map",
    "str_tuple",
    "string",
    "template_fields",
    "timestamp",
]


class ShapeError(ValueError):
    """A Harness response body does not have the shape the client expects."""


#: The `default` of `string` that makes the key required.
REQUIRED: Any = object()


def obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(f"{what}: expected an object, got {type(value).__name__}")
    return value


def array(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ShapeError(f"{what}: expected an array, got {type(value).__name__}")
    return value


def string(data: Mapping[str, Any], key: str, default: Any = "") -> Any:
    """`data[key]` as a string; `default` when absent or null (`REQUIRED`: a ShapeError)."""
    value = data.get(key)
    if value is None:
        if default is REQUIRED:
            raise ShapeError(f"{key!r} is missing")
        return default
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise ShapeError(f"{key!r}: expected a string, got {type(value).__name__}")


def integer(data: Mapping[str, Any], key: str, default: Any = None) -> Any:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        raise ShapeError(f"{key!r}: expected a number, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) <= 21:  # an int64 as text; never 400 digits
        try:
            return int(value)
        except ValueError:
            pass
    raise ShapeError(f"{key!r}: expected an integer, got {value!r:.40}")


def number(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise ShapeError(f"{key!r}: expected a number, got {value!r}")


def boolean(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise ShapeError(f"{key!r}: expected a boolean, got {value!r}")


def str_map(data: Mapping[str, Any], key: str) -> dict[str, str]:
    value = data.get(key)
    if value is None:
        return {}
    if isinstance(value, list) and not value:
        return {}
    return {str(k): string({"v": v}, "v") for k, v in obj(value, key).items()}


def str_tuple(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if isinstance(value, str):  # e.g. `sparse_checkout`, declared a string, seen as an array
        return tuple(line for line in value.splitlines() if line)
    return tuple(string({"v": item}, "v") for item in array(value, key))


def timestamp(data: Mapping[str, Any], key: str) -> datetime | None:
    ms = integer(data, key)
    if ms is None or ms <= 0:
        return None
    try:
        return datetime.fromtimestamp(ms / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise ShapeError(f"{key!r}: not a timestamp in milliseconds: {ms!r}") from err


def scoped_ref(identifier: str, scope: str) -> str:
    """The scoped reference Harness uses in connector/secret/template refs (contract §6.3)."""
    if scope == "account":
        return f"account.{identifier}"
    if scope == "org":
        return f"org.{identifier}"
    return identifier


def scope_of(org: str, project: str) -> str:
    if project:
        return "project"
    if org:
        return "org"
    return "account"


def provisioner_configuration(value: Any) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):  # declared a string in the spec; the wire sends an object
        return {"value": value}
    return str_map({"v": value}, "v")


def template_fields(body: Any) -> dict[str, Any]:
    data = obj(body, "template")
    if isinstance(data.get("template"), dict):  # `{"template": TemplateResponse, "inputs": ...}`
        data = data["template"]
    org = string(data, "org")
    project = string(data, "project")
    identifier = string(data, "identifier", REQUIRED)
    scope = string(data, "scope").lower()
    if scope not in {"account", "org", "project"}:
        scope = scope_of(org, project)
    return {
        "identifier": identifier,
        "name": string(data, "name") or identifier,
        "version_label": string(data, "version_label"),
        "entity_type": string(data, "entity_type"),
        "child_type": string(data, "child_type"),
        "scope": scope,
        "ref": scoped_ref(identifier, scope),
        "org": org,
        "project": project,
        "description": string(data, "description"),
        "tags": str_map(data, "tags"),
        "stable": boolean(data, "stable_template"),
        "updated": timestamp(data, "updated"),
        "_yaml": data.get("yaml"),
    }


def parse_items[T](body: Any, what: str, parse: Callable[[Any], T]) -> list[T]:
    """Parse a JSON array of items with `parse`."""
    if not isinstance(body, list):
        raise ShapeError(f"{what}: expected an array, got {type(body).__name__}")
    return [parse(item) for item in body]
