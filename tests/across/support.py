"""Helpers for the cross-project list's tests: follow the page's long poll to the end."""

from __future__ import annotations

import html
import re
import threading

from django.test import Client

from workspaces.across import directory
from workspaces.harness import HarnessClient
from workspaces.harness.types import Page, Project

URL = "/workspaces/"
LIST = "iacm.workspaces.list"
REGION = {"HX-Request": "true", "HX-Target": "across-results"}
LIVE = {"HX-Request": "true", "HX-Target": "across-live"}
_POLL = re.compile(r'id="across-live"[^>]*hx-get="([^"]+)"')
# The seeded full key's projects (org/project), in the order Harness lists them.
PROJECTS_SEEN = [
    "default/empty",
    "default/infra",
    "default/sandbox",
    "payments/core",
    "platform/data",
    "platform/networking",
]


def next_poll(content: str) -> str | None:
    """The long poll the results region asks for next, or None once it is complete."""
    match = _POLL.search(content)
    return html.unescape(match[1]) if match else None


def follow(client: Client, response, *, limit: int = 30):
    """Follow the region's long polls (as htmx would) until the list is complete."""
    for _ in range(limit):
        poll = next_poll(response.content.decode())
        if poll is None:
            return response
        response = client.get(URL + poll, headers=LIVE)
    raise AssertionError("the list never completed")


def listed_projects(fake) -> list[str]:
    """`org/project` of every workspace list call the fake received, in order."""
    found = []
    for entry in fake.log(route=LIST):
        parts = entry["path"].split("/")
        found.append(f"{parts[parts.index('orgs') + 1]}/{parts[parts.index('projects') + 1]}")
    return found


def join_jobs(timeout: float = 5.0) -> None:
    """Wait for the fan-out threads a test started (they must not outlive it)."""
    for thread in threading.enumerate():
        if thread.name.startswith("across-"):
            thread.join(timeout)


def list_a_project_twice(monkeypatch) -> None:
    """v1 lists are offset-paged and read in series (`directory._all_pages`): a project created
    between two page reads, named before the others, shifts the next page by one, so the last
    project of one page comes again first on the next (here: default/infra, twice)."""
    real = HarnessClient.list_projects
    monkeypatch.setattr(directory, "DIRECTORY_PAGE_SIZE", 2)

    def paged_while_a_project_is_created(self, *, org, search="", page=1, limit=50):
        items = list(real(self, org=org, search=search, page=1, limit=1000).items)
        if org == "default" and page > 1:  # "Aardvark" was created after page 1 was read
            items.insert(0, Project(identifier="aardvark", name="Aardvark", org=org))
        chunk = items[(page - 1) * limit : page * limit]
        return Page.build(chunk, page=page, limit=limit, total_items=len(items))

    monkeypatch.setattr(HarnessClient, "list_projects", paged_while_a_project_is_created)
