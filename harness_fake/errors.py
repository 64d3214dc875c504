"""Error bodies of the three Harness API families (IaCM Goa, NextGen, v1).

Handlers raise :class:`ApiError`; the server renders it in the family of the route that failed,
so a client sees the same envelope it would get from the real service.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

IACM = "iacm"
NG = "ng"
V1 = "v1"

GOA_ERROR_TYPE = "application/vnd.goa.error"
JSON_TYPE = "application/json"

_GOA_NAMES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    409: "conflict",
    423: "locked",
    429: "too_many_requests",
    499: "context_cancelled",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}

_NG_CODES = {
    400: "INVALID_REQUEST",
    401: "INVALID_TOKEN",
    403: "ACCESS_DENIED",
    404: "RESOURCE_NOT_FOUND",
    405: "INVALID_REQUEST",
    409: "DUPLICATE_FIELD",
    429: "TOO_MANY_REQUESTS",
}

_V1_CODES = {**_NG_CODES, 400: "INVALID_ARGUMENT", 405: "INVALID_ARGUMENT"}


class ApiError(Exception):
    """A Harness error response; rendered by :func:`error_body` in the route's family.

    ``name`` is the Goa error name (IaCM), ``code`` the symbolic NG/v1 code; both default from
    the status. ``extra`` adds fields to the body (the policy evaluation of a denial).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        name: str | None = None,
        code: str | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.name = name
        self.code = code
        self.field = field
        self.extra = extra or {}


def new_error_id() -> str:
    """A short random id like Goa's, also used as NG correlation id."""
    return secrets.token_urlsafe(6)


def goa_body(status: int, message: str, name: str | None = None, extra: dict | None = None) -> dict:
    """The six-field Goa ``ServiceError`` body (plus ``extra`` for PolicyViolationError)."""
    body = {
        "name": name or _GOA_NAMES.get(status, "bad_request" if status < 500 else "fault"),
        "id": new_error_id(),
        "message": message,
        "temporary": status in (429, 503, 504),
        "timeout": status in (408, 504),
        "fault": status >= 500,
    }
    body.update(extra or {})
    return body


def ng_body(status: int, message: str, code: str | None = None, field: str | None = None) -> dict:
    """The NextGen envelope of a failure (contract §4.2): a 400 is a ``Failure``, naming the
    refused field in ``errors: [{fieldId, error}]`` (GO ``model_failure.go``,
    ``model_validation_error.go``); any other status an ``Error`` (GO ``model_error.go``)."""
    body = {
        "status": "ERROR",
        "code": code or _NG_CODES.get(status, "UNEXPECTED"),
        "message": message,
        "correlationId": new_error_id(),
    }
    if status == 400:
        errors = [{"fieldId": field, "error": message}] if field else []
        return body | {"errors": errors, "responseMessages": []}
    return body | {"detailedMessage": None, "responseMessages": [], "metadata": None}


def v1_body(status: int, message: str, code: str | None = None, field: str | None = None) -> dict:
    """The v1 ``ErrorResponse`` body."""
    errors = [{"field_name": field, "message": message}] if field else []
    return {
        "message": message,
        "code": code or _V1_CODES.get(status, "INTERNAL_SERVER_ERROR"),
        "errors": errors,
        "error_metadata": None,
    }


def error_body(family: str, err: ApiError) -> tuple[bytes, str]:
    """Serialise ``err`` for ``family``; returns ``(body, content_type)``."""
    if family == IACM:
        data = goa_body(err.status, err.message, err.name, err.extra)
        return json.dumps(data).encode(), GOA_ERROR_TYPE
    if family == NG:
        return json.dumps(ng_body(err.status, err.message, err.code, err.field)).encode(), JSON_TYPE
    return json.dumps(v1_body(err.status, err.message, err.code, err.field)).encode(), JSON_TYPE


def family_for_path(path: str) -> str:
    """Which error family a path belongs to, for paths that matched no route."""
    if path.startswith(("/iacm/", "/gateway/iacm/")):
        return IACM
    if path.startswith(("/ng/", "/gateway/ng/", "/template/")):
        return NG
    return V1
