"""Goa validation errors as the IaCM service reports them (contract §4.1): collected, merged."""

from __future__ import annotations

import json
import re
from typing import Any

from harness_fake.errors import ApiError


def goq(value: Any) -> str:
    """Render a value like Go's ``%#v`` / ``%q`` does in Goa messages."""
    return json.dumps(value)


class GoaProblems:
    """Collects Goa validation errors and raises them merged, as ``goa.MergeErrors`` does."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, name: str, message: str) -> None:
        self.items.append((name, message))

    def missing(self, field: str) -> None:
        # Goa's `MissingFieldError(name, "body")` (goadesign/goa `pkg/error.go`): a field of a
        # nested named type is reported in the context "body" too (see validation._check_shape).
        self.add("missing_field", f"{goq(field)} is missing from body")

    def wrong_type(self, field: str, value: Any, expected: str) -> None:
        self.add(
            "invalid_field_type",
            f"invalid value {goq(value)} for {goq(field)}, must be a {expected}",
        )

    def length(self, field: str, value: str, low: int = 1, high: int = 128) -> None:
        # Goa's own wording, `InvalidLengthError` in goa.design/goa/v3 `pkg/error.go`
        # (goadesign/goa): "length of %s must be %s than %d but got value %#v (len=%d)", with
        # "greater or equal" for a minimum and "lesser or equal" for a maximum.
        if len(value) < low:
            comparison, bound = "greater or equal", low
        elif len(value) > high:
            comparison, bound = "lesser or equal", high
        else:
            return
        self.add(
            "invalid_length",
            f"length of {field} must be {comparison} than {bound} but got value {goq(value)} "
            f"(len={len(value)})",
        )

    def pattern(self, field: str, value: str, regex: re.Pattern[str], source: str) -> None:
        # Goa checks `regexp.MustCompile(p).MatchString(val)` (`ValidatePattern`, goadesign/goa
        # `pkg/validation.go`); Go's `$` without the `m` flag is the end of the text ("like \z
        # not \Z", Go's `regexp/syntax` doc), where Python's `$` also matches before a final
        # "\n". Every pattern here is anchored (`^…$`), so Go's match is Python's `fullmatch`.
        if not regex.fullmatch(value):
            self.add(
                "invalid_pattern",
                f"{field} must match the regexp {goq(source)} but got value {goq(value)}",
            )

    def enum(self, field: str, value: Any, allowed: tuple[str, ...]) -> None:
        # Goa's `InvalidEnumValueError` (goadesign/goa `pkg/error.go`): "value of %s must be one
        # of %s but got value %#v", the allowed values each as `%#v`.
        if value not in allowed:
            choices = ", ".join(goq(a) for a in allowed)
            self.add(
                "invalid_enum_value",
                f"value of {field} must be one of {choices} but got value {goq(value)}",
            )

    def raise_if_any(self) -> None:
        if self.items:
            name = self.items[0][0]
            raise ApiError(400, "; ".join(message for _, message in self.items), name=name)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, name="bad_request")
