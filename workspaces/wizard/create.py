"""A new workspace's write: IaCM `POST .../workspaces` once, and, when Harness did not answer
clearly (a timeout, a 5xx), a GET of the identifier that decides whether it was created. A
change's write is `change_send.change_write`; `submit.draft_send` runs either.

A POST not answered clearly may still land later: its body is kept among the draft's
`unsettled_bodies` (`attempts`) until the create is settled, and Basics holds the identifier it
sent meanwhile (`settle`), so every later attempt posts that same identifier and at most one
workspace can come of them. A workspace found with it is this request's when it is what any of
those attempts makes (`made_by`), whatever was edited since. Settled once Harness answers a POST
of it with a 200 (created) or a 409 whose GET finds the workspace (the identifier holds one:
ours, or someone else's, and no earlier POST can make another), or the portal finds the
workspace; any other answer (a 400, a 403, a 409 or 423 with no workspace behind it, ...) says
nothing about the earlier POSTs, which stay.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors
from workspaces.models import WorkspaceDraft
from workspaces.wizard import steps
from workspaces.wizard.diff import body_diff
from workspaces.wizard.outcomes import (
    HELD_OR_BUSY,
    UNCLEAR,
    after_the_write,
    answer,
    before_the_write,
    kept_unclear,
    not_sent,
    reconcile_seconds,
    refused_outcome,
    unanswered,
    validation_outcome,
    wait_for,
)
from workspaces.wizard.update import held_body, workspace_snapshot

Status = WorkspaceDraft.Status


class Written(NamedTuple):
    """A create's write: the status and outcome to store, and the body its audit entry records
    (`sent`): the body of the POST that made the workspace, an earlier attempt's when the
    portal found that one did (`made_by`, as `settle.earlier_write_landed` records it), else the
    body this attempt sent (or would have)."""

    status: str
    outcome: dict[str, Any]
    sent: dict[str, Any]


def created(message: str = "", warnings: tuple[str, ...] = ()) -> dict[str, Any]:
    """The outcome of a create that landed."""
    return {"outcome": "created", "message": message, "warnings": list(warnings)}


def created_earlier(*, sent: dict[str, Any], body: dict[str, Any], message: str) -> dict[str, Any]:
    """The outcome of a create whose workspace an earlier attempt made, with `sent` (that
    attempt's body), while the draft now sends `body`: `message` when they are the same;
    otherwise it says the workspace is as it was then and names what was edited since
    (`not_in_it`: the result offers to change the workspace)."""
    since = [change.label for change in body_diff(sent, body)]
    if sent.get("identifier") != body.get("identifier", sent.get("identifier")):
        since.insert(0, "Identifier")
    if not since:
        return created(message)
    return {
        **created(
            "Created on an earlier attempt, as it was then: what you changed since is not in "
            f"it: {', '.join(since)}. Change the workspace to apply it."
        ),
        "not_in_it": since,
    }


def attempts(draft: WorkspaceDraft, *also: dict[str, Any]) -> list[dict[str, Any]]:
    """The bodies whose POST may have made the draft's workspace: its earlier POSTs that may
    still land (`unsettled_bodies`; for an unclear outcome stored without them, the body sent
    last), then `also` (the body being sent), each once."""
    earlier = list(draft.unsettled_bodies or [])
    if not earlier and draft.submitted_body and draft.harness_response.get("outcome") in UNCLEAR:
        earlier = [draft.submitted_body]
    found: list[dict[str, Any]] = []
    for body in (*earlier, *also):
        if body not in found:
            found.append(body)
    return found


def create_write(
    *,
    client: HarnessClient,
    draft: WorkspaceDraft,
    body: dict[str, Any],
    previous: dict,
    looked: bool = False,
) -> Written:
    """Create the workspace `body` describes (the status and outcome to store, and the body its
    audit entry records: `Written`); `previous`, the last attempt's outcome. While earlier POSTs
    may still land (`attempts`), a GET of the identifier comes first, unless the caller has just
    made it (`looked`), and a 409 is checked too: an earlier POST may land between that GET and
    this one, and the workspace taken is then ours, as that attempt made it (not as the draft
    was edited since; its body is the one recorded).
    """
    # An earlier attempt may have created it: look before posting again. A workspace with the
    # identifier that is not this one (someone else's) is left to the POST's 409.
    try:
        with before_the_write():  # a 401 here: no POST was sent
            sent = None if looked else _created_before(client=client, draft=draft, body=body)
        if sent is not None:
            earlier = created_earlier(
                sent=sent, body=body, message="Created on an earlier attempt."
            )
            return Written(Status.CREATED, earlier, sent)
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError as err:
        return Written(
            Status.FAILED,
            not_sent(
                previous,
                err,
                "Harness did not answer when the portal looked whether an earlier attempt "
                "created it, so nothing was sent.",
                earlier=True,  # the look is made only while earlier POSTs may land
            ),
            body,
        )
    return _post(client=client, draft=draft, body=body, previous=previous)


def _post(
    *, client: HarnessClient, draft: WorkspaceDraft, body: dict[str, Any], previous: dict
) -> Written:
    try:
        result = client.create_workspace(org=draft.org, project=draft.project, body=body)
    except errors.HarnessValidationError as err:
        denied = "Harness policies denied this workspace."
        slots = steps.step_values(draft.data, "provisioner")
        refused = validation_outcome(err, denied=denied, body=body, slots=slots)
        return Written(Status.FAILED, refused, body)
    except errors.HarnessConflict as err:
        return _conflict(client=client, draft=draft, body=body, previous=previous, err=err)
    except HELD_OR_BUSY as err:  # nothing can land
        held = not_sent(previous, err, harness_error_message(err), earlier=bool(attempts(draft)))
        return Written(Status.FAILED, held, body)
    except errors.HarnessUnavailable as err:
        return _reconcile(client=client, draft=draft, body=body, err=err)
    except (errors.HarnessForbidden, errors.HarnessNotFound, errors.HarnessRefused) as err:
        return Written(Status.FAILED, refused_outcome(err), body)
    made = {**created(warnings=result.warnings), "http_status": 200}  # W2
    return Written(Status.CREATED, made, body)


def _conflict(
    *,
    client: HarnessClient,
    draft: WorkspaceDraft,
    body: dict[str, Any],
    previous: dict,
    err: errors.HarnessConflict,
) -> Written:
    """A 409 or 423 to the POST. It says the identifier is taken only when a GET of it (IaCM
    `GET .../workspaces/{identifier}`) finds a workspace: this request's, made by an earlier
    attempt (`made_by`), or someone else's (Basics then marks the identifier taken). None found,
    Harness refused the create for another reason (a 423: something is locked; a 409 about
    another state): its words are said, the identifier stays free, and the request can be
    submitted again. Without the GET's answer, nothing is said to be taken either; a GET refused
    with a 403 (before any earlier attempt) says the identifier is probably someone else's that
    the key cannot see, on Basics' identifier, where another one is chosen."""
    identifier, earlier = body["identifier"], attempts(draft)
    refused = (
        f"Harness refused to create the workspace (HTTP {err.status}): {err.message.rstrip('.')}."
    )
    try:
        workspace = find(client=client, draft=draft, identifier=identifier)
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError as look:
        message = (
            f"{refused} The portal could not look whether a workspace with the identifier "
            f"{identifier} exists: {harness_error_message(look)}"
        )
        if not earlier and isinstance(look, errors.HarnessForbidden):
            # The look will be refused again: not "Submit again" (the same 409, the same 403).
            # The way out is another identifier, on Basics (not marked taken: none was seen).
            message = (
                f"{message} The identifier is probably taken by a workspace your key cannot "
                "see: choose another identifier."
            )
            refusal = {"outcome": "refused", "message": message, "step": "basics"}
            refusal |= {"field": "identifier", **answer(err)}
            return Written(Status.FAILED, refusal, body)
        if not earlier:
            refusal = {"outcome": "refused", "message": f"{message} Submit again.", **answer(err)}
            return Written(Status.FAILED, refusal, body)
        # A workspace with it may be the earlier attempt's: not "choose another identifier"
        # (that would create a second one); the outcome stays unclear.
        unclear = {
            "outcome": kept_unclear(previous, "unknown"),
            "message": f"{message} It may be the one your earlier attempt created. Submit "
            "again: the portal looks first.",
            **answer(err),
        }
        return Written(Status.FAILED, unclear, body)
    sent = made_by(workspace, [*earlier, body]) if earlier else None
    if sent is not None:
        earlier_made = created_earlier(
            sent=sent, body=body, message="Created on an earlier attempt."
        )
        return Written(Status.CREATED, {**earlier_made, **answer(err)}, sent)
    if workspace is None:
        message = (
            f"{refused} No workspace has the identifier {identifier}, so it is not taken: "
            "submit again once what Harness names is resolved."
        )
        return Written(
            Status.FAILED, {"outcome": "refused", "message": message, **answer(err)}, body
        )
    conflict = {
        "outcome": "conflict",
        "message": (
            f"A workspace with the identifier {identifier} already exists in this "
            "project. Choose another identifier."
        ),
        "harness_message": err.message,
        "step": "basics",
        "field": "identifier",
        "taken": identifier,  # Basics remembers it (`settle.store_outcome`)
        **answer(err),
    }
    return Written(Status.FAILED, conflict, body)


def _reconcile(
    *,
    client: HarnessClient,
    draft: WorkspaceDraft,
    body: dict[str, Any],
    err: errors.HarnessUnavailable,
) -> Written:
    """After a timeout or 5xx: did Harness create it? GET the identifier before anything else.

    A timeout (no answer at all) may mean Harness is still working, so it is checked for a few
    seconds; a 5xx is an answer and is checked once. Neither proves nothing was created (a
    gateway's 502 or 504 may come while Harness works on): the outcome stays unclear, and the
    next submit looks first.
    """
    try:
        # Someone else's workspace with the identifier is not ours: the retry's POST meets
        # its 409 and leads back to the identifier. An earlier POST may land meanwhile too.
        identifier, bodies = body["identifier"], attempts(draft, body)
        found: dict[str, Any] = {}

        def landed() -> bool:  # and which attempt made it
            found["sent"] = made_by(find(client=client, draft=draft, identifier=identifier), bodies)
            return found["sent"] is not None

        with after_the_write(err):  # a 401 here: the POST may have landed
            wait_for(landed, seconds=reconcile_seconds() if err.status is None else 0)
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError:
        unknown = {
            "outcome": "unknown",
            "message": (
                "Harness did not answer, and the portal could not check whether the "
                "workspace was created. Submit again: the portal checks first, so it is "
                "never created twice."
            ),
            **answer(err),
        }
        return Written(Status.FAILED, unknown, body)
    if found.get("sent") is not None:
        slow = "Harness was slow to answer, but it was created."
        made = created_earlier(sent=found["sent"], body=body, message=slow)
        return Written(Status.CREATED, {**made, **answer(err)}, found["sent"])
    then = (
        " and the workspace does not exist yet, but Harness may still create it. Submit "
        "again when you are ready: the portal checks first, so it is never created twice."
    )
    return Written(Status.FAILED, unanswered(err, then=then), body)


def find(*, client: HarnessClient, draft: WorkspaceDraft, identifier: str):
    """The workspace if it exists (IaCM `GET .../workspaces/{identifier}`), else None."""
    try:
        return client.get_workspace(org=draft.org, project=draft.project, identifier=identifier)
    except errors.HarnessNotFound:
        return None


def _created_before(
    *, client: HarnessClient, draft: WorkspaceDraft, body: dict[str, Any]
) -> dict[str, Any] | None:
    """The body of the attempt that created this workspace, when earlier POSTs may have landed
    (`attempts`): a GET of its identifier, compared with each of them and with `body`. None
    without such POSTs (no GET), or when the workspace is not this request's."""
    earlier = attempts(draft)
    if not earlier:
        return None
    workspace = find(client=client, draft=draft, identifier=body["identifier"])
    return made_by(workspace, [*earlier, body])


def made_by(workspace, bodies: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The body among `bodies` that made `workspace` (`is_ours`), else None; of several, the one
    closest to what it holds (the latest when as close)."""
    ours = [body for body in reversed(bodies) if is_ours(workspace, body)]
    if len(ours) < 2:
        return ours[0] if ours else None
    held = held_body(workspace_snapshot(workspace))
    return min(ours, key=lambda body: len(body_diff(body, held)))


def is_ours(workspace, body: dict[str, Any]) -> bool:
    """Whether `workspace` (`find`'s answer) is the one `body` creates, not someone else's
    with the same identifier: its name, and the repository and provisioner the body states (a
    body linked to a template leaves out what the template locks)."""
    fields = [field for field in ("name", "repository", "provisioner") if field in body]
    return workspace is not None and all(getattr(workspace, f) == body[f] for f in fields)
