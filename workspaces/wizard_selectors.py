"""Reads the wizard steps need: pickers fetched in parallel, each with its own timeout.

A picker that fails (or is too slow) comes back with a message and a retry, without breaking
the step or the other pickers. Only HarnessUnauthorized propagates (to the key page).
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from workspaces import wizard
from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors

PICKER_LIMIT = 20


def picker_timeout() -> float:
    """Wall-clock seconds one picker may take (a little more than one Harness read)."""
    return getattr(settings, "WIZARD_PICKER_TIMEOUT", settings.HARNESS_READ_TIMEOUT + 1.0)


_pool_lock = threading.Lock()
_pool: concurrent.futures.ThreadPoolExecutor | None = None


def _picker_pool() -> concurrent.futures.ThreadPoolExecutor:
    """The process's threads for picker calls, started on demand and kept.

    A pool per step would start (and stop) a thread per picker on every page: on a small machine
    that was a tenth of the step's CPU time. Idle threads are reused; `WIZARD_PICKER_THREADS`
    (32) bounds them. When Harness is slow and they are all busy, further picker calls wait in
    the queue, and that wait counts against each picker's own timeout.
    """
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=settings.WIZARD_PICKER_THREADS,
                thread_name_prefix="picker",
            )
        return _pool


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
    total: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

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
                detail=c.url or c.type,
                scope=c.scope,
            )
            for c in page.items
        )
        return Picker(request.name, options, query=request.query, total=page.total_items)

    return load


def _secrets(*, client: HarnessClient, org: str, project: str, request: PickerRequest) -> Picker:
    page = client.list_secrets(org=org, project=project, search=request.query, limit=PICKER_LIMIT)
    options = tuple(
        PickerOption(value=s.ref, label=s.name, detail=s.description, scope=s.scope)
        for s in page.items
    )
    return Picker(request.name, options, query=request.query, total=page.total_items)


def _templates(*, client: HarnessClient, org: str, project: str, request: PickerRequest) -> Picker:
    page = client.list_templates(org=org, project=project, search=request.query, limit=PICKER_LIMIT)
    options = tuple(
        PickerOption(value=t.ref, label=t.name, detail=t.description, scope=t.scope)
        for t in page.items
    )
    return Picker(request.name, options, query=request.query, total=page.total_items)


def _template_versions(
    *, client: HarnessClient, org: str, project: str, request: PickerRequest
) -> Picker:
    ref = request.params.get("template_ref", "")
    if not ref:
        return Picker(request.name)
    versions = client.list_template_versions(org=org, project=project, identifier=ref)
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
        PickerOption(value=w.identifier, label=w.name, detail=w.description or w.status)
        for w in page.items
    )
    return Picker(request.name, options, query=request.query, total=page.total_items)


def _versions(*, client: HarnessClient, org: str, project: str, request: PickerRequest) -> Picker:
    provisioner = request.params.get("provisioner", "opentofu")
    if provisioner not in wizard.PROVISIONERS:
        provisioner = "opentofu"
    versions = wizard.allowed_versions(
        provisioner, client.supported_provisioner_versions(provisioner=provisioner)
    )
    # Newest first; Harness lists oldest first and the last one is the latest.
    options = tuple(
        PickerOption(value=v, label=v + (" (latest)" if i == 0 else ""))
        for i, v in enumerate(reversed(versions))
    )
    return Picker(request.name, options, total=len(options), extra={"provisioner": provisioner})


PICKERS: dict[str, Callable[..., Picker]] = {
    "git-connector": _connectors(wizard.GIT_CONNECTOR_TYPES),
    **{
        f"{slot}-connector": _connectors((kind,))
        for slot, (kind, _label) in wizard.PROVIDER_TYPES.items()
    },
    "secret": _secrets,
    "template": _templates,
    "template-version": _template_versions,
    "clone-workspace": _workspaces,
    "version": _versions,
}


def _failure(name: str, query: str, err: errors.HarnessError) -> Picker:
    return Picker(name, error=harness_error_message(err), query=query)


class PendingPicker:
    """A picker whose Harness call may still be running.

    Reading any attribute (`options`, `error`, ...) waits for the call, within the picker's own
    deadline, then reads the loaded `Picker`: a step's page renders its header, steps and first
    fields while Harness answers instead of after. A timeout or a failure becomes the picker's
    `error`; HarnessUnauthorized is raised where the picker is read (while a page renders, the
    key-page middleware takes it as it would from a view).
    """

    def __init__(self, request: PickerRequest, future: concurrent.futures.Future, deadline: float):
        self.request = request
        self.future = future
        self.deadline = deadline
        self._picker: Picker | None = None

    def resolve(self) -> Picker:
        if self._picker is None:
            request = self.request
            try:
                picker = self.future.result(timeout=max(0.0, self.deadline - time.monotonic()))
            except concurrent.futures.TimeoutError:
                self.future.cancel()  # still queued: dropped; running: finishes unawaited
                picker = Picker(
                    request.name,
                    error="Harness took too long to answer for this list.",
                    query=request.query,
                )
            except errors.HarnessUnauthorized:
                raise
            except errors.HarnessError as err:
                picker = _failure(request.name, request.query, err)
            self._picker = picker
        return self._picker

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.resolve(), name)


# How long start_pickers waits for the picker threads to take up their calls.
_START_WAIT = 0.05


def start_pickers(
    *, client: HarnessClient, org: str, project: str, requests: list[PickerRequest]
) -> dict[str, PendingPicker]:
    """Start several pickers at once on the picker threads; each is bounded by `picker_timeout()`
    from now. Reading one (or `resolve()`) waits for its answer.

    Returns once every call has started (or after a moment when the threads are all busy), so
    the requests leave before this thread goes on rendering: a thread that has the interpreter
    keeps it for milliseconds before a waiting one gets a turn.
    """
    deadline = time.monotonic() + picker_timeout()
    pool = _picker_pool()
    started = threading.Semaphore(0)

    def run(loader: Callable[..., Picker], **kwargs: Any) -> Picker:
        started.release()
        return loader(**kwargs)

    pending = {
        request.name: PendingPicker(
            request,
            # Each picker runs in a copy of this request's context, so its Harness call is
            # logged with the request id like any other.
            pool.submit(
                contextvars.copy_context().run,
                run,
                PICKERS[request.name],
                client=client,
                org=org,
                project=project,
                request=request,
            ),
            deadline,
        )
        for request in requests
    }
    wait_until = time.monotonic() + _START_WAIT
    for _ in pending:
        if not started.acquire(timeout=max(0.0, wait_until - time.monotonic())):
            break
    return pending


def wizard_pickers(
    *, client: HarnessClient, org: str, project: str, requests: list[PickerRequest]
) -> dict[str, Picker]:
    """Load several pickers at once, in parallel, and wait for them (see `start_pickers`).

    Each picker calls one Harness list endpoint (NG connectors listV2, NG secrets, v1 templates,
    IaCM workspaces or provisioner versions). A failure or a timeout becomes that picker's
    `error`; HarnessUnauthorized propagates.
    """
    pending = start_pickers(client=client, org=org, project=project, requests=requests)
    try:
        return {name: picker.resolve() for name, picker in pending.items()}
    finally:
        for picker in pending.values():
            picker.future.cancel()  # after a 401, the others' queued calls are dropped


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
    problem = wizard.identifier_problem(identifier)
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
