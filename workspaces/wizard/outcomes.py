"""What Harness's answer to a workspace write becomes in the draft (`harness_response`), for a
create (`submit`) and a change (`change`) alike, and the wait that decides an unclear write.

Plain dicts and the client's errors; only the reconcile wait reads a setting. Also what a
request's pages say of it: whether its write may still land, whether it is of another account.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings

from workspaces.clients import harness_account_of
from workspaces.feedback import OtherAccount, harness_error_message, retry_after_seconds
from workspaces.harness import CircuitOpen, errors
from workspaces.models import WorkspaceDraft
from workspaces.wizard import steps
from workspaces.wizard.body import refusal

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# Outcomes after which the write may have landed: the next attempt looks before writing again.
UNCLEAR = frozenset({"unavailable", "unknown"})
# The portal did not send the write (it is pausing calls to a failing Harness, or the look
# before it failed), and no earlier attempt may still land: nothing can land (`not_sent`).
WRITE_NOT_SENT = "not_sent"
# The outcome of a change whose workspace no longer exists in Harness: it is never resumed (a
# workspace created since under its identifier is another one: `change.change_in_progress`).
GONE = "gone"
# The outcome of a submit that found the workspace changed in Harness since the request started.
CHANGED_IN_HARNESS = "changed_in_harness"
# The outcome of a submit that found the change's last write landed, but the change edited since:
# back to the review with what is not sent yet (`settle.earlier_write_landed`).
LANDED_EARLIER = "landed_earlier"
# Outcomes of a write that stopped before it was sent (nothing was written: no audit entry): a
# change before its PUT, a write the portal did not send.
NOT_SENT = frozenset({CHANGED_IN_HARNESS, "unchecked", WRITE_NOT_SENT})
# Said of a write not settled this time while an earlier attempt may still land.
EARLIER_MAY_LAND = (
    "Your earlier attempt may still land in Harness: the portal looks first when you try "
    "again, so nothing is sent twice."
)
UNEXPECTED = {"outcome": "error", "message": "Something went wrong while submitting. Try again."}


def other_account(*, draft_account: str, key_account: str) -> bool:
    """Whether the key is for another Harness account than the one the request was started in;
    a request older than accounts on requests (`draft_account` blank) is of any."""
    return bool(draft_account) and draft_account != key_account


def of_another_account(draft: WorkspaceDraft, user: AbstractBaseUser) -> bool:
    """Whether `draft` is of another Harness account than `user`'s key (`other_account`): the
    same org/project/identifier in the key's account are another workspace, so its pages link
    none of them. Reads no row (`harness_account_of`)."""
    return other_account(draft_account=draft.account_id, key_account=harness_account_of(user))


def may_still_land(draft: WorkspaceDraft) -> bool:
    """Whether the draft's write may still land, so its pages say "Outcome unclear", never "Not
    created." or "Failed": its outcome is unclear (no answer, a 5xx, or no check), or, for a
    create, an earlier POST may still land (`unsettled_bodies`), whatever its last attempt got
    (a 400 or a 403 says nothing about it)."""
    if (draft.harness_response or {}).get("outcome") in UNCLEAR:
        return True
    return draft.kind == WorkspaceDraft.Kind.CREATE and bool(draft.unsettled_bodies)


def outcome_said(draft: WorkspaceDraft) -> dict[str, Any]:
    """How the result page and the review headline a draft not done: `unclear`
    (`may_still_land`), and `also`, the sentence that says so when its message does not (a
    create's last attempt refused while an earlier POST may still land)."""
    unclear = may_still_land(draft)
    said = (draft.harness_response or {}).get("outcome") in UNCLEAR
    return {"unclear": unclear, "also": EARLIER_MAY_LAND if unclear and not said else ""}


# What a refusal of a request of another account says was not done, and what a key for its
# account would let the person do: a submit (the default), a step's save, a picker or a check.
REFUSED_SEND = ("nothing was sent", "send it")
REFUSED_SAVE = ("your change was not saved", "change it")
REFUSED_LOOKUP = ("Harness was not asked", "change it")


def other_account_message(
    *, draft_account: str, key_account: str, refused: tuple[str, str] = REFUSED_SEND
) -> str:
    """What is said when a request of `draft_account` meets a key for `key_account`."""
    not_done, to_do = refused
    return (
        f"This request was started with a key for the Harness account {draft_account}, and "
        f"your key is now for {key_account}, so {not_done}. Connect a key for {draft_account} "
        f"to {to_do}, or start the request again in this account."
    )


def require_same_account(
    *, draft_account: str, key_account: str, refused: tuple[str, str] = REFUSED_SEND
) -> None:
    """Raise OtherAccount when `other_account` (nothing is sent, nothing about the request
    changes); `refused` says what was not done (`other_account_message`)."""
    if other_account(draft_account=draft_account, key_account=key_account):
        raise OtherAccount(
            other_account_message(
                draft_account=draft_account, key_account=key_account, refused=refused
            )
        )


def require_key_of(draft: WorkspaceDraft, user: AbstractBaseUser, refused: tuple[str, str]) -> None:
    """Raise OtherAccount when `of_another_account(draft, user)`: no Harness call with that key
    (its account's connectors, templates, workspaces are not the request's), nothing saved."""
    require_same_account(
        draft_account=draft.account_id, key_account=harness_account_of(user), refused=refused
    )


def reconcile_seconds() -> float:
    """How long a write that timed out keeps checking whether Harness made it anyway."""
    return float(getattr(settings, "WIZARD_RECONCILE_SECONDS", 3.0))


def kept_unclear(previous: dict[str, Any], otherwise: str) -> str:
    """The outcome to store when this attempt settles nothing: an earlier attempt's unclear
    outcome is kept (the next attempt looks first), else `otherwise`."""
    kept = previous.get("outcome")
    return kept if kept in UNCLEAR else otherwise


def not_sent(
    previous: dict[str, Any], err: errors.HarnessError, message: str, *, earlier: bool = False
) -> dict[str, Any]:
    """The outcome of a write not sent this time (`err`: the portal paused calls, the look
    before it failed, or Harness answered it 429 and did nothing); `message`, Harness's words.
    While an earlier attempt may still land (its outcome unclear, or `earlier`: a create's
    earlier POSTs, whatever the last one got), the outcome stays unclear (the next attempt looks
    first) and the message says that too; else WRITE_NOT_SENT (nothing can land). Marked
    `sent: False` either way: no audit entry records a write."""
    if previous.get("outcome") in UNCLEAR or earlier:
        outcome = kept_unclear(previous, "unknown")
        message = f"{message} {EARLIER_MAY_LAND}"
    else:
        outcome = WRITE_NOT_SENT
    return {"outcome": outcome, "message": message, "sent": False, **answer(err)}


class UnauthorizedBeforeWrite(errors.HarnessUnauthorized):
    """Harness refused the key (401) on the look a write makes before it is sent: the write was
    not sent, so no audit entry records it (`submit.settle_write`)."""


@contextmanager
def before_the_write() -> Iterator[None]:
    """Around the look (a GET) a write makes before it is sent: a 401 it gets propagates as
    UnauthorizedBeforeWrite, the rest as they are."""
    try:
        yield
    except errors.HarnessUnauthorized as err:
        raise UnauthorizedBeforeWrite(
            err.message, status=err.status, request_id=err.request_id, name=err.name
        ) from err


class UnauthorizedAfterWrite(errors.HarnessUnauthorized):
    """Harness refused the key (401) on the look after a write it did not answer clearly (a
    timeout, a 5xx): the write was sent and may have landed, so its outcome stays unclear
    (`submit.settle_write`); `write` is that write's error (its HTTP status and request id)."""

    def __init__(self, err: errors.HarnessUnauthorized, *, write: errors.HarnessError) -> None:
        super().__init__(err.message, status=err.status, request_id=err.request_id, name=err.name)
        self.write = write


@contextmanager
def after_the_write(write: errors.HarnessError) -> Iterator[None]:
    """Around the look (a GET) after `write` got no clear answer: a 401 it gets propagates as
    UnauthorizedAfterWrite, the rest as they are."""
    try:
        yield
    except errors.HarnessUnauthorized as err:
        raise UnauthorizedAfterWrite(err, write=write) from err


def after_write_refused(err: UnauthorizedAfterWrite) -> dict[str, Any]:
    """The outcome of a write Harness did not answer clearly, whose look after it got a 401: it
    may have landed, so it stays unclear ("unknown": the retry looks first), and it was sent."""
    return {
        "outcome": "unknown",
        "message": _happened(err.write) + ", then refused your key when the portal checked "
        "whether the request landed, so it may have. Connect a valid key and open the request: "
        "a retry looks in Harness first, so nothing is sent twice.",
        "sent": True,
        **answer(err.write),
    }


# What a write's call raises when nothing of it can land: the portal held the call (an open
# circuit, a Retry-After not passed: CallsHeld), or Harness answered 429 and did nothing.
HELD_OR_BUSY = (CircuitOpen, errors.HarnessRateLimited)


def nothing_landed(outcome: dict[str, Any]) -> bool:
    """Whether this attempt's write was not sent (`sent: False`) only because Harness was down
    or busy, so nothing of it can land: the portal paused the call (an open circuit, a
    Retry-After not passed: no HTTP status), Harness answered 429 (it did nothing), or the look
    before the write got no answer or a 5xx. Whatever outcome it stores: WRITE_NOT_SENT,
    "unchecked", or an earlier attempt's unclear outcome, kept so the next attempt looks first
    (`not_sent`). A write not sent for another reason (a 403 or a 404 on the look, a workspace
    changed or gone) is not."""
    if outcome.get("sent", True) is not False:
        return False
    if outcome.get("outcome") not in {WRITE_NOT_SENT, "unchecked", *UNCLEAR}:
        return False
    status = outcome.get("http_status")
    return status is None or status == 429 or status >= 500


def was_sent(outcome: dict[str, Any]) -> bool:
    """Whether the write an outcome settles reached Harness (else the audit trail records no
    write, and the approval e-mail says it was not sent)."""
    return outcome.get("sent", True) is not False and outcome.get("outcome") not in NOT_SENT


def answer(err: errors.HarnessError) -> dict[str, Any]:
    """Harness's HTTP status and request id for a refused or unanswered write (the audit's),
    and, when Harness asked the portal to wait (a 429's or a 503's Retry-After, or what is left
    of it while the portal holds the calls), the whole seconds of that wait (`retry_after`);
    `paused` when the portal made no call, pausing calls to a failing Harness (an open circuit:
    no HTTP status either, as after a timeout)."""
    seconds = retry_after_seconds(err)
    waited = {"retry_after": seconds} if seconds else {}
    if isinstance(err, CircuitOpen):
        waited["paused"] = True
    return {"http_status": err.status, "request_id": err.request_id or "", **waited}


def _happened(err: errors.HarnessError) -> str:
    """What Harness did to a write it did not answer clearly: no answer, or a 5xx."""
    if err.status is None:
        return "Harness did not answer in time"
    return f"Harness answered with an error (HTTP {err.status})"


def unanswered(err: errors.HarnessError, *, then: str) -> dict[str, Any]:
    """The outcome of a write Harness did not answer in time, or answered with a 5xx, after which
    the look found it not (yet) done: it may still land ("unknown" or "unavailable", both
    UNCLEAR), and the message says so; `then` is the rest of the sentence about the workspace."""
    return {
        "outcome": "unknown" if err.status is None else "unavailable",
        "message": _happened(err) + then,
        **answer(err),
    }


def validation_outcome(
    err: errors.HarnessValidationError,
    *,
    denied: str,
    body: dict[str, Any],
    slots: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Harness 400 to the `body` sent: a policy denial (`denied` says what was denied, on the
    review) or a field refusal placed on its step, field and row (`body.refusal`; `slots`, the
    draft's stored provider connector slots)."""
    deny = list(err.deny_messages)
    if deny:
        return {
            "outcome": "policy_denied",
            "message": denied,
            "deny_messages": deny,
            "step": "review",
            **answer(err),
        }
    return {
        "outcome": "invalid",
        **refusal(err.field, err.message, body, slots),
        "harness_field": err.field or "",
        "harness_message": err.message,
        **answer(err),
    }


# The fields that decide whether (or what) the field Harness refused is sent (`body.build_body`):
# changing one answers the refusal too (run-all goes with Terragrunt unticked, say; the template
# link, `associated_template`, is sent as the version and mode chosen, and not at all from
# scratch or a copy).
_SENT_WITH: dict[str, tuple[str, ...]] = {
    "run_all": ("terragrunt",),
    "terragrunt_version": ("terragrunt",),
    "budget": ("cost_estimation_enabled",),
    "template_ref": ("template_version", "template_mode", "source"),
    **dict.fromkeys(steps.FETCH_TYPES, ("fetch_type",)),
}
_ROW_FIELDS = ("key", "value", "value_type")


def refusal_answered(
    response: dict[str, Any], step: str, before: dict[str, Any] | None, values: dict[str, Any]
) -> bool:
    """Whether saving `step` as `values` (stored as `before`, None if never) answers Harness's
    refusal stored for it (`response`, placed by `validation_outcome`): the field or the row
    it names changed or went (or what decides whether that field is sent); when it names
    neither, any change of the step. Editing another row or field leaves the refusal shown."""
    before = {**steps.DEFAULTS[step], **(before or {})}
    field, row = response.get("field") or "", response.get("row") or ""
    if before == values:
        return False
    if field not in values:
        return True
    if row:

        def named(rows: Any) -> list[dict[str, Any]]:
            rows = rows if isinstance(rows, list) else []
            found = [r for r in rows if isinstance(r, dict) and r.get("key") == row]
            return [{k: r.get(k) for k in _ROW_FIELDS} for r in found]

        return named(before.get(field)) != named(values.get(field))
    return any(before.get(name) != values.get(name) for name in (field, *_SENT_WITH.get(field, ())))


def refused_outcome(err: errors.HarnessError) -> dict[str, Any]:
    """A 403, 404 or another 4xx (`HarnessRefused`: a 405, 410, 413, ...), said in words; a
    403 is remembered for the project by the view. (A 429 is `not_sent`: Harness did nothing.)"""
    return {
        "outcome": "refused",
        "message": harness_error_message(err),
        "forbidden": isinstance(err, errors.HarnessForbidden),
        **answer(err),
    }


def wait_for(check: Callable[[], bool], *, seconds: float) -> bool:
    """Whether `check` (a GET that looks for the write) finds it within `seconds`.

    After a timeout Harness may still be working, so the caller gives a few seconds; after a
    5xx (an answer) it gives 0: one look. Errors raised by `check` propagate.
    """
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)
