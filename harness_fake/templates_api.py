"""v1 templates (account, org and project scope): the list, the stable version and one version.

There is no list of a template's versions (`…/templates/{t}/versions`): Harness's v1 template
API has none, so the fake answers 404 there; the versions are the list below with
`identifiers=<t>&type=ALL` at the template's own scope.
"""

from __future__ import annotations

from typing import Any

from harness_fake.errors import ApiError
from harness_fake.platform_api import in_scope, org_or_404, v1_page, v1_sort
from harness_fake.search_terms import template_found, template_search
from harness_fake.state import State, TemplateVersion
from harness_fake.wire import Request, Response, json_response

TEMPLATE_MAX_LIMIT = 100
# The `entity_types` values the published v1 spec documents (contract §3.2, AE-TPL). Whether
# `Workspace` filters workspace templates is UNCONFIRMED, so the fake refuses it (the doubtful
# side); clients filter on each item's `entity_type` instead.
ENTITY_TYPES = (
    "Step",
    "Stage",
    "Pipeline",
    "CustomDeployment",
    "MonitoredService",
    "SecretManager",
)


def _template_scope(state: State, req: Request) -> tuple[str | None, str | None]:
    """Scope of a templates path: account (``/v1/templates``), org or project."""
    org = req.params.get("org")
    project = req.params.get("project")
    if org:
        org_or_404(state, req)
        if project:
            req.principal.require_project(org, project)
        if project and (req.principal.account, org, project) not in state.projects:
            raise ApiError(404, f"Project with identifier [{project}] not found in org [{org}]")
    return org, project


def template_summary(t: TemplateVersion) -> dict[str, Any]:
    """A v1 ``TemplateMetadataSummary``."""
    return {
        "account": t.account,
        "org": t.org,
        "project": t.project,
        "identifier": t.identifier,
        "name": t.name,
        "description": t.description,
        "tags": dict(t.tags),
        "version_label": t.version_label,
        "entity_type": t.entity_type,
        "child_type": None,
        "scope": t.scope,
        "version": t.version,
        "updated": t.updated,
        "git_details": None,
        "store_type": "INLINE",
        "connector_ref": None,
        "stable_template": t.stable,
    }


def list_templates(state: State, req: Request) -> Response:
    """Template list; ``type`` STABLE_TEMPLATE (default) | LAST_UPDATES_TEMPLATE | ALL.

    With ``identifiers=<t>&type=ALL`` at the template's own scope it is the list of that
    template's versions, one row each with ``version_label`` and ``stable_template``: the
    parameters ``identifiers`` (TemplateIds) and ``type`` (TemplateListType) are those of
    ``get-templates-list-{account,org,project}`` in the published v1 spec
    (api-evangelist/harness openapi/harness-project-template-api-openapi.yml); the ``type``
    values are also in harness/mcp-server src/registry/toolsets/templates.ts.
    """
    org, project = _template_scope(state, req)
    kind = req.arg("type") or "STABLE_TEMPLATE"
    if kind not in ("STABLE_TEMPLATE", "LAST_UPDATES_TEMPLATE", "ALL"):
        raise ApiError(
            400,
            f"type must be STABLE_TEMPLATE, LAST_UPDATES_TEMPLATE or ALL, got {kind!r}",
            field="type",
        )
    recursive = req.flag("recursive")
    # A case-insensitive regex, as harness-core reads it (see search_terms).
    search = template_search(req.arg("search_term") or "")
    entity_types = set(req.args("entity_types", bracketed=True))
    unknown = sorted(entity_types - set(ENTITY_TYPES))
    if unknown:
        # A 400 in the v1 ErrorResponse shape (contract §4.3: `INVALID_ARGUMENT`, UNCONFIRMED).
        raise ApiError(
            400,
            f"entity_types must be among {', '.join(ENTITY_TYPES)}, got {', '.join(unknown)}",
            field="entity_types",
        )
    identifiers = set(req.args("identifiers", bracketed=True))
    account = req.principal.account
    candidates = [
        t
        for t in state.templates
        if in_scope(t, account, org, project, recursive)
        and (t.org is None or req.principal.may_see_org(t.org))
        and (not entity_types or t.entity_type in entity_types)
        and (not identifiers or t.identifier in identifiers)
        and template_found(search, t)
    ]
    if kind == "STABLE_TEMPLATE":
        chosen = [t for t in candidates if t.stable]
    elif kind == "LAST_UPDATES_TEMPLATE":
        latest: dict[tuple, TemplateVersion] = {}
        for t in candidates:
            key = (t.org, t.project, t.identifier)
            if key not in latest or t.updated > latest[key].updated:
                latest[key] = t
        chosen = list(latest.values())
    else:
        chosen = candidates
    keys = {
        "name": lambda t: (t.name.lower(), t.identifier, t.version),
        "identifier": lambda t: (t.identifier, t.version),
        "updated": lambda t: (t.updated, t.identifier),
    }
    # `limit` at most 100: the template list states no maximum of its own (contract §3.2, §5:
    # "connectors max 1000", templates none), and the v1 intro's "maximum value is 100"
    # (harness-api-reference.txt, Pagination) is the only one stated for it.
    return v1_page(
        req,
        v1_sort(req, chosen, keys, "name"),
        template_summary,
        default_limit=30,
        max_limit=TEMPLATE_MAX_LIMIT,
    )


def _versions_or_404(state: State, req: Request) -> list[TemplateVersion]:
    org, project = _template_scope(state, req)
    versions = state.template_versions(req.principal.account, org, project, req.params["template"])
    if not versions:
        raise ApiError(404, f"Template with identifier [{req.params['template']}] not found")
    return versions


def _template_response(t: TemplateVersion) -> dict[str, Any]:
    return {
        "template": {**template_summary(t), "yaml": t.yaml, "yaml_version": "1"},
        "inputs": None,
    }


def get_template(state: State, req: Request) -> Response:
    """The stable version with its YAML."""
    versions = _versions_or_404(state, req)
    stable = next((v for v in versions if v.stable), versions[-1])
    return json_response(_template_response(stable))


def get_template_version(state: State, req: Request) -> Response:
    versions = _versions_or_404(state, req)
    label = req.params["version"]
    found = next((v for v in versions if v.version_label == label), None)
    if found is None:
        raise ApiError(
            404,
            f"Template with identifier [{req.params['template']}] and versionLabel [{label}] "
            "not found",
        )
    return json_response(_template_response(found))
