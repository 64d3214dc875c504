"""Start from code, the JSON form: a pasted create body (contract §2.1 field names, IaCM
`POST .../workspaces`) read into a `BodyReader`, each value on the line of its key.

`from_code.read_code` calls `read_json` for a paste that starts with `{` or `[`.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from typing import Any

from workspaces.export_terraform import ATTRIBUTES, UNMANAGED_DEFAULTS
from workspaces.wizard import budgets, steps
from workspaces.wizard.code_body import (
    BOOLEAN_FIELDS,
    NOT_IN_WIZARD_REASON,
    NUMBER_REASON,
    BodyReader,
    CodeRefused,
    add_group,
)

JSON_TEXT_FIELDS = (*(f for f, _ in ATTRIBUTES if f not in BOOLEAN_FIELDS), "repository_submodules")
# Body fields the wizard does not set, and the values that mean "not set" (as export says).
WIZARD_SETS = ("budget", "repository_submodules")  # not in the resource, but in the wizard
JSON_UNSET: dict[str, tuple[Any, ...]] = {
    **{f: (*v, [], {}) for f, v in UNMANAGED_DEFAULTS.items() if f not in WIZARD_SETS},
    "terraform_variable_files": ([], None),
    "variable_sets": ([], None),
    "default_pipelines": ({}, None),
    "provisioner_configuration": ({}, None),
}


def _json_line(reader: BodyReader, key: str, start: int = 1) -> int:
    """The first line from `start` where `"key":` appears (`BodyReader.json_keys`)."""
    lines = reader.json_keys.get(key, [])
    at = bisect_left(lines, start)
    return lines[at] if at < len(lines) else start


def read_json(reader: BodyReader) -> None:
    """The create body of a pasted JSON body (contract §2.1 names) into `reader`; raises
    CodeRefused when it cannot be read or is not an object."""
    try:
        # A key given twice: the first value is used, as for HCL (`BodyReader.put`); the later
        # ones are listed below (json alone would keep the last, silently).
        data = json.loads(reader.text, object_pairs_hook=_first_values)
    except json.JSONDecodeError as err:
        raise CodeRefused(
            f"The JSON could not be read: {err.msg} (line {err.lineno}, column {err.colno})."
        ) from err
    except ValueError as err:  # a whole number of more than 4,300 digits
        raise CodeRefused(f"The JSON could not be read: {NUMBER_REASON}") from err
    except RecursionError as err:
        raise CodeRefused("The JSON nests too deeply to be a create body.") from err
    if not isinstance(data, dict):
        raise CodeRefused("Expected a JSON object: the body of the create call.")
    for number, key in reader.json_repeats:
        reader.skip(number, f"{key} is set twice; the first value is used.")
    for key, value in data.items():
        number = _json_line(reader, key)
        if key in JSON_UNSET:
            if value not in JSON_UNSET[key]:
                reader.skip(number, f"{key}: {NOT_IN_WIZARD_REASON}")
        elif key in (*JSON_TEXT_FIELDS, *BOOLEAN_FIELDS):
            if value is not None:
                reader.put(number, key, key, value)
        elif key == "budget":
            _budget(reader, number, value)
        elif key == "tags":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                reader.skip(number, "tags: expects an object of texts.")
            elif len(value) > steps.MAX_TAGS:  # as for HCL (`from_code._tags`)
                reader.skip(number, f"tags: at most {steps.MAX_TAGS} tags.")
            else:
                reader.put(number, key, "tags", value)
        elif key in ("terraform_variables", "environment_variables", "provider_connectors"):
            _json_group(reader, number, key, value)
        elif key == "associated_template":
            add_group(reader, number, key, value, "template")
        else:
            reader.skip(number, f"{key} is not a field of the create body.")


def _first_values(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        found.setdefault(key, value)
    return found


def _budget(reader: BodyReader, number: int, value: Any) -> None:
    if value is None:
        return
    text = str(value) if isinstance(value, int | float) and not isinstance(value, bool) else "x"
    problem = budgets.budget_problem(text)
    if problem:
        reader.skip(number, f"budget: {problem}")
    else:
        reader.keep(number, "budget", "budget", float(value))


def _json_group(reader: BodyReader, number: int, key: str, value: Any) -> None:
    """A map of variables (contract §2.1: key -> variable) or a list (of connectors, or of
    variables, read as the map's values). A variable whose map key is not its own `key` is a
    line not used: contract §2.4, the map key is the variable's key, so which was meant is not
    known."""
    named = list(value.items()) if isinstance(value, dict) else value
    if not isinstance(named, list):
        reader.skip(number, f"{key}: expects a list or an object.")
        return
    if not isinstance(value, dict):
        named = [(None, item) for item in named]
    kind = "connector" if key == "provider_connectors" else key.removesuffix("_variables")
    line = number
    for name, item in named:
        # A variable's line is its key's (`"region": {...}`); a connector's, its connector_ref's.
        anchor = name if kind != "connector" else None
        if anchor is None and isinstance(item, dict) and kind != "connector":
            anchor = item.get("key")
        anchor = anchor if isinstance(anchor, str) else "connector_ref"
        line = _json_line(reader, anchor, line + (anchor == "connector_ref"))
        own = item.get("key") if isinstance(item, dict) else None
        if kind != "connector" and name is not None and isinstance(own, str) and own != name:
            reader.skip(
                line, f"{key} {name}: its key is {own}; a variable's entry is named by its key."
            )
            continue
        if isinstance(item, dict) and item.get("terragrunt_provider"):
            reader.skip(line, f"terragrunt_provider of a connector: {NOT_IN_WIZARD_REASON}")
        add_group(reader, line, key, item, kind)
