"""Which variable or connector a Goa refusal of a nested body field concerns.

Harness's IaCM service validates the create and update bodies with Goa, which checks each named
nested type (`IaCMVariable`, `WorkspaceProviderConnector`, `AssociatedTemplate`) with the type's
own function, called with the value alone and in the context "body" (goadesign/goa
`codegen/validation.go`, userValTmpl `Validate{{ .name }}({{ .target }})`;
`http/codegen/server_types_test.go`, where `ValidateBPayloadRequestBody` writes
`goa.MissingFieldError("int", "body")`). So the message names the field but not the variable or
connector holding it: `value of body.value_type must be one of "string", "secret" but got value
"number"`, `"value" is missing from body` (`pkg/error.go`).

`qualified_field` finds the entry in the body sent: the ones whose field holds Goa's
`but got value "..."`, or lack the field Goa says is missing. Exactly one: its path
(`terraform_variables["region"].value_type`), so its row is marked. Several in one variable group:
the group (its step, no row). Otherwise the field as Harness named it, which lands on the review
with Harness's message in full.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

_VARIABLE_GROUPS = ("terraform_variables", "environment_variables")
# A nested type's field -> the body fields holding values of that type.
NESTED_FIELDS: dict[str, tuple[str, ...]] = {
    "key": _VARIABLE_GROUPS,
    "value": _VARIABLE_GROUPS,
    "value_type": _VARIABLE_GROUPS,
    "connector_ref": ("provider_connectors",),
    "type": ("provider_connectors",),
    "template_id": ("associated_template",),
    "version": ("associated_template",),
}
# Goa writes the value with `%#v` (`%q` for a pattern): a Go-quoted string.
_GOT_VALUE = re.compile(r'but got value ("(?:[^"\\]|\\.)*")')


def _entries(field: str, body: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(head, path, entry) of each value in the body of the type holding `field`."""
    for head in NESTED_FIELDS[field]:
        held = body.get(head)
        if head in _VARIABLE_GROUPS and isinstance(held, Mapping):
            for key, entry in held.items():
                if isinstance(entry, Mapping):
                    yield head, f"{head}[{json.dumps(key)}].{field}", entry
        elif head == "provider_connectors" and isinstance(held, list):
            for index, entry in enumerate(held):
                if isinstance(entry, Mapping):
                    yield head, f"{head}[{index}].{field}", entry
        elif isinstance(held, Mapping):
            yield head, f"{head}.{field}", held


def _got_value(field: str, message: str) -> tuple[bool, Any]:
    """(missing, value): whether Goa says `field` is missing, else the value it got (None when
    the message gives none that can be read)."""
    mention = re.search(rf'"{re.escape(field)}" is missing from body\b|\bbody\.{field}\b', message)
    if mention is None:
        return False, None
    if mention.group().startswith('"'):
        return True, None
    rest = message[mention.end() :]
    got = _GOT_VALUE.search(rest)
    if got is None or "; " in rest[: got.start()]:  # merged errors are joined with "; "
        return False, None
    try:
        return False, json.loads(got.group(1))
    except ValueError:  # a Go escape JSON does not have (`\x00`)
        return False, None


def qualified_field(harness_field: str | None, message: str, body: Mapping[str, Any]) -> str | None:
    """`harness_field` with the entry it concerns when Goa named a nested field without it."""
    if harness_field not in NESTED_FIELDS:
        return harness_field
    entries = list(_entries(harness_field, body))
    missing, got = _got_value(harness_field, message)
    if missing:
        entries = [e for e in entries if e[2].get(harness_field) is None]
    elif got is not None:
        entries = [e for e in entries if e[2].get(harness_field) == got]
    if len(entries) == 1:
        return entries[0][1]
    heads = {head for head, _, _ in entries}
    if len(heads) == 1 and heads <= set(_VARIABLE_GROUPS):
        return heads.pop()
    return harness_field
