"""Reads the wizard steps need: pickers fetched in parallel, each bounded by the picker
timeout, and the live identifier check.

A step's pickers are started together on the shared picker threads and joined (one
`concurrent.futures.wait` with `picker_timeout()`) before the page renders, so a step with
several pickers takes about as long as its slowest one. A picker that fails or is too slow
comes back with a message and a retry, without breaking the step or the other pickers. Only
HarnessUnauthorized propagates (to the key page).
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings

from workspaces.feedback import harness_error_message
from workspaces.forms import PickerSearchForm
from workspaces.harness import HarnessClient, errors
from workspaces.harness_threads import submit_harness_call
from workspaces.selectors import status_label
from workspaces.wizard import steps

PICKER_LIMIT = 20
COPY_ONLY = "(Copy only: Harness links only this project's templates.)"


def picker_timeout() -> float:
    """Wall-clock seconds one picker may take (`WIZARD_PICKER_TIMEOUT`)."""
    return settings.WIZARD_PICKER_TIMEOUT


@dataclass(frozen=True)
class PickerOption:
    value: str
    label: str
    detail: str = ""
    scope: str = ""


@dataclass(frozen=True)
class Picker:
    """One picker's options, or the message to show inside it (with a retry)."""

    name: str
    options: tuple[PickerOption, ...] = ()
    error: str = ""
    query: str = ""
    #: How many there are; None when Harness sent no total and the page was full (maybe more).
    total: int | None = 0
    extra: dict[str, Any] = field(default_factory=dict)
    #: Why its search was not made (too long), said in place of its options.
    refused: str = ""

    @property
    def values(self) -> set[str]:
        return {option.value for option in self.options}


@dataclass(frozen=True)
class PickerRequest:
    """What to fetch for a picker named `name` (see `PICKERS`)."""

    name: str
    query: str = ""
    params: dict[str, str] = field(default_factory=dict)


def _connectors(types: tuple[str, ...]) -> Callable[..., Picker]:
    def load(*, client: HarnessClient, org: str, project: str, request: PickerRequest) -> Picker:
        page = client.list_connectors(
            org=org, project=project, types=types, search=request.query, limit=PICKER_LIMIT
        )
        options = tuple(
            PickerOption(
                value=c.ref,
                label=c.name,
                # Not the type: each picker is already one type's ("AWS connector"), and
                # Harness spells it "Aws".
                detail=c.url,
                scope=c.scope,
            )
            for c in page.items
        )
        return Picker(request.name, options, query=request.query, total=page.known_total)

    return load


def _named(list_method: str) -> Callable[..., Picker]:
    """A picker over a searchable Harness list of named things (secrets, templates)."""

    def load(*, client: HarnessClient, org: str, project: str, request: PickerRequest) -> Picker:
        page = getattr(client, list_method)(
            org=org, project=project, search=request.query, limit=PICKER_LIMIT
        )
        options = tuple(
            PickerOption(value=i.ref, label=i.name, detail=i.description, scope=i.scope)
            for i in page.items
        )
        return Picker(request.name, options, query=request.query, total=page.known_total)

    return load


def _templates(*, client: HarnessClient, org: str, project: str, request: PickerRequest) -> Picker:
    """Workspace templates; one of the org or account is offered to copy only
    (`steps.LINK_RULE`), and says so."""
    picker = _named("list_templates")(client=client, org=org, project=project, request=request)
    options = tuple(
        option
        if steps.template_linkable(option.value)
        else replace(option, detail=" ".join(filter(None, [option.detail, COPY_ONLY])))
        for option in picker.options
    )
    return replace(picker, options=options)


def _template_versions(
    *, client: HarnessClient, org: str, project: str, request: PickerRequest
) -> Picker:
    ref = request.params.get("template_ref", "")
    if not ref:
        return Picker(request.name)
    if not steps.template_ref_ok(ref):  # never sent: the template step shows the field error
        return Picker(request.name, error="Choose a template from the list first.")
    # Say what failed (this template's versions), never a guess at why ("may have been deleted").
    try:
        versions = client.list_template_versions(org=org, project=project, identifier=ref)
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessNotFound:
        reason = "Harness answered “not found” (HTTP 404)."
        return Picker(request.name, error=f"Could not list the versions of {ref}. {reason}")
    except errors.HarnessError as err:
        reason = harness_error_message(err)
        return Picker(request.name, error=f"Could not list the versions of {ref}. {reason}")
    options = tuple(
        PickerOption(
            value=v.version_label,
            label=v.version_label + (" (stable)" if v.stable else ""),
            detail=v.description,
        )
        for v in versions
    )
    stable = next((v.version_label for v in versions if v.stable), "")
    return Picker(request.name, options, total=len(options), extra={"stable": stable})


def _workspaces(*, client: HarnessClient, org: str, project: str, request: PickerRequest) -> Picker:
    page = client.list_workspaces(
        org=org, project=project, search=request.query, limit=PICKER_LIMIT
    )
    options = tuple(
        PickerOption(
            value=w.identifier, label=w.name, detail=w.description or status_label(w.status)
        )
        for w in page.items
    )
    return Picker(request.name, options, query=request.query, total=page.known_total)


def offered_versions(*, client: HarnessClient, tool: str) -> list[str]:
    """The versions a version picker offers for `tool` (opentofu, terraform, terragrunt), the
    latest first, which it shows chosen when none is: IaCM `GET /provisioners/supported/{tool}`
    (oldest first), Terraform capped as Harness does. Raises HarnessError."""
    versions = client.supported_provisioner_versions(provisioner=tool)
    return list(reversed(steps.allowed_versions(tool, versions)))


def _newest_first(versions: list[str]) -> tuple[PickerOption, ...]:
    return tuple(
        PickerOption(value=v, label=v + (" (latest)" if i == 0 else ""))
        for i, v in enumerate(versions)
    )


def _versions(*, client: HarnessClient, org: str, project: str, request: PickerRequest) -> Picker:
    provisioner = request.params.get("provisioner", "opentofu")
    if provisioner not in steps.PROVISIONERS:
        provisioner = "opentofu"
    options = _newest_first(offered_versions(client=client, tool=provisioner))
    return Picker(request.name, options, total=len(options), extra={"provisioner": provisioner})


def _terragrunt_versions(
    *, client: HarnessClient, org: str, project: str, request: PickerRequest
) -> Picker:
    """Terragrunt's own versions, once "Run through Terragrunt" is checked."""
    if not steps.as_bool(request.params.get("terragrunt", "")):
        return Picker(request.name)
    options = _newest_first(offered_versions(client=client, tool="terragrunt"))
    return Picker(request.name, options, total=len(options))


PICKERS: dict[str, Callable[..., Picker]] = {
    "git-connector": _connectors(steps.GIT_CONNECTOR_TYPES),
    **{
        f"{slot}-connector": _connectors((kind,))
        for slot, (kind, _label) in steps.PROVIDER_TYPES.items()
    },
    "secret": _named("list_secrets"),
    "template": _templates,
    "template-version": _template_versions,
    "clone-workspace": _workspaces,
    "version": _versions,
    "terragrunt-version": _terragrunt_versions,
}


def _failure(name: str, query: str, err: errors.HarnessError) -> Picker:
    return Picker(name, error=harness_error_message(err), query=query)


def wizard_pickers(
    *,
    client: HarnessClient,
    org: str,
    project: str,
    requests: list[PickerRequest],
    meanwhile: Callable[[], None] | None = None,
) -> dict[str, Picker]:
    """Load several pickers at once, in parallel, and wait for them all (`picker_timeout()`);
    `meanwhile` runs in this thread while Harness answers (the page's own queries).

    Each picker calls one Harness list endpoint (NG connectors listV2, NG secrets, v1 templates,
    IaCM workspaces or provisioner versions), in a copy of this request's context so its call
    is logged with the request id. A failure or a timeout becomes that picker's `error`;
    HarnessUnauthorized propagates. A picker whose search cannot be made (too long) calls
    nothing: it says why in place of its options (`PickerSearchForm.refused_search`), with its
    box emptied as the org and project pickers' are.
    """
    refused = {r.name: PickerSearchForm({"q": r.query}).refused_search() for r in requests}
    futures = {
        request.name: submit_harness_call(
            PICKERS[request.name],
            client=client,
            org=org,
            project=project,
            request=request,
        )
        for request in requests
        if not refused[request.name]
    }
    deadline = time.monotonic() + picker_timeout()
    loaded = {}
    try:
        if meanwhile is not None:
            meanwhile()
        concurrent.futures.wait(futures.values(), timeout=max(deadline - time.monotonic(), 0))
        for request in requests:
            if refused[request.name]:
                loaded[request.name] = Picker(request.name, refused=refused[request.name])
                continue
            future = futures[request.name]
            if not future.done():
                future.cancel()  # still queued: dropped; running: finishes unawaited
                loaded[request.name] = Picker(
                    request.name,
                    error="Harness took too long to answer for this list.",
                    query=request.query,
                )
                continue
            try:
                loaded[request.name] = future.result()
            except errors.HarnessUnauthorized:
                raise
            except errors.HarnessError as err:
                loaded[request.name] = _failure(request.name, request.query, err)
    finally:
        for future in futures.values():
            future.cancel()  # after a 401, the others' queued calls are dropped
    return loaded


def wizard_picker(
    *, client: HarnessClient, org: str, project: str, request: PickerRequest
) -> Picker:
    """One picker (a search or a retry inside it), with the same timeout and failure rules."""
    return wizard_pickers(client=client, org=org, project=project, requests=[request])[request.name]


@dataclass(frozen=True)
class IdentifierCheck:
    """The live identifier check: `state` is ok, taken, invalid or unknown."""

    identifier: str
    state: str
    message: str


def identifier_check(
    *, client: HarnessClient, org: str, project: str, identifier: str
) -> IdentifierCheck:
    """Is `identifier` well formed and free in the project? A 404 from IaCM
    `GET .../workspaces/{identifier}` means free; a failure means "checked again at submit"."""
    problem = steps.identifier_problem(identifier)
    if problem:
        return IdentifierCheck(identifier, "invalid", problem)
    try:
        client.get_workspace(org=org, project=project, identifier=identifier)
    except errors.HarnessNotFound:
        return IdentifierCheck(identifier, "ok", f"{identifier} is free in {org} / {project}.")
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError:
        return IdentifierCheck(
            identifier,
            "unknown",
            "Couldn't check with Harness right now; it will be checked when you submit.",
        )
    return IdentifierCheck(
        identifier, "taken", f"A workspace with the identifier {identifier} already exists here."
    )
