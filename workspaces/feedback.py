"""Human messages for Harness failures, one per error class, shared by views and middleware."""

import math

from workspaces.harness import CallsHeld, CircuitOpen, errors


class OtherAccount(errors.HarnessError):
    """A request of one Harness account met a key for another (its org, project and workspace
    are the first account's): nothing was read or sent; the message says which accounts."""


class PortalBusy(errors.HarnessUnavailable):
    """The portal's own limit refused the work, or a service of its own (the cache) is down (no
    Harness call was made); its message says what and when to try again."""


def harness_error_message(err: errors.HarnessError) -> str:
    """A sentence a person can act on; never the key, never a stack trace."""
    match _as_answered(err):
        case errors.HarnessUnauthorized():
            return "Harness did not accept your API key. It may have expired or been revoked."
        case errors.HarnessForbidden():
            return "Your Harness key is not allowed to do this. Ask a Harness admin for access."
        case errors.HarnessNotFound():
            return "Harness could not find this. It may have been deleted or renamed."
        case errors.HarnessRateLimited():
            return "Harness is limiting requests right now. " + _when_to_retry(
                err, otherwise="Wait a few seconds and try again."
            )
        case errors.HarnessConflict():
            return "Harness reported a conflict: this already exists or changed meanwhile."
        case errors.HarnessValidationError():
            return f"Harness refused the request: {err.message}"
        case errors.HarnessRefused():
            return f"Harness refused the request (HTTP {err.status}): {err.message}"
        case PortalBusy() | OtherAccount():
            return err.message
        case CircuitOpen():
            return (
                "Harness has failed several times in a row, so the portal is pausing calls to it "
                "for a few seconds. Try again shortly."
            )
        case errors.HarnessUnreadableAnswer():
            return "Harness sent an answer we could not read. Try again in a moment."
        case errors.HarnessUnavailable(status=int(status)) if status >= 500:
            return f"Harness answered with an error (HTTP {status}). {_when_to_retry(err)}"
        case errors.HarnessUnavailable():
            return f"Harness is not responding right now. {_when_to_retry(err)}"
        case _:
            return "Harness returned an unexpected error. Try again in a moment."


def harness_error_heading(err: errors.HarnessError) -> str:
    """The error page's heading, saying the same as `harness_error_message` under it: a 5xx or
    a 429 is an answer, not "Harness is not responding"."""
    match _as_answered(err):
        case errors.HarnessForbidden() | OtherAccount():
            return "Not allowed"
        case errors.HarnessNotFound():
            return "Not found"
        case PortalBusy():
            return "The portal is busy"
        case errors.HarnessRateLimited():
            return "Harness is busy"
        case errors.HarnessConflict():
            return "Harness reported a conflict"
        case errors.HarnessValidationError() | errors.HarnessRefused():
            return "Harness refused the request"
        case CircuitOpen():
            return "Harness is unavailable"
        case errors.HarnessUnreadableAnswer():
            return "Harness sent an unreadable answer"
        case errors.HarnessUnavailable(status=int(status)) if status >= 500:
            return "Harness returned an error"
        case errors.HarnessUnavailable():
            return "Harness is not responding"
        case _:
            return "Harness returned an error"


def _as_answered(err: errors.HarnessError) -> errors.HarnessError:
    """A call held after a 5xx's Retry-After (a maintenance 503) as that answer, with the time
    left: "Harness is limiting requests" is the 429's story, not the 503's."""
    if isinstance(err, CallsHeld) and err.held_status >= 500:
        return errors.HarnessUnavailable(
            err.message, status=err.held_status, retry_after=err.retry_after
        )
    return err


def retry_after_seconds(err: errors.HarnessError) -> int | None:
    """The whole seconds Harness asked to wait before trying again (the Retry-After of its 429
    or 503, or what is left of it), or None when it gave none."""
    if err.retry_after and err.retry_after > 0:
        return math.ceil(err.retry_after)
    return None


def wait_in_words(seconds: int) -> str:
    """A wait of `seconds` as a person says it: "about 2 minutes"."""
    if seconds >= 3600:
        count, unit = math.ceil(seconds / 3600), "hour"
    elif seconds >= 60:
        count, unit = math.ceil(seconds / 60), "minute"
    else:
        count, unit = seconds, "second"
    return f"about {count} {unit}{'' if count == 1 else 's'}"


def _when_to_retry(err: errors.HarnessError, *, otherwise: str = "Try again in a moment.") -> str:
    seconds = retry_after_seconds(err)
    if seconds is None:
        return otherwise
    return f"Try again in {wait_in_words(seconds)}."
