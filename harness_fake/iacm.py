"""IaCM workspace routes (Goa service), mounted under ``/iacm/api`` and ``/gateway/iacm/api``."""

from __future__ import annotations

import math
import secrets
from typing import Any

from harness_fake.errors import ApiError
from harness_fake.goa import GoaProblems, goq
from harness_fake.state import SORTS, ProjectWorkspaces, State
from harness_fake.validation import SUPPORTED_PROVISIONERS, validate_workspace
from harness_fake.wire import (
    Request,
    Response,
    decimal,
    json_response,
    no_content,
    raw_json_response,
)

POLICY_DENY_MESSAGE = "Workspaces tagged env=prod must enable cost estimation"
INT64 = range(-(2**63), 2**63)


def _int_query(req: Request, name: str, default: int, low: int, high: int | None) -> int:
    """A Goa-decoded int64 query parameter with its range check: Goa reads it with
    `strconv.ParseInt(raw, 10, 64)`, so `1_0`, ` 5` or a number past int64 is a type error."""
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    value = decimal(raw)
    if value is None or value not in INT64:
        raise ApiError(
            400,
            f"invalid value {goq(raw)} for {goq(name)}, must be a integer",
            name="invalid_field_type",
        )
    if value < low:
        raise ApiError(
            400,
            f"{name} must be greater or equal than {low} but got value {value}",
            name="invalid_range",
        )
    if high is not None and value > high:
        raise ApiError(
            400,
            f"{name} must be lesser or equal than {high} but got value {value}",
            name="invalid_range",
        )
    return value


def _project(state: State, req: Request) -> ProjectWorkspaces:
    """The project's workspaces; 403 outside a limited key's org or project, 404 for unknown
    scopes."""
    org, project = req.params["org"], req.params["project"]
    problems = GoaProblems()
    # Contract §2: the `org`, `project` and `{identifier}` path params are strings 1..128
    # (AE-WS); Goa checks them all as it decodes the request, before any look-up (403, 404).
    for name in ("org", "project", "identifier"):
        if name in req.params:
            problems.length(name, req.params[name])
    problems.raise_if_any()
    req.principal.require_project(org, project)
    store = state.workspaces.get((req.principal.account, org, project))
    if store is None:
        raise ApiError(404, f"project {org}/{project} not found")
    return store


def list_workspaces(state: State, req: Request) -> Response:
    """W1: 1-based ``page``, ``limit`` 1..1000, ``sort``, ``searchTerm``, ``status``, ``tags``."""
    store = _project(state, req)
    page = _int_query(req, "page", 1, 1, None)
    limit = _int_query(req, "limit", 30, 1, 1000)
    sort = req.arg("sort") or "name,ASC"
    if sort not in SORTS:
        problems = GoaProblems()
        problems.enum("sort", sort, SORTS)
        problems.raise_if_any()
    # Contract §2.0: "partial name match", case not said: matched as typed (the narrower
    # reading, so a client relying on a case-insensitive search is caught).
    search = req.arg("searchTerm") or ""
    statuses = frozenset(req.args("status"))
    tag_pairs: set[tuple[str, str]] = set()
    tag_keys: set[str] = set()
    for tag in req.args("tags"):
        key, sep, value = tag.partition(":")
        if sep:
            tag_pairs.add((key, value))
        else:
            tag_keys.add(key)

    records = store.sorted_view(sort)
    if search or statuses or tag_pairs or tag_keys:
        records = [
            r
            for r in records
            if (not search or search in r.data["name"])
            and (not statuses or r.status in statuses)
            and tag_pairs <= r.tag_pairs
            and tag_keys <= r.tags_plain
        ]
    total = len(records)
    chunk = records[(page - 1) * limit : page * limit]
    headers = {
        "x-page-size": str(limit),
        "x-total-items": str(total),
        "x-total-pages": str(math.ceil(total / limit)),
    }
    return raw_json_response("[" + ",".join(r.summary_json for r in chunk) + "]", headers=headers)


def _workspace_or_404(store: ProjectWorkspaces, req: Request) -> dict[str, Any]:
    identifier = req.params["identifier"]
    record = store.by_id.get(identifier)
    if record is None:
        raise ApiError(404, f"workspace {goq(identifier)} not found")
    return record.data


def get_workspace(state: State, req: Request) -> Response:
    return json_response(_workspace_or_404(_project(state, req), req))


def create_workspace(state: State, req: Request) -> Response:
    """W2: 200 with ``{}`` or ``{"policy_evaluation": ...}``; new workspaces start inactive."""
    store = _project(state, req)
    account, org, project = req.principal.account, req.params["org"], req.params["project"]
    data = validate_workspace(
        state, account=account, org=org, project=project, body=req.json(), existing=None
    )
    if data["identifier"] in store.by_id:
        raise ApiError(409, f"workspace with identifier {goq(data['identifier'])} already exists")
    evaluation = _evaluate_policy(state, data)
    store.put(data)
    return json_response({"policy_evaluation": evaluation} if evaluation else {})


def update_workspace(state: State, req: Request) -> Response:
    """W4: full replacement; identifier, status, created and template link are kept."""
    store = _project(state, req)
    existing = _workspace_or_404(store, req)
    data = validate_workspace(
        state,
        account=req.principal.account,
        org=req.params["org"],
        project=req.params["project"],
        body=req.json(),
        existing=existing,
    )
    evaluation = _evaluate_policy(state, data)
    store.put(data)
    return json_response({"policy_evaluation": evaluation} if evaluation else {})


def delete_workspace(state: State, req: Request) -> Response:
    """W5: 204; only ``inactive`` workspaces may be deleted (409 ``conflict`` otherwise)."""
    store = _project(state, req)
    data = _workspace_or_404(store, req)
    if data["status"] != "inactive":
        raise ApiError(
            409,
            f"workspace {goq(data['identifier'])} has status {goq(data['status'])}: only inactive "
            "workspaces can be deleted, destroy its resources first",
        )
    store.remove(data["identifier"])
    return no_content()


# W6's `start_time`/`end_time` are "Unix timestamp" (int64) with the unit unconfirmed (seconds or
# milliseconds; README "Choices"). The fake reads either by magnitude: a value of 10^11 or more is
# in milliseconds (10^11 seconds is the year 5138), so a client sending either unit gets the
# window it meant, and a test can prove which unit it sent from the request log.
_MS_THRESHOLD = 10**11


def _epoch_ms(value: int, *, end: bool) -> int:
    if value >= _MS_THRESHOLD:
        return value
    return value * 1000 + (999 if end else 0)


def workspace_metrics(state: State, req: Request) -> Response:
    """W6: status counts of workspaces whose ``updated`` falls in [start_time, end_time]."""
    store = _project(state, req)
    start = _epoch_ms(_int_query(req, "start_time", 0, 0, None), end=False)
    end_raw = req.arg("end_time")
    end = _epoch_ms(_int_query(req, "end_time", 0, 0, None), end=True) if end_raw else None
    counts: dict[str, int] = {}
    for record in store.by_id.values():
        if record.updated < start or (end is not None and record.updated > end):
            continue
        counts[record.status] = counts.get(record.status, 0) + 1
    return json_response({"status_counts": dict(sorted(counts.items()))})


def list_tags(state: State, req: Request) -> Response:
    """W7: every distinct ``key:value`` tag used in the project, sorted."""
    store = _project(state, req)
    tags = {f"{k}:{v}" for record in store.by_id.values() for k, v in record.tag_pairs}
    return json_response(sorted(tags))


def provisioner_versions(state: State, req: Request) -> Response:
    """Supported versions, oldest first; the last element is the latest."""
    provisioner = req.params["provisioner"]
    if provisioner not in SUPPORTED_PROVISIONERS:
        problems = GoaProblems()
        problems.enum("provisioner", provisioner, SUPPORTED_PROVISIONERS)
        problems.raise_if_any()
    return json_response(state.provisioner_versions[provisioner])


def _evaluate_policy(state: State, data: dict[str, Any]) -> dict[str, Any] | None:
    """The fake's one OPA policy: env=prod workspaces must enable cost estimation.

    Returns ``None`` when the policy does not apply, a ``pass`` evaluation when it does and is
    met, and raises 400 PolicyViolationError when it is broken.
    """
    if data["tags"].get("env") != "prod":
        return None
    denied = data["cost_estimation_enabled"] is not True
    status = "error" if denied else "pass"
    now = state.now_ms()
    deny_messages = [POLICY_DENY_MESSAGE] if denied else []
    entity = f"{data['org']}/{data['project']}/{data['identifier']}"
    policy = {
        "account_id": data["account"],
        "org_id": "",
        "project_id": "",
        "identifier": "prod_cost_estimation",
        "name": "Prod workspaces need cost estimation",
        "rego": "package workspace\n\ndeny[msg] { ... }",
        "created": state.start_ms,
        "updated": state.start_ms,
    }
    evaluation = {
        "id": int(secrets.randbelow(10**9)),
        "status": status,
        "entity": entity,
        "entity_metadata": entity,
        "type": "workspace",
        "action": "onsave",
        "account_id": data["account"],
        "org_id": data["org"],
        "project_id": data["project"],
        "created": now,
        "input": "",
        "details": [
            {
                "account_id": data["account"],
                "org_id": "",
                "project_id": "",
                "identifier": "iacm_guardrails",
                "name": "IaCM guardrails",
                "description": "Account-wide workspace policies",
                "type": "workspace",
                "action": "onsave",
                "enabled": True,
                "status": status,
                "created": state.start_ms,
                "updated": state.start_ms,
                "details": [
                    {
                        "deny_messages": deny_messages,
                        "output": "",
                        "policy": policy,
                        "rego_error": "",
                        "status": status,
                    }
                ],
            }
        ],
    }
    if denied:
        raise ApiError(
            400,
            f"policy evaluation failed: {POLICY_DENY_MESSAGE}",
            name="policy_violation",
            extra={"policy_evaluation": evaluation},
        )
    return evaluation
