"""The errors the Harness client raises: one hierarchy, rooted at `HarnessError`.

Every error carries the HTTP status (None when Harness never answered), Harness's own message,
the request id Harness gave (Goa `id`, NextGen `correlationId` or an `x-request-id` header) and
Harness's error name or code. None of them ever carries the API key: the client scrubs it from
messages.
`requests` exceptions never leave the package; they are chained as `__cause__` of a
`HarnessUnavailable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workspaces.harness.types import PolicyEvaluation

__all__ = [
    "FieldError",
    "HarnessConflict",
    "HarnessError",
    "HarnessForbidden",
    "HarnessNotFound",
    "HarnessRateLimited",
    "HarnessRefused",
    "HarnessUnauthorized",
    "HarnessUnavailable",
    "HarnessValidationError",
]


class HarnessError(Exception):
    """Base class of everything the client raises about a Harness call.

    `retry_after` is the wait in seconds Harness asked for (its Retry-After, on a 429 or a 5xx),
    or what is left of it; None when it asked for none.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        name: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.request_id = request_id
        self.name = name
        self.retry_after = retry_after

    def __str__(self) -> str:
        details = []
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.request_id:
            details.append(f"request id {self.request_id}")
        if details:
            return f"{self.message} ({', '.join(details)})"
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status={self.status!r}, "
            f"request_id={self.request_id!r}, name={self.name!r})"
        )


class HarnessUnauthorized(HarnessError):
    """401: the key is unknown, expired or revoked."""


class HarnessForbidden(HarnessError):
    """403: the key is valid but Harness RBAC does not allow this call."""


class HarnessNotFound(HarnessError):
    """404: the org, project, workspace, template, ... does not exist (or is not visible)."""


class HarnessConflict(HarnessError):
    """409 (duplicate identifier, wrong state) or 423 (workspace locked)."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """A field-level complaint from a v1 (`errors[].field_name`) or NG (`errors[].fieldId`) body."""

    field: str
    message: str


class HarnessValidationError(HarnessError):
    """400 (or 422): Harness rejected the request body or a parameter.

    `field` is the request-body field Harness named (`identifier`, or `value_type` for a field of
    a variable: Goa names it in the context "body", without the variable), parsed from Goa
    validation messages (`body.<field> ...`, `"<field>" is missing from body`) or from a v1/NG
    field list; None when
    Harness named none. A policy denial (Goa `PolicyViolationError`) sets `policy_evaluation`, and
    `deny_messages` lists the messages of the policies that denied it.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 400,
        request_id: str | None = None,
        name: str | None = None,
        field: str | None = None,
        field_errors: tuple[FieldError, ...] = (),
        policy_evaluation: PolicyEvaluation | None = None,
    ) -> None:
        super().__init__(message, status=status, request_id=request_id, name=name)
        self.field = field
        self.field_errors = field_errors
        self.policy_evaluation = policy_evaluation

    @property
    def deny_messages(self) -> tuple[str, ...]:
        if self.policy_evaluation is None:
            return ()
        return self.policy_evaluation.deny_messages


class HarnessRateLimited(HarnessError):
    """429: too many requests. `retry_after` is Harness's Retry-After in seconds, if it sent one.

    The client never retries a 429 itself. Until a Retry-After (of a 429 or a 5xx) has passed,
    the account's calls fail fast with this error, `status` None and `retry_after` the seconds
    left, without a request (`breaker.check_hold`).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        request_id: str | None = None,
        name: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, request_id=request_id, name=name)
        self.retry_after = retry_after


class HarnessRefused(HarnessError):
    """Another 4xx (405, 410, 413, ...): Harness refused the request, for a reason no class of
    its own names; `status` says which. Nothing was done (a 4xx is a refusal, not an outage)."""


class HarnessUnavailable(HarnessError):
    """Harness could not be used: 5xx, timeout, connection error, redirect or undecodable body.

    `status` is None when no HTTP response arrived (timeout, refused or dropped connection).
    `retry_after` is the Retry-After of a 5xx (a 503 for maintenance), if it sent one.
    """


class HarnessUnreadableAnswer(HarnessUnavailable):
    """Harness answered, but with a body the portal cannot use safely (not JSON, nested too
    deep, a lone surrogate or NUL in a string, a number out of range): see `wire.decode_json`."""
