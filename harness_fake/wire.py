"""Request and response values passed between the HTTP layer and the route handlers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from harness_fake.errors import GOA_ERROR_TYPE, IACM, ApiError

JSON_TYPE = "application/json"
# At most 19 digits, int64's width: checked before `int()`, which raises ValueError past 4,300.
_DECIMAL = re.compile(r"[+-]?[0-9]{1,19}")


def decimal(raw: str) -> int | None:
    """`raw` as a base-10 integer: an optional sign and ASCII digits only, as Go's
    `strconv.ParseInt(s, 10, 64)` reads it (Goa); None for what Python's `int()` would also take
    (`1_0`, ` 5`, other scripts' digits) and for more than 19 digits (past int64, or zero-padded
    beyond its width). NG and v1 paging use it too: how those services read such a value is not
    documented, so the fake refuses it (the doubtful side)."""
    return int(raw) if _DECIMAL.fullmatch(raw) else None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the account of the API key and what the key may do."""

    account: str
    access: str  # "full" | "read" | "org:<org>" | "project:<org>/<project>"

    @property
    def read_only(self) -> bool:
        return self.access == "read"

    @property
    def project_limit(self) -> tuple[str, str] | None:
        """(org, project) for a key whose role is bound to one project only."""
        if not self.access.startswith("project:"):
            return None
        org, _, project = self.access.removeprefix("project:").partition("/")
        return org, project

    @property
    def org_limit(self) -> str | None:
        if self.project_limit:
            return self.project_limit[0]
        return self.access.removeprefix("org:") if self.access.startswith("org:") else None

    @property
    def may_view_account(self) -> bool:
        """Account view rights: a key bound to one project has none (403 on the account)."""
        return self.project_limit is None

    def may_see_org(self, org: str) -> bool:
        limit = self.org_limit
        return limit is None or limit == org

    def may_see_project(self, org: str, project: str) -> bool:
        limit = self.project_limit
        return self.may_see_org(org) and (limit is None or limit == (org, project))

    def require_org(self, org: str) -> None:
        """403 when an org-limited key reaches outside its org."""
        if not self.may_see_org(org):
            raise ApiError(403, f"Principal is not authorized to access organization {org!r}")

    def require_project(self, org: str, project: str) -> None:
        """403 when a key reaches outside its org, or a project-limited key outside its project."""
        self.require_org(org)
        if not self.may_see_project(org, project):
            raise ApiError(
                403, f"Principal is not authorized to access project {org!r}/{project!r}"
            )


@dataclass(slots=True)
class Request:
    """A parsed Harness request as seen by a handler."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    family: str = IACM
    principal: Principal = field(default_factory=lambda: Principal("", "read"))

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str, *, bracketed: bool = False) -> list[str]:
        """All values of a repeatable query parameter, also split on commas; with `bracketed`,
        those of `name[]` too, for the v1 lists the contract writes so (§3.2 `identifiers[]`,
        `entity_types[]`; §8 `org[]`, `project[]`). The IaCM list has only `status` and `tags`
        (§2.0): `status[]` there is an unknown parameter, ignored."""
        out: list[str] = []
        brackets = self.query.get(f"{name}[]", []) if bracketed else []
        for value in self.query.get(name, []) + brackets:
            out.extend(part.strip() for part in value.split(",") if part.strip())
        return out

    def flag(self, name: str) -> bool:
        return (self.arg(name) or "").lower() == "true"

    def json(self) -> Any:
        """The JSON body; 400 in the family's shape when it does not decode."""
        if not self.body.strip():
            if self.family == IACM:
                raise ApiError(400, "missing required payload", name="missing_payload")
            return None
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            # Goa's `DecodePayloadError` (goadesign/goa `pkg/error.go`): "decode_payload".
            raise ApiError(
                400, f"failed to decode request body: {err}", name="decode_payload"
            ) from err


@dataclass(slots=True)
class Response:
    """An HTTP response; ``body`` is already encoded."""

    status: int
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def is_error_type(self) -> bool:
        return self.content_type == GOA_ERROR_TYPE


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(data).encode(), JSON_TYPE, headers or {})


def raw_json_response(
    text: str, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A response from pre-serialised JSON text (the cached workspace summaries)."""
    return Response(status, text.encode(), JSON_TYPE, headers or {})


def no_content() -> Response:
    return Response(204, b"", None)
