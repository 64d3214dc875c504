"""The route table: every Harness path the fake serves, with the names used by faults, the
request log and counters (see the interfaces spec)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from harness_fake import iacm, platform_api, templates_api
from harness_fake.errors import IACM, NG, V1
from harness_fake.state import State
from harness_fake.wire import Request, Response

Handler = Callable[[State, Request], Response]

IACM_PREFIXES = ("/iacm/api", "/gateway/iacm/api")


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    method: str
    template: str
    regex: re.Pattern[str]
    family: str
    handler: Handler
    write: bool = False
    # IaCM: Harness-Account "required" (workspace routes) or "optional" (system route)
    account_header: str = "required"


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "/?$")


def _route(
    name: str, method: str, template: str, family: str, handler: Handler, **kw: object
) -> Route:
    return Route(name, method, template, _compile(template), family, handler, **kw)  # type: ignore[arg-type]


def _iacm_routes() -> list[Route]:
    ws = "/orgs/{org}/projects/{project}"
    table = [
        ("iacm.workspaces.list", "GET", f"{ws}/workspaces", iacm.list_workspaces, False),
        ("iacm.workspaces.create", "POST", f"{ws}/workspaces", iacm.create_workspace, True),
        (
            "iacm.workspaces.get",
            "GET",
            f"{ws}/workspaces/{{identifier}}",
            iacm.get_workspace,
            False,
        ),
        (
            "iacm.workspaces.update",
            "PUT",
            f"{ws}/workspaces/{{identifier}}",
            iacm.update_workspace,
            True,
        ),
        (
            "iacm.workspaces.delete",
            "DELETE",
            f"{ws}/workspaces/{{identifier}}",
            iacm.delete_workspace,
            True,
        ),
        ("iacm.metrics", "GET", f"{ws}/workspace-metrics", iacm.workspace_metrics, False),
        ("iacm.tags", "GET", f"{ws}/tags", iacm.list_tags, False),
    ]
    routes = []
    for prefix in IACM_PREFIXES:
        for name, method, path, handler, write in table:
            routes.append(_route(name, method, prefix + path, IACM, handler, write=write))
        routes.append(
            _route(
                "iacm.provisioners.versions",
                "GET",
                prefix + "/provisioners/supported/{provisioner}",
                IACM,
                iacm.provisioner_versions,
                account_header="optional",
            )
        )
    return routes


def _platform_routes() -> list[Route]:
    p = platform_api
    routes = [
        _route("ng.accounts.get", "GET", "/ng/api/accounts/{account_id}", NG, p.get_account),
        _route("ng.connectors.list", "POST", "/ng/api/connectors/listV2", NG, p.list_connectors),
        _route("ng.secrets.list", "POST", "/ng/api/v2/secrets/list/secrets", NG, p.list_secrets),
        _route("v1.orgs.list", "GET", "/v1/orgs", V1, p.list_orgs),
        _route("v1.orgs.get", "GET", "/v1/orgs/{org}", V1, p.get_org),
        _route("v1.projects.list", "GET", "/v1/orgs/{org}/projects", V1, p.list_projects),
        _route("v1.projects.get", "GET", "/v1/orgs/{org}/projects/{project}", V1, p.get_project),
    ]
    # No `.../templates/{template}/versions` list: Harness's v1 template API has none at any
    # scope (api-evangelist/harness openapi/harness-project-template-api-openapi.yml and its
    # account/org twins), so the fake answers 404 there like any unknown path. A template's
    # versions are the list at its own scope with `identifiers=<t>&type=ALL`
    # (`templates_api.list_templates`).
    for scope in ("", "/orgs/{org}", "/orgs/{org}/projects/{project}"):
        base = f"/v1{scope}/templates"
        routes += [
            _route("v1.templates.list", "GET", base, V1, templates_api.list_templates),
            _route("v1.templates.get", "GET", base + "/{template}", V1, templates_api.get_template),
            _route(
                "v1.templates.version",
                "GET",
                base + "/{template}/versions/{version}",
                V1,
                templates_api.get_template_version,
            ),
        ]
    return routes


ROUTES: tuple[Route, ...] = (*_iacm_routes(), *_platform_routes())
ROUTE_NAMES: frozenset[str] = frozenset(r.name for r in ROUTES)


@dataclass(frozen=True, slots=True)
class Match:
    route: Route | None  # None: the path exists but not for this method (405)
    params: dict[str, str]


def match(method: str, path: str) -> Match | None:
    """Find the route for ``method path``; ``None`` when no route has that path."""
    path_matched = False
    for route in ROUTES:
        found = route.regex.match(path)
        if found is None:
            continue
        if route.method == method:
            return Match(route, {k: unquote(v) for k, v in found.groupdict().items()})
        path_matched = True
    return Match(None, {}) if path_matched else None
