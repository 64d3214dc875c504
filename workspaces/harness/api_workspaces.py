"""Workspace calls (IaCM): list, get, create, update, delete, status counts, tags, versions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from workspaces.harness import wire
from workspaces.harness.errors import HarnessConflict, HarnessValidationError
from workspaces.harness.readers import ShapeError, parse_items
from workspaces.harness.types import Page, Workspace, WorkspaceSummary, WriteResult
from workspaces.harness.wire import Reply

__all__ = ["WORKSPACE_SORTS", "WorkspaceCalls"]

#: The units `workspace-metrics` may read its time window in: how many make a second.
METRICS_TIME_UNITS = {"ms": 1000, "s": 1}
WORKSPACE_SORTS = ("name,ASC", "name,DESC", "updated,ASC", "updated,DESC")


class WorkspaceCalls:
    """The IaCM workspace calls of `HarnessClient`.

    Mixed into `HarnessClient`, whose `_call` makes each request (see `client.py`).
    """

    iacm_prefix: str
    metrics_time_unit: str
    _call: Callable[..., Any]
    _scrub: Callable[[str], str]

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
        wire.check_paging(page, limit)
        if sort not in WORKSPACE_SORTS:
            raise ValueError(f"sort must be one of {', '.join(WORKSPACE_SORTS)}")
        if isinstance(tags, Mapping):
            tags = [f"{key}:{value}" for key, value in tags.items()]
        query: list[tuple[str, str]] = [("page", str(page)), ("limit", str(limit)), ("sort", sort)]
        if search:
            query.append(("searchTerm", search))
        query.extend(("status", status) for status in statuses)
        query.extend(("tags", tag) for tag in tags)

        def parse(reply: Reply) -> Page[WorkspaceSummary]:
            items = parse_items(
                reply.data,
                "workspaces",
                lambda item: WorkspaceSummary.from_iacm(item, org=org, project=project),
            )
            return Page.build(
                items,
                page=page,
                limit=limit,
                total_items=wire.header_int(reply.headers, "x-total-items"),
                total_pages=wire.header_int(reply.headers, "x-total-pages"),
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

        The answer must be the workspace asked for: one naming another identifier, org or
        project (which pages would link to, and a deletion would send its DELETE to) is refused
        as unreadable. An answer without its org or project (required, contract §2.2) is read
        as the one asked for.

        Raises HarnessNotFound, HarnessForbidden, HarnessUnauthorized, HarnessUnavailable
        (HarnessUnreadableAnswer for an answer about another workspace).
        """
        asked = {"org": org, "project": project, "identifier": identifier}

        def parse(reply: Reply) -> Workspace:
            workspace = Workspace.from_iacm(reply.data, org=org, project=project)
            for field, value in asked.items():
                if getattr(workspace, field) != value:
                    raise ShapeError(f"{field!r}: the answer names another workspace")
            return workspace

        return self._call(
            "GET",
            self.iacm_prefix + "/orgs/{org}/projects/{project}/workspaces/{identifier}",
            asked,
            parse=parse,
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
            parse=lambda reply: WriteResult.from_iacm(reply.data, scrub=self._scrub),
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
            parse=lambda reply: WriteResult.from_iacm(reply.data, scrub=self._scrub),
        )

    def delete_workspace(self, *, org: str, project: str, identifier: str) -> None:
        """Delete a workspace: IaCM `DELETE .../workspaces/{identifier}` (204).

        Harness deletes only `inactive` workspaces; whether it refuses the others with 400 or
        409 is unconfirmed (contract §4.1), so both become HarnessConflict with Harness's
        message. Raises HarnessNotFound, HarnessConflict, HarnessForbidden,
        HarnessUnauthorized, HarnessUnavailable.
        """
        try:
            self._call(
                "DELETE",
                self.iacm_prefix + "/orgs/{org}/projects/{project}/workspaces/{identifier}",
                {"org": org, "project": project, "identifier": identifier},
                parse=lambda reply: None,
            )
        except HarnessValidationError as err:
            raise HarnessConflict(
                err.message, status=err.status, request_id=err.request_id, name=err.name
            ) from err

    def workspace_metrics(
        self,
        *,
        org: str,
        project: str,
        start_time: int | None = None,
        end_time: int | None = None,
    ) -> dict[str, int]:
        """Workspace counts per status: IaCM `GET .../workspace-metrics` (`status_counts`).

        `start_time`/`end_time` are unix timestamps in seconds bounding the workspaces' `updated`
        time; both optional. They are sent in `metrics_time_unit`: Harness documents only "Unix
        timestamp" (int64); its one hand-written IaCM time window (the costs endpoint) is in
        milliseconds, hence the default "ms" (`HARNESS_METRICS_TIME_UNIT`).

        Raises HarnessNotFound, HarnessForbidden, HarnessUnauthorized, HarnessUnavailable.
        """
        scale = METRICS_TIME_UNITS[self.metrics_time_unit]
        query = []
        if start_time is not None:
            query.append(("start_time", str(int(start_time) * scale)))
        if end_time is not None:
            query.append(("end_time", str(int(end_time) * scale)))

        def parse(reply: Reply) -> dict[str, int]:
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
            parse=lambda reply: wire.strings(reply.data, "tags"),
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
            parse=lambda reply: wire.strings(reply.data, "provisioner versions"),
        )
