"""Accounts, orgs and projects: the key check (NG) and the org and project lists (v1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workspaces.harness import wire
from workspaces.harness.types import Account, Org, Page, Project

__all__ = ["AccountCalls"]


class AccountCalls:
    """The account, org and project calls of `HarnessClient`.

    Mixed into `HarnessClient`, whose `_call` makes each request (see `client.py`).
    """

    account_id: str
    _call: Callable[..., Any]

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
        `search` is text to find in a name, identifier or tag (`literal_search_term`).

        Raises HarnessUnauthorized, HarnessForbidden, HarnessUnavailable.
        """
        wire.check_paging(page, limit)
        return self._call(
            "GET",
            "/v1/orgs",
            {},
            query=wire.v1_paging(page, limit, search),
            parse=lambda reply: wire.v1_page(reply, page, limit, Org.from_v1),
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
        """Projects of `org` the key can see: v1 `GET /v1/orgs/{org}/projects`. `search` is
        text to find in a name, identifier or tag (`literal_search_term`).

        Raises HarnessNotFound (no such org), HarnessForbidden, HarnessUnauthorized,
        HarnessUnavailable.
        """
        wire.check_paging(page, limit)
        return self._call(
            "GET",
            "/v1/orgs/{org}/projects",
            {"org": org},
            query=wire.v1_paging(page, limit, search),
            parse=lambda reply: wire.v1_page(
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
