"""Connectors, secrets and templates: what a workspace refers to by scoped ref (NG and v1)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from workspaces.harness import wire
from workspaces.harness.errors import HarnessNotFound
from workspaces.harness.readers import parse_items
from workspaces.harness.search_terms import literal_search_term
from workspaces.harness.types import Connector, Page, Secret, Template, TemplateSummary
from workspaces.harness.wire import Reply

__all__ = ["ReferenceCalls"]

TEMPLATE_SCAN_LIMIT = 100
TEMPLATE_SCAN_PAGES = 20


class ReferenceCalls:
    """The connector, secret and template calls of `HarnessClient`.

    Mixed into `HarnessClient`, whose `_call` makes each request (see `client.py`).
    """

    _call: Callable[..., Any]

    def list_connectors(
        self,
        *,
        org: str,
        project: str,
        types: Sequence[str],
        search: str = "",
        identifiers: Sequence[str] = (),
        page: int = 1,
        limit: int = 50,
    ) -> Page[Connector]:
        """Connectors of `types` usable in the project, including org and account ones:
        NG `POST /ng/api/connectors/listV2` with `includeAllConnectorsAvailableAtScope=true`
        (a read, but a POST, so never retried). `ref` is the scoped reference (contract §6.3).
        `search` is text to find in a name, identifier or description (`literal_search_term`),
        or a tag as `key:value` whose key and value hold only letters, digits, `_` and `-` (the
        tag is compared with the escaped term: `literal_search_term`); `identifiers` keeps those
        with exactly these identifiers (the body's `connectorIdentifiers`, contract §6.1), at
        any of the scopes.

        Raises HarnessForbidden, HarnessNotFound, HarnessUnauthorized, HarnessValidationError,
        HarnessUnavailable.
        """
        wire.check_paging(page, limit)
        query = [
            *wire.ng_paging(org, project, page, limit),
            ("includeAllConnectorsAvailableAtScope", "true"),
        ]
        if search:
            query.append(("searchTerm", literal_search_term(search)))
        body: dict[str, Any] = {"filterType": "Connector"}
        if types:
            body["types"] = list(types)
        if identifiers:
            body["connectorIdentifiers"] = list(identifiers)
        return self._call(
            "POST",
            "/ng/api/connectors/listV2",
            {},
            ng=True,
            query=query,
            body=body,
            parse=lambda reply: wire.ng_page(reply, page, limit, Connector.from_ng),
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
        `search` is text to find in a name, identifier, tag key or tag value
        (`literal_search_term`), sent in the body and, the same, in the query (contract §7).

        Raises HarnessForbidden, HarnessNotFound, HarnessUnauthorized, HarnessUnavailable.
        """
        wire.check_paging(page, limit)
        query = wire.ng_paging(org, project, page, limit)
        body: dict[str, Any] = {
            "filterType": "Secret",
            "secretTypes": list(secret_types),
            "includeAllSecretsAccessibleAtScope": True,
        }
        if search:
            body["searchTerm"] = literal_search_term(search)
            query.append(("searchTerm", body["searchTerm"]))
        return self._call(
            "POST",
            "/ng/api/v2/secrets/list/secrets",
            {},
            ng=True,
            query=query,
            body=body,
            parse=lambda reply: wire.ng_page(reply, page, limit, Secret.from_ng),
        )

    def list_templates(
        self, *, org: str, project: str, search: str = "", page: int = 1, limit: int = 50
    ) -> Page[TemplateSummary]:
        """Workspace templates usable in the project (account, org and project scope):
        v1 `GET /v1/orgs/{org}/projects/{project}/templates?recursive=true`, as many pages as
        needed (up to 2,000 templates), stable versions only, keeping `entity_type == "Workspace"`
        client-side (Harness does not document a Workspace filter). Paged locally. `search` is
        text to find in an identifier, name, version label, description or tag
        (`literal_search_term`).

        Raises HarnessNotFound, HarnessForbidden, HarnessUnauthorized, HarnessUnavailable.
        """
        wire.check_paging(page, limit)
        found: dict[str, TemplateSummary] = {}
        for server_page in range(TEMPLATE_SCAN_PAGES):
            query = [
                ("page", str(server_page)),
                ("limit", str(TEMPLATE_SCAN_LIMIT)),
                ("recursive", "true"),
                ("type", "STABLE_TEMPLATE"),
                ("sort", "name"),
                ("order", "ASC"),
            ]
            if search:
                query.append(("search_term", literal_search_term(search)))
            batch, total = self._call(
                "GET",
                "/v1/orgs/{org}/projects/{project}/templates",
                {"org": org, "project": project},
                query=query,
                parse=lambda reply: (
                    parse_items(reply.data, "templates", TemplateSummary.from_v1),
                    wire.header_int(reply.headers, "x-total-elements"),
                ),
            )
            for template in batch:
                if template.entity_type.lower() != "workspace":
                    continue
                known = found.get(template.ref)
                if known is None or (template.stable and not known.stable):
                    found[template.ref] = template
            seen = server_page * TEMPLATE_SCAN_LIMIT + len(batch)
            if len(batch) < TEMPLATE_SCAN_LIMIT or (total is not None and seen >= total):
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

        `identifier` is a scoped ref (`account.x`, `org.x`: that scope) or a bare id: a template
        of the project, as a workspace's bare `associated_template.template_id` names one
        (contract §6.3), never one of the same identifier at the org or account. Raises
        HarnessNotFound, HarnessForbidden, HarnessUnauthorized, HarnessUnavailable.
        """
        suffix = "" if version is None else "/versions/{version}"
        extra = {} if version is None else {"version": version}
        return self._template_call(
            org, project, identifier, suffix, extra, lambda reply: Template.from_v1(reply.data)
        )

    def list_template_versions(
        self, *, org: str, project: str, identifier: str
    ) -> list[TemplateSummary]:
        """Every version of a template: the v1 template list at the template's own scope with
        `identifiers=<template>&type=ALL` (one row per version, `version_label` and
        `stable_template`); Harness has no `.../templates/{template}/versions` list.

        `identifier` as for get_template: a scoped ref names the scope, a bare id the project.
        Raises HarnessNotFound (no such template, or an unknown org/project), HarnessForbidden,
        HarnessUnauthorized, HarnessUnavailable.
        """
        path, params, bare = self._template_scope(org, project, identifier)
        query = [
            ("identifiers", bare),
            ("type", "ALL"),
            ("page", "0"),
            ("limit", str(TEMPLATE_SCAN_LIMIT)),
        ]
        versions = self._call(
            "GET",
            path,
            params,
            query=query,
            parse=lambda reply: parse_items(
                reply.data, "template versions", TemplateSummary.from_v1
            ),
        )
        versions = [v for v in versions if v.identifier == bare]
        if versions:
            return versions
        raise HarnessNotFound(f"Template {identifier} not found", status=None)

    @staticmethod
    def _template_scope(org: str, project: str, identifier: str) -> tuple[str, dict[str, str], str]:
        """(templates path, its parameters, bare id) of the scope `identifier` names: a bare id
        the project's, never a fallback to the org or account, where a template of the same
        identifier is another template."""
        scope, _, bare = identifier.partition(".")
        if scope == "account" and bare:
            return "/v1/templates", {}, bare
        if scope == "org" and bare:
            return "/v1/orgs/{org}/templates", {"org": org}, bare
        return (
            "/v1/orgs/{org}/projects/{project}/templates",
            {"org": org, "project": project},
            identifier,
        )

    def _template_call[T](
        self,
        org: str,
        project: str,
        identifier: str,
        suffix: str,
        extra_params: Mapping[str, str],
        parse: Callable[[Reply], T],
    ) -> T:
        """GET a template path at the scope `identifier` names (`_template_scope`)."""
        path, params, bare = self._template_scope(org, project, identifier)
        params = {**params, "template": bare, **extra_params}
        return self._call("GET", path + "/{template}" + suffix, params, parse=parse)
