"""`HarnessClient`: one method per Harness call the portal makes, typed results, typed errors.

Pure Python + requests; no Django. Three Harness API families are involved (contract §1):

- IaCM (Goa), `{base}{iacm_prefix}/...`: account in the `Harness-Account` header; 1-based pages,
  totals in `x-total-items`/`x-total-pages` headers; errors `{name, id, message, ...}`.
- v1 (`/v1/...`): `Harness-Account` header; 0-based pages, total in `X-Total-Elements`;
  errors `{message, code, errors[]}`.
- NextGen (`/ng/api/...`): `accountIdentifier` and `routingId` query parameters; 0-based
  `pageIndex`, page envelope in the body; errors `{status, code, message, correlationId, ...}`.

Callers always count pages from 1; the client converts. The API key goes in `x-api-key` on each
request and nowhere else: not on the shared session, not in a log line, an error or a repr.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from workspaces.harness import transport
from workspaces.harness.breaker import CircuitOpen, breaker_for
from workspaces.harness.errors import (
    FieldError,
    HarnessConflict,
    HarnessError,
    HarnessForbidden,
    HarnessNotFound,
    HarnessRateLimited,
    HarnessUnauthorized,
    HarnessUnavailable,
    HarnessValidationError,
)
from workspaces.harness.types import (
    Account,
    Connector,
    Org,
    Page,
    PolicyEvaluation,
    Project,
    Secret,
    ShapeError,
    Template,
    TemplateSummary,
    Workspace,
    WorkspaceSummary,
    WriteResult,
    parse_items,
)

__all__ = ["WORKSPACE_SORTS", "HarnessClient", "call_observers"]

logger = logging.getLogger("workspaces.harness")

#: Callables notified after every Harness call with
#: `(route_template, status_or_None, duration_seconds, error_class_name_or_None)`,
#: e.g. `("GET /iacm/api/orgs/{org}/projects/{project}/workspaces", 200, 0.042, None)`.
#: For metrics; they run on the request thread, so keep them cheap.
call_observers: list[Callable[[str, int | None, float, str | None], None]] = []

WORKSPACE_SORTS = ("name,ASC", "name,DESC", "updated,ASC", "updated,DESC")
MAX_LIMIT = 1000
_TEMPLATE_SCAN_LIMIT = 100
_TEMPLATE_SCAN_PAGES = 20
_MESSAGE_MAX = 2000

_IACM_PREFIX = re.compile(r"(?:/[A-Za-z0-9_-]+)+")
_API_KEY = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no whitespace: safe in a header
_MISSING_FIELD = re.compile(r'"([^"]+)" is missing from body((?:\.[A-Za-z0-9_]+|\[[^\]\s]*\])*)')
_BODY_FIELD = re.compile(r"\bbody((?:\.[A-Za-z0-9_]+|\[[^\]\s]*\])+)")

_GENERIC_MESSAGES = {
    400: "Harness rejected the request",
    401: "Harness did not accept the API key",
    403: "The API key is not allowed to do this in Harness",
    404: "Not found in Harness",
    409: "Harness reported a conflict",
    423: "The workspace is locked in Harness",
    429: "Harness is rate limiting requests; try again shortly",
}


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    headers: Mapping[str, str]
    data: Any
    request_id: str | None


def _segment(value: str, what: str) -> str:
    """A path parameter, percent-encoded; dot segments are refused (urllib3 would resolve them)."""
    if not isinstance(value, str) or not value or value in {".", ".."}:
        raise ValueError(f"invalid {what}: {value!r}")
    return quote(value, safe="")


def _check_paging(page: int, limit: int) -> None:
    if page < 1:
        raise ValueError("page is 1-based")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _validation_field(message: str) -> str | None:
    """The body field a Goa validation message names, e.g. `identifier`."""
    match = _MISSING_FIELD.search(message)
    if match:
        container = match.group(2).lstrip(".")
        return f"{container}.{match.group(1)}" if container else match.group(1)
    match = _BODY_FIELD.search(message)
    if match:
        return match.group(1).lstrip(".")
    return None


class HarnessClient:
    """A Harness API client for one account and one API key.

    `timeout` is `(connect, read)` seconds (or one number for both) and applies to every call.
    `session` defaults to the shared pooled session (see `transport.configure_pool`); pass one
    from `transport.build_session()` to isolate a client. `iacm_prefix` is `/iacm/api` (default)
    or `/gateway/iacm/api`. Raises ValueError for an unusable base URL, prefix, key or timeout.
    """

    def __init__(
        self,
        base_url: str,
        account_id: str,
        api_key: str,
        *,
        timeout: float | tuple[float, float] = (3.05, 10.0),
        session: requests.Session | None = None,
        iacm_prefix: str = "/iacm/api",
    ) -> None:
        self.base_url = transport.validate_base_url(base_url)
        if not isinstance(account_id, str) or not account_id.strip():
            raise ValueError("account_id is required")
        if not isinstance(api_key, str) or not _API_KEY.fullmatch(api_key):
            raise ValueError("the API key is empty or contains characters a key cannot have")
        iacm_prefix = iacm_prefix.rstrip("/")
        if not _IACM_PREFIX.fullmatch(iacm_prefix):
            raise ValueError("iacm_prefix must be a path such as /iacm/api or /gateway/iacm/api")
        if isinstance(timeout, int | float):
            timeout = (float(timeout), float(timeout))
        if len(timeout) != 2 or not all(t > 0 for t in timeout):
            raise ValueError("timeout must be (connect, read) seconds, both positive")
        self.account_id = account_id.strip()
        self.iacm_prefix = iacm_prefix
        self.timeout = tuple(timeout)
        self._api_key = api_key
        self._session = session

    def __repr__(self) -> str:
        return f"HarnessClient(base_url={self.base_url!r}, account_id={self.account_id!r})"

    def __reduce__(self):
        raise TypeError("a HarnessClient holds an API key and is not picklable")

    # --- accounts, orgs, projects ------------------------------------------------------------

    def check_account(self) -> Account:
        """Check the key against the account: NG `GET /ng/api/accounts/{accountIdentifier}`.

        The cheap credential check the Harness CLI uses. Raises HarnessUnauthorized (bad, expired
        or revoked key), HarnessForbidden, HarnessNotFound (no such account), HarnessUnavailable.
        """
        return self._call(
            "GET",
            "/ng/api/accounts/{accountIdentifier}",
            {"accountIdentifier": self.account_id},
            ng=True,
            parse=lambda reply: Account.from_ng(reply.data, account_id=self.account_id),
        )

    def list_orgs(self, *, search: str = "", page: int = 1, limit: int = 50) -> Page[Org]:
        """Orgs the key can see, by name: v1 `GET /v1/orgs` (0-based `page`, `search_term`).

        Raises HarnessUnauthorized, HarnessForbidden, HarnessUnavailable.
        """
        _check_paging(page, limit)
        return self._call(
            "GET",
            "/v1/orgs",
            {},
            query=self._v1_paging(page, limit, search),
            parse=lambda reply: self._v1_page(reply, page, limit, Org.from_v1),
        )

    def get_org(self, *, org: str) -> Org:
        """One org: v1 `GET /v1/orgs/{org}`.

        Raises HarnessNotFound, HarnessForbidden, HarnessUnauthorized, HarnessUnavailable.
        """
        return self._call(
            "GET",
            "/v1/orgs/{org}",
            {"org": org},
            parse=lambda reply: Org.from_v1(reply.data),
        )

    def list_projects(
        self, *, org: str, search: str = "", page: int = 1, limit: int = 50
    ) -> Page[Project]:
        """Projects of `org` the key can see: v1 `GET /v1/orgs/{org}/projects`.

        Raises HarnessNotFound (no such org), HarnessForbidden, HarnessUnauthorized,
        HarnessUnavailable.
        """
        _check_paging(page, limit)
        return self._call(
            "GET",
            "/v1/orgs/{org}/projects",
            {"org": org},
            query=self._v1_paging(page, limit, search),
            parse=lambda reply: self._v1_page(
                reply, page, limit, lambda item: Project.from_v1(item, org=org)
            ),
        )

    def get_project(self, *, org: str, project: str) -> Project:
        """One project: v1 `GET /v1/orgs/{org}/projects/{project}`.

        Raises HarnessNotFound, HarnessForbidden, HarnessUnauthorized, HarnessUnavailable.
        """
        return self._call(
            "GET",
            "/v1/orgs/{org}/projects/{project}",
            {"org": org, "project": project},
            parse=lambda reply: Project.from_v1(reply.data, org=org),
        )

    # --- workspaces ----------------------------------------------------------------------------

    def list_workspaces(
        self,
        *,
        org: str,
        project: str,
        page: int = 1,
        limit: int = 30,
        search: str = "",
        sort: str = "name,ASC",
        statuses: Sequence[str] = (),
        tags: Sequence[str] | Mapping[str, str] = (),
    ) -> Page[WorkspaceSummary]:
        """One page of a project's workspaces: IaCM `GET .../workspaces`.

        `search` is Harness's partial name match (`searchTerm`), `sort` one of WORKSPACE_SORTS,
        `statuses` repeated `status` parameters, `tags` repeated `tags` parameters as `key:value`
        (a mapping is converted). Totals come from `x-total-items`/`x-total-pages`.
        Raises ValueError (bad page/limit/sort), HarnessNotFound, HarnessForbidden,
        HarnessUnauthorized, HarnessValidationError, HarnessRateLimited, HarnessUnavailable.
        """
        _check_paging(page, limit)
        if sort not in WORKSPACE_SORTS:
            raise ValueError(f"sort must be one of {', '.join(WORKSPACE_SORTS)}")
        if isinstance(tags, Mapping):
            tags = [f"{key}:{value}" for key, value in tags.items()]
        query: list[tuple[str, str]] = [("page", str(page)), ("limit", str(limit)), ("sort", sort)]
        if search:
            query.append(("searchTerm", search))
        query.extend(("status", status) for status in statuses)
        query.extend(("tags", tag) for tag in tags)

        def parse(reply: _Reply) -> Page[WorkspaceSummary]:
            items = parse_items(
                reply.data,
                "workspaces",
                lambda item: WorkspaceSummary.from_iacm(item, org=org, project=project),
            )
            return Page.build(
                items,
                page=page,
                limit=limit,
                total_items=_header_int(reply.headers, "x-total-items"),
                total_pages=_header_int(reply.headers, "x-total-pages"),
            )

        return self._call(
            "GET",
            self.iacm_prefix + "/orgs/{org}/projects/{project}/workspaces",
            {"org": org, "project": project},
            query=query,
            parse=parse,
        )

    def get_workspace(self, *, org: str, project: str, identifier: str) -> Workspace:
        """One workspace with its variables, connectors and template: IaCM
        `GET .../workspaces/{identifier}`.

        Raises HarnessNotFound, HarnessForbidden, HarnessUnauthorized, HarnessUnavailable.
        """
        return self._call(
            "GET",
            self.iacm_prefix + "/orgs/{org}/projects/{project}/workspaces/{identifier}",
            {"org": org, "project": project, "identifier": identifier},
            parse=lambda reply: Workspace.from_iacm(reply.data, org=org, project=project),
        )

    def create_workspace(self, *, org: str, project: str, body: Mapping[str, Any]) -> WriteResult:
        """Create a workspace: IaCM `POST .../workspaces` (never retried).

        Harness answers 200 with at most a policy evaluation (e.g. warnings); GET the workspace
        afterwards. Raises HarnessValidationError (bad body: `.field`; policy denial:
        `.deny_messages`), HarnessConflict (identifier taken), HarnessForbidden (e.g. read-only
        key), HarnessNotFound, HarnessUnauthorized, HarnessRateLimited, HarnessUnavailable (the
        outcome is then unknown: GET the identifier before retrying).
        """
        return self._call(
            "POST",
            self.iacm_prefix + "/orgs/{org}/projects/{project}/workspaces",
            {"org": org, "project": project},
            body=dict(body),
            parse=lambda reply: WriteResult.from_iacm(reply.data),
        )

    def update_workspace(
        self, *, org: str, project: str, identifier: str, body: Mapping[str, Any]
    ) -> WriteResult:
        """Replace a workspace's settings: IaCM `PUT .../workspaces/{identifier}` (full
        replacement, never retried).

        Raises HarnessValidationError (incl. policy denial, locked template fields),
        HarnessNotFound, HarnessConflict, HarnessForbidden, HarnessUnauthorized,
        HarnessRateLimited, HarnessUnavailable.
        """
        return self._call(
            "PUT",
            self.iacm_prefix + "/orgs/{org}/projects/{project}/workspaces/{identifier}",
            {"org": org, "project": project, "identifier": identifier},
            body=dict(body),
            parse=lambda reply: WriteResult.from_iacm(reply.data),
        )

    def delete_workspace(self, *, org: str, project: str, identifier: str) -> None:
        """Delete a workspace: IaCM `DELETE .../workspaces/{identifier}` (204).

        Raises HarnessNotFound, HarnessConflict or HarnessValidationError (e.g. the workspace is
        not inactive), HarnessForbidden, HarnessUnauthorized, HarnessUnavailable.
        """
        self._call(
            "DELETE",
            self.iacm_prefix + "/orgs/{org}/projects/{project}/workspaces/{identifier}",
            {"org": org, "project": project, "identifier": identifier},
            parse=lambda reply: None,
        )

    def workspace_metrics(
        self,
        *,
        org: str,
        project: str,
        start_time: int | None = None,
        end_time: int | None = None,
    ) -> dict[str, int]:
        """Workspace counts per status: IaCM `GET .../workspace-metrics` (`status_counts`).

        `start_time`/`end_time` are unix timestamps (seconds, as the fake reads them; the contract
        only says int64 unix) bounding the workspaces' `updated` time; both optional.

        Raises HarnessNotFound, HarnessForbidden, HarnessUnauthorized, HarnessUnavailable.
        """
        query = []
        if start_time is not None:
            query.append(("start_time", str(int(start_time))))
        if end_time is not None:
            query.append(("end_time", str(int(end_time))))

        def parse(reply: _Reply) -> dict[str, int]:
            if not isinstance(reply.data, dict):
                raise ShapeError("metrics: expected an object")
            counts = reply.data.get("status_counts") or {}
            if not isinstance(counts, dict):
                raise ShapeError("status_counts: expected an object")
            result = {}
            for status, count in counts.items():
                if not isinstance(count, int) or isinstance(count, bool):
                    raise ShapeError(f"status_counts[{status!r}]: expected an integer")
                result[str(status)] = count
            return result

        return self._call(
            "GET",
            self.iacm_prefix + "/orgs/{org}/projects/{project}/workspace-metrics",
            {"org": org, "project": project},
            query=query,
            parse=parse,
        )

    def list_tags(self, *, org: str, project: str) -> list[str]:
        """Every workspace tag used in the project: IaCM `GET .../tags`.

        Raises HarnessNotFound, HarnessForbidden, HarnessUnauthorized, HarnessUnavailable.
        """
        return self._call(
            "GET",
            self.iacm_prefix + "/orgs/{org}/projects/{project}/tags",
            {"org": org, "project": project},
            parse=lambda reply: self._strings(reply.data, "tags"),
        )

    def supported_provisioner_versions(self, *, provisioner: str) -> list[str]:
        """Versions Harness supports for `provisioner` (terraform, opentofu, terragrunt, awscdk),
        oldest first (the last is the latest): IaCM `GET /provisioners/supported/{provisioner}`.

        Raises HarnessValidationError (unknown provisioner), HarnessUnauthorized,
        HarnessUnavailable.
        """
        return self._call(
            "GET",
            self.iacm_prefix + "/provisioners/supported/{provisioner}",
            {"provisioner": provisioner},
            parse=lambda reply: self._strings(reply.data, "provisioner versions"),
        )

    # --- connectors, secrets, templates (pickers) ----------------------------------------------

    def list_connectors(
        self,
        *,
        org: str,
        project: str,
        types: Sequence[str],
        search: str = "",
        page: int = 1,
        limit: int = 50,
    ) -> Page[Connector]:
        """Connectors of `types` usable in the project, including org and account ones:
        NG `POST /ng/api/connectors/listV2` with `includeAllConnectorsAvailableAtScope=true`
        (a read, but a POST, so never retried). `ref` is the scoped reference (contract §6.3).

        Raises HarnessForbidden, HarnessNotFound, HarnessUnauthorized, HarnessValidationError,
        HarnessUnavailable.
        """
        _check_paging(page, limit)
        query = [
            ("orgIdentifier", org),
            ("projectIdentifier", project),
            ("pageIndex", str(page - 1)),
            ("pageSize", str(limit)),
            ("includeAllConnectorsAvailableAtScope", "true"),
        ]
        if search:
            query.append(("searchTerm", search))
        body: dict[str, Any] = {"filterType": "Connector"}
        if types:
            body["types"] = list(types)
        return self._call(
            "POST",
            "/ng/api/connectors/listV2",
            {},
            ng=True,
            query=query,
            body=body,
            parse=lambda reply: self._ng_page(reply, page, limit, Connector.from_ng),
        )

    def list_secrets(
        self,
        *,
        org: str,
        project: str,
        search: str = "",
        page: int = 1,
        limit: int = 50,
        secret_types: Sequence[str] = ("SecretText",),
    ) -> Page[Secret]:
        """Secrets (metadata only) usable in the project, including org and account ones:
        NG `POST /ng/api/v2/secrets/list/secrets` with `includeAllSecretsAccessibleAtScope`.

        Raises HarnessForbidden, HarnessNotFound, HarnessUnauthorized, HarnessUnavailable.
        """
        _check_paging(page, limit)
        query = [
            ("orgIdentifier", org),
            ("projectIdentifier", project),
            ("pageIndex", str(page - 1)),
            ("pageSize", str(limit)),
        ]
        if search:
            query.append(("searchTerm", search))
        body: dict[str, Any] = {
            "filterType": "Secret",
            "secretTypes": list(secret_types),
            "includeAllSecretsAccessibleAtScope": True,
        }
        if search:
            body["searchTerm"] = search
        return self._call(
            "POST",
            "/ng/api/v2/secrets/list/secrets",
            {},
            ng=True,
            query=query,
            body=body,
            parse=lambda reply: self._ng_page(reply, page, limit, Secret.from_ng),
        )

    def list_templates(
        self, *, org: str, project: str, search: str = "", page: int = 1, limit: int = 50
    ) -> Page[TemplateSummary]:
        """Workspace templates usable in the project (account, org and project scope):
        v1 `GET /v1/orgs/{org}/projects/{project}/templates?recursive=true`, as many pages as
        needed (up to 2,000 templates), stable versions only, keeping `entity_type == "Workspace"`
        client-side (Harness does not document a Workspace filter). Paged locally.

        Raises HarnessNotFound, HarnessForbidden, HarnessUnauthorized, HarnessUnavailable.
        """
        _check_paging(page, limit)
        found: dict[str, TemplateSummary] = {}
        for server_page in range(_TEMPLATE_SCAN_PAGES):
            query = [
                ("page", str(server_page)),
                ("limit", str(_TEMPLATE_SCAN_LIMIT)),
                ("recursive", "true"),
                ("type", "STABLE_TEMPLATE"),
                ("sort", "name"),
                ("order", "ASC"),
            ]
            if search:
                query.append(("search_term", search))
            batch, total = self._call(
                "GET",
                "/v1/orgs/{org}/projects/{project}/templates",
                {"org": org, "project": project},
                query=query,
                parse=lambda reply: (
                    parse_items(reply.data, "templates", TemplateSummary.from_v1),
                    _header_int(reply.headers, "x-total-elements"),
                ),
            )
            for template in batch:
                if template.entity_type.lower() != "workspace":
                    continue
                known = found.get(template.ref)
                if known is None or (template.stable and not known.stable):
                    found[template.ref] = template
            seen = server_page * _TEMPLATE_SCAN_LIMIT + len(batch)
            if len(batch) < _TEMPLATE_SCAN_LIMIT or (total is not None and seen >= total):
                break
        templates = list(found.values())
        start = (page - 1) * limit
        return Page(
            items=tuple(templates[start : start + limit]),
            page=page,
            limit=limit,
            total_items=len(templates),
            total_pages=math.ceil(len(templates) / limit),
        )

    def get_template(
        self, *, org: str, project: str, identifier: str, version: str | None = None
    ) -> Template:
        """One template version with its YAML: v1 `GET .../templates/{template}` (the stable
        version) or `.../templates/{template}/versions/{version}`.

        `identifier` may be a scoped ref (`account.x`, `org.x`) or a bare id. A bare id (as in a
        workspace's `associated_template.template_id`) is looked up at project, then org, then
        account scope, one call per miss. Raises HarnessNotFound, HarnessForbidden,
        HarnessUnauthorized, HarnessUnavailable.
        """
        suffix = "" if version is None else "/versions/{version}"
        extra = {} if version is None else {"version": version}
        return self._template_call(
            org, project, identifier, suffix, extra, (), lambda reply: Template.from_v1(reply.data)
        )

    def list_template_versions(
        self, *, org: str, project: str, identifier: str
    ) -> list[TemplateSummary]:
        """Every version of a template: v1 `GET .../templates/{template}/versions` (`identifier`
        as for get_template).

        Raises HarnessNotFound, HarnessForbidden, HarnessUnauthorized, HarnessUnavailable.
        """
        return self._template_call(
            org,
            project,
            identifier,
            "/versions",
            {},
            [("page", "0"), ("limit", str(_TEMPLATE_SCAN_LIMIT))],
            lambda reply: parse_items(reply.data, "template versions", TemplateSummary.from_v1),
        )

    # --- helpers -------------------------------------------------------------------------------

    def _template_call[T](
        self,
        org: str,
        project: str,
        identifier: str,
        suffix: str,
        extra_params: Mapping[str, str],
        query: Sequence[tuple[str, str]],
        parse: Callable[[_Reply], T],
    ) -> T:
        """GET a template path at the scope a ref names, or for a bare id the first scope, from
        project outwards, where it exists."""
        account_path = ("/v1/templates/{template}", {})
        org_path = ("/v1/orgs/{org}/templates/{template}", {"org": org})
        project_path = (
            "/v1/orgs/{org}/projects/{project}/templates/{template}",
            {"org": org, "project": project},
        )
        scope, _, bare = identifier.partition(".")
        if scope == "account" and bare:
            candidates = [account_path]
        elif scope == "org" and bare:
            candidates = [org_path]
        else:
            bare = identifier
            candidates = [project_path, org_path, account_path]

        def fetch(path: str, params: Mapping[str, str]) -> T:
            params = {**params, "template": bare, **extra_params}
            return self._call("GET", path + suffix, params, query=query, parse=parse)

        *earlier, last = candidates
        for path, params in earlier:
            try:
                return fetch(path, params)
            except HarnessNotFound:
                continue  # not at this scope: try the next one out
        return fetch(*last)

    @staticmethod
    def _v1_paging(page: int, limit: int, search: str) -> list[tuple[str, str]]:
        query = [("page", str(page - 1)), ("limit", str(limit)), ("sort", "name"), ("order", "ASC")]
        if search:
            query.append(("search_term", search))
        return query

    @staticmethod
    def _v1_page[T](reply: _Reply, page: int, limit: int, parse: Callable[[Any], T]) -> Page[T]:
        items = parse_items(reply.data, "list", parse)
        return Page.build(
            items,
            page=page,
            limit=limit,
            total_items=_header_int(reply.headers, "x-total-elements"),
        )

    @staticmethod
    def _ng_page[T](reply: _Reply, page: int, limit: int, parse: Callable[[Any], T]) -> Page[T]:
        if not isinstance(reply.data, dict) or not isinstance(reply.data.get("data"), dict):
            raise ShapeError("expected an NG page envelope")
        data = reply.data["data"]
        items = parse_items(data.get("content") or [], "content", parse)
        total_items = data.get("totalItems")
        total_pages = data.get("totalPages")
        if not isinstance(total_items, int) or isinstance(total_items, bool):
            total_items = None
        if not isinstance(total_pages, int) or isinstance(total_pages, bool):
            total_pages = None
        return Page.build(
            items, page=page, limit=limit, total_items=total_items, total_pages=total_pages
        )

    @staticmethod
    def _strings(data: Any, what: str) -> list[str]:
        if data is None:
            return []
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            raise ShapeError(f"{what}: expected an array of strings")
        return list(data)

    def _scrub(self, text: str) -> str:
        text = text[:_MESSAGE_MAX]
        return text.replace(self._api_key, "***") if self._api_key in text else text

    def _call[T](
        self,
        method: str,
        path_template: str,
        path_params: Mapping[str, str],
        *,
        parse: Callable[[_Reply], T],
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
        ng: bool = False,
    ) -> T:
        """Make one HTTP call and parse its answer; every failure becomes a HarnessError."""
        route = f"{method} {path_template}"
        path = path_template.format(
            **{name: _segment(value, name) for name, value in path_params.items()}
        )
        headers = {"x-api-key": self._api_key}
        params = list(query)
        if ng:
            params += [("accountIdentifier", self.account_id), ("routingId", self.account_id)]
        else:
            headers["Harness-Account"] = self.account_id
        session = self._session or transport.shared_session()
        breaker = breaker_for(self.base_url)
        status: int | None = None
        error_name: str | None = None
        started = time.perf_counter()
        try:
            breaker.before_call()
            try:
                response = transport.send(
                    session,
                    method,
                    self.base_url + path,
                    params=params,
                    body=body,
                    headers=headers,
                    timeout=self.timeout,
                )
            except requests.Timeout as err:
                raise HarnessUnavailable(f"Harness did not answer in time ({route})") from err
            except requests.ConnectionError as err:
                raise HarnessUnavailable(f"Could not connect to Harness ({route})") from err
            except requests.RequestException as err:
                raise HarnessUnavailable(
                    f"The request to Harness failed: {type(err).__name__} ({route})"
                ) from err
            status = response.status_code
            reply = self._reply(response, route)
            try:
                result = parse(reply)
            except ShapeError as err:
                raise HarnessUnavailable(
                    f"Unexpected response from Harness ({route}): {err}",
                    status=status,
                    request_id=reply.request_id,
                ) from err
            breaker.record_success()
            return result
        except CircuitOpen as err:
            error_name = type(err).__name__
            raise
        except HarnessUnavailable as err:
            error_name = type(err).__name__
            breaker.record_failure()
            raise
        except HarnessError as err:
            error_name = type(err).__name__
            breaker.record_success()  # Harness answered; the request itself was refused
            raise
        finally:
            self._record(route, status, time.perf_counter() - started, error_name)

    def _reply(self, response: requests.Response, route: str) -> _Reply:
        status = response.status_code
        request_id = response.headers.get("x-request-id")
        if 300 <= status < 400:
            raise HarnessUnavailable(
                f"Harness answered with a redirect, which is not followed ({route})",
                status=status,
                request_id=request_id,
            )
        if not 200 <= status < 300:
            raise self._error(response, request_id)
        data = None
        if status != 204 and response.content.strip():
            try:
                data = json.loads(response.content)
            except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
                raise HarnessUnavailable(
                    f"Unexpected response from Harness: the body is not JSON ({route})",
                    status=status,
                    request_id=request_id,
                ) from err
        return _Reply(status=status, headers=response.headers, data=data, request_id=request_id)

    def _error(self, response: requests.Response, request_id: str | None) -> HarnessError:
        """The HarnessError for a 4xx/5xx answer, from whichever error family's body it has."""
        status = response.status_code
        try:
            body = json.loads(response.content) if response.content.strip() else None
        except ValueError:
            body = None  # HTML error pages from a proxy, truncated bodies, ...
        if not isinstance(body, dict):
            body = {}

        def text(key: str) -> str:
            value = body.get(key)
            return value if isinstance(value, str) else ""

        is_goa = "vnd.goa.error" in response.headers.get("content-type", "") or (
            "fault" in body or "temporary" in body
        )
        if text("correlationId"):
            request_id = text("correlationId")
        elif is_goa and text("id"):
            request_id = text("id")
        name = text("name") if is_goa else text("code")
        message = text("message") or text("detailedMessage")
        field_errors: list[FieldError] = []
        for item in body.get("errors") or []:
            if isinstance(item, dict):
                field = item.get("field_name") or item.get("fieldId")
                problem = item.get("message") or item.get("error")
                if isinstance(field, str) and field:
                    field_errors.append(
                        FieldError(field, self._scrub(problem if isinstance(problem, str) else ""))
                    )
        if not message:
            for item in body.get("responseMessages") or []:
                if isinstance(item, dict) and isinstance(item.get("message"), str):
                    message = item["message"]
                    break
        if not message:
            if status in _GENERIC_MESSAGES:
                message = _GENERIC_MESSAGES[status]
            elif status >= 500:
                message = f"Harness is unavailable (HTTP {status})"
            else:
                message = f"Harness answered HTTP {status}"
        message = self._scrub(message)
        request_id = self._scrub(request_id) if request_id else None
        common = {"status": status, "request_id": request_id, "name": name or None}

        if status in (400, 422):
            evaluation = None
            if isinstance(body.get("policy_evaluation"), dict):
                try:
                    evaluation = PolicyEvaluation.from_json(body["policy_evaluation"])
                except ShapeError:
                    evaluation = None
            field = _validation_field(message) if is_goa else None
            if field is None and field_errors:
                field = field_errors[0].field
            return HarnessValidationError(
                message,
                field=field,
                field_errors=tuple(field_errors),
                policy_evaluation=evaluation,
                **common,
            )
        if status == 401:
            return HarnessUnauthorized(message, **common)
        if status == 403:
            return HarnessForbidden(message, **common)
        if status == 404:
            return HarnessNotFound(message, **common)
        if status in (409, 423):
            return HarnessConflict(message, **common)
        if status == 429:
            retry_after = response.headers.get("retry-after", "")
            seconds = float(retry_after) if retry_after.strip().isdigit() else None
            return HarnessRateLimited(message, retry_after=seconds, **common)
        if status >= 500 or status in (408, 499):
            return HarnessUnavailable(message, **common)
        return HarnessError(message, **common)

    @staticmethod
    def _record(route: str, status: int | None, seconds: float, error_name: str | None) -> None:
        duration_ms = round(seconds * 1000, 1)
        logger.debug(
            "Harness %s -> %s in %.1f ms",
            route,
            status if status is not None else error_name,
            duration_ms,
            extra={"harness_route": route, "harness_status": status, "duration_ms": duration_ms},
        )
        for observer in list(call_observers):
            try:
                observer(route, status, seconds, error_name)
            except Exception:
                # A broken metrics hook must not turn a good Harness answer into a failure.
                logger.exception("Harness call observer %r failed", observer)
