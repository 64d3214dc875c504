"""Platform routes: NextGen (``/ng/api``: account, connectors, secrets) and v1 (orgs, projects,
templates). NG pages are 0-based inside a JSON envelope; v1 pages are 0-based bare arrays with
``X-Total-Elements``/``X-Page-Number``/``X-Page-Size`` headers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from harness_fake.errors import ApiError, new_error_id
from harness_fake.ng_filters import connector_filter, secret_filter
from harness_fake.search_terms import (
    connector_found,
    connector_search,
    named_found,
    scope_search,
    secret_search,
)
from harness_fake.state import Connector, Scoped, Secret, State
from harness_fake.wire import Request, Response, decimal, json_response

# -- shared paging ---------------------------------------------------------------------------


def _int_arg(req: Request, name: str, default: int, low: int, high: int) -> int:
    """An NG or v1 paging number, refused in the family's own envelope when it is not a plain
    base-10 integer (no `1_0` or ` 5`: only Python's `int()` reads those)."""
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    value = decimal(raw)
    if value is None:
        raise ApiError(400, f"{name} must be an integer, got {raw!r}", field=name)
    if not low <= value <= high:
        raise ApiError(400, f"{name} must be between {low} and {high}, got {value}", field=name)
    return value


def _ng_page(req: Request, items: Sequence[Any], render: Callable[[Any], dict]) -> Response:
    """The NG ``PageResponse`` envelope (contract §5/§6.1)."""
    index = _int_arg(req, "pageIndex", 0, 0, 1_000_000)
    # Contract §5: listV2 and the secrets list default to 100; the only NG maximum documented is
    # 100 (`GET /ng/api/organizations`, AE-ORG). None is documented for these lists, so the
    # fake takes that one (the doubtful side: a larger page is refused).
    size = _int_arg(req, "pageSize", 100, 1, 100)
    chunk = items[index * size : (index + 1) * size]
    return json_response(
        {
            "status": "SUCCESS",
            "data": {
                "totalPages": math.ceil(len(items) / size),
                "totalItems": len(items),
                "pageItemCount": len(chunk),
                "pageSize": size,
                "content": [render(item) for item in chunk],
                "pageIndex": index,
                "empty": not chunk,
            },
            "metaData": None,
            "correlationId": new_error_id(),
        }
    )


def v1_page[T](
    req: Request,
    items: Sequence[T],
    render: Callable[[T], dict],
    default_limit: int = 20,
    max_limit: int = 1000,
) -> Response:
    """A v1 list: bare array + ``X-Total-Elements``/``X-Page-Number``/``X-Page-Size``;
    ``limit`` 1..``max_limit`` (1000 where the operation states it, contract §5)."""
    page = _int_arg(req, "page", 0, 0, 1_000_000)
    limit = _int_arg(req, "limit", default_limit, 1, max_limit)
    chunk = items[page * limit : (page + 1) * limit]
    headers = {
        "X-Total-Elements": str(len(items)),
        "X-Page-Number": str(page),
        "X-Page-Size": str(limit),
    }
    return json_response([render(item) for item in chunk], headers=headers)


def v1_sort[T](
    req: Request, items: list[T], keys: dict[str, Callable[[T], Any]], default: str
) -> list[T]:
    sort = req.arg("sort") or default
    order = (req.arg("order") or "ASC").upper()
    if sort not in keys:
        raise ApiError(400, f"sort must be one of {', '.join(keys)}, got {sort!r}", field="sort")
    if order not in ("ASC", "DESC"):
        raise ApiError(400, f"order must be ASC or DESC, got {order!r}", field="order")
    return sorted(items, key=keys[sort], reverse=order == "DESC")


def _ng_scope(req: Request) -> tuple[str | None, str | None]:
    """``orgIdentifier``/``projectIdentifier`` of an NG call, checked against the key."""
    org = req.arg("orgIdentifier") or None
    project = req.arg("projectIdentifier") or None
    if project and not org:
        raise ApiError(400, "orgIdentifier is required when projectIdentifier is given")
    if org:
        req.principal.require_org(org)
    if project:
        req.principal.require_project(org, project)
    return org, project


def in_scope(
    item: Scoped, account: str, org: str | None, project: str | None, inherit: bool
) -> bool:
    if inherit:
        return item.visible_from(account, org, project)
    return (item.account, item.org, item.project) == (account, org, project)


# -- NG ----------------------------------------------------------------------------------------


def get_account(state: State, req: Request) -> Response:
    """``GET /ng/api/accounts/{accountId}``: the CLI's cheap key check; 403 for a key without
    account view rights (one bound to a single project)."""
    if not req.principal.may_view_account:
        raise ApiError(
            403, "Principal is not authorized to view account: missing permission core_account_view"
        )
    account = state.accounts[req.principal.account]
    # The fields of the Go SDK's `Account` (harness/nextgen/model_account.go) plus `createdAt`,
    # which the Harness CLI's login check reads (contract §9, CLI `cmd/auth/login.go`).
    return json_response(
        {
            "status": "SUCCESS",
            "data": {
                "identifier": account.identifier,
                "name": account.name,
                "companyName": account.name,
                "cluster": "prod-fake",
                "defaultExperience": "NG",
                "authenticationMechanism": "USER_PASSWORD",
                "serviceAccountConfig": None,
                "nextGenEnabled": True,
                "createdAt": account.created,
            },
            "metaData": None,
            "correlationId": new_error_id(),
        }
    )


def connector_json(c: Connector) -> dict[str, Any]:
    """An NG ``ConnectorResponse``: the fields of harness/harness-go-sdk's ``ConnectorResponse``,
    ``ConnectorInfo`` and ``ConnectorConnectivityDetails`` (``harness/nextgen/
    model_connector_response.go``, ``model_connector_info.go``,
    ``model_connector_connectivity_details.go``; contract §6.1), and no others."""
    failed = c.connectivity == "FAILURE"
    return {
        "connector": {
            "name": c.name,
            "identifier": c.identifier,
            "description": c.description,
            "orgIdentifier": c.org,
            "projectIdentifier": c.project,
            "tags": dict(c.tags),
            "type": c.type,
            "spec": c.spec,
        },
        "createdAt": c.created,
        "lastModifiedAt": c.updated,
        "status": {
            "status": c.connectivity,
            "errorSummary": "Unable to connect: invalid credentials" if failed else None,
            "errors": [
                {
                    "reason": "Invalid credentials",
                    "message": "AWS was unable to validate the provided access credentials",
                    "code": 450,
                }
            ]
            if failed
            else [],
            "testedAt": c.updated,
            "lastTestedAt": c.updated,
            "lastConnectedAt": 0 if failed else c.updated,
        },
        "activityDetails": {"lastActivityTime": c.updated},
        "harnessManaged": False,
        "gitDetails": {},
        # EntityValidityDetails {valid, invalidYaml}: harness-core's class of that name
        # (io.harness.gitsync.sdk.EntityValidityDetails), and terraform-provider-harness's
        # codegen of the NG spec (harness/nextgen-next/model_entity_validity_details.go,
        # model_connector_response.go). harness-go-sdk types the field `*EntityGitDetails` only
        # because that class carries `@Schema(name = "EntityGitDetails")`: a name collision in
        # the published spec, not another shape.
        "entityValidityDetails": {"valid": True, "invalidYaml": None},
        "governanceMetadata": None,
    }


def list_connectors(state: State, req: Request) -> Response:
    """``POST /ng/api/connectors/listV2``; body ``{"filterType":"Connector","types":[...]}``,
    read as ``ConnectorFilterPropertiesDTO`` (``ng_filters``)."""
    org, project = _ng_scope(req)
    wanted = connector_filter(req.json())
    types, identifiers, statuses = wanted.types, wanted.identifiers, wanted.statuses
    inherit = req.flag("includeAllConnectorsAvailableAtScope")
    # `searchTerm`: a case-insensitive regex over name, identifier and description, or a tag
    # `key:value`, as harness-core reads it (see search_terms). It is a query parameter
    # only: ConnectorFilterProperties has none (contract §6.1), so a body `searchTerm` is
    # ignored.
    search = connector_search(req.arg("searchTerm") or "")
    account = req.principal.account
    found = [
        c
        for c in state.connectors
        if in_scope(c, account, org, project, inherit)
        and (not types or c.type in types)
        and (not identifiers or c.identifier in identifiers)
        and (not statuses or c.connectivity in statuses)
        and connector_found(search, c)
        and (c.org is None or req.principal.may_see_org(c.org))
    ]
    found.sort(key=lambda c: (-c.updated, c.identifier))
    return _ng_page(req, found, connector_json)


def secret_json(s: Secret) -> dict[str, Any]:
    """An NG ``SecretResponse``; the value is never part of it."""
    spec: dict[str, Any] = {
        "secretManagerIdentifier": s.secret_manager,
        "errorMessageForInvalidYaml": None,
    }
    if s.type == "SecretText":
        spec["valueType"] = "Inline"
    return {
        "secret": {
            "type": s.type,
            "name": s.name,
            "identifier": s.identifier,
            "orgIdentifier": s.org,
            "projectIdentifier": s.project,
            "tags": dict(s.tags),
            "description": s.description,
            "spec": spec,
        },
        "createdAt": s.created,
        "updatedAt": s.updated,
        "draft": False,
        "governanceMetadata": None,
    }


def list_secrets(state: State, req: Request) -> Response:
    """``POST /ng/api/v2/secrets/list/secrets`` (contract §7)."""
    org, project = _ng_scope(req)
    wanted = secret_filter(req.json())  # the body, checked as NG reads it (``ng_filters``)
    types = wanted.types
    # A body field only (contract §7); the query is scope, paging and `searchTerm`.
    inherit = wanted.inherit
    # `searchTerm`: a case-insensitive regex over name, identifier and tags, as harness-core
    # reads it (see secret_search), taken from the body; one in the query must be the same.
    search = secret_search(req.arg("searchTerm"), wanted.search_term)
    identifier = wanted.identifier
    account = req.principal.account
    found = [
        s
        for s in state.secrets
        if in_scope(s, account, org, project, inherit)
        and (not types or s.type in types)
        and (not identifier or s.identifier == identifier)
        and named_found(search, s)
        and (s.org is None or req.principal.may_see_org(s.org))
    ]
    found.sort(key=lambda s: (-s.updated, s.identifier))
    return _ng_page(req, found, secret_json)


# -- v1 orgs and projects -----------------------------------------------------------------------


def _org_json(org: Any) -> dict[str, Any]:
    return {
        "org": {
            "identifier": org.identifier,
            "name": org.name,
            "description": org.description,
            "tags": dict(org.tags),
        },
        "created": org.created,
        "updated": org.updated,
        "harness_managed": org.identifier == "default",
    }


def _project_json(project: Any) -> dict[str, Any]:
    return {
        "project": {
            "identifier": project.identifier,
            "org": project.org,
            "name": project.name,
            "color": project.color,
            "modules": list(project.modules),
            "description": project.description,
            "tags": dict(project.tags),
        },
        "created": project.created,
        "updated": project.updated,
        "isFavorite": False,
    }


_SORT_KEYS: dict[str, Callable[[Any], Any]] = {
    "name": lambda x: (x.name.lower(), x.identifier),
    "identifier": lambda x: x.identifier,
    "created": lambda x: (x.created, x.identifier),
    "updated": lambda x: (x.updated, x.identifier),
}


def list_orgs(state: State, req: Request) -> Response:
    account = req.principal.account
    wanted = set(req.args("org", bracketed=True))
    # `search_term`: a case-insensitive regex over name, identifier and tags, as harness-core
    # reads it (see search_terms: OrganizationServiceImpl, contract §8).
    search = scope_search(req.arg("search_term") or "")
    orgs = [
        o
        for (acct, _), o in state.orgs.items()
        if acct == account
        and req.principal.may_see_org(o.identifier)
        and (not wanted or o.identifier in wanted)
        and named_found(search, o)
    ]
    return v1_page(req, v1_sort(req, orgs, _SORT_KEYS, "name"), _org_json)


def org_or_404(state: State, req: Request) -> Any:
    org = req.params["org"]
    req.principal.require_org(org)
    found = state.orgs.get((req.principal.account, org))
    if found is None:
        raise ApiError(404, f"Organization with identifier [{org}] not found")
    return found


def get_org(state: State, req: Request) -> Response:
    return json_response(_org_json(org_or_404(state, req)))


def list_projects(state: State, req: Request) -> Response:
    org = org_or_404(state, req)
    wanted = set(req.args("project", bracketed=True))
    # As the org list's (see search_terms: ProjectServiceImpl, contract §8).
    search = scope_search(req.arg("search_term") or "")
    module = req.arg("module_type")
    has_module = (req.arg("has_module") or "true").lower() == "true"
    projects = [
        p
        for (acct, o, _), p in state.projects.items()
        if (acct, o) == (org.account, org.identifier)
        and req.principal.may_see_project(o, p.identifier)
        and (not wanted or p.identifier in wanted)
        and named_found(search, p)
        and (not module or (module in p.modules) == has_module)
    ]
    return v1_page(req, v1_sort(req, projects, _SORT_KEYS, "name"), _project_json)


def get_project(state: State, req: Request) -> Response:
    org = org_or_404(state, req)
    req.principal.require_project(org.identifier, req.params["project"])
    project = state.projects.get((org.account, org.identifier, req.params["project"]))
    if project is None:
        raise ApiError(
            404,
            f"Project with identifier [{req.params['project']}] not found in org "
            f"[{org.identifier}]",
        )
    return json_response(_project_json(project))
