"""A circuit breaker per Harness route and scope: stop hammering an endpoint that keeps failing.

One breaker per base URL, account, route template (`GET /iacm/api/orgs/{org}/projects/{project}/
tags`) and the org and project the call names (in its path, or an NG call's query), so a failing
endpoint, account or project pauses only itself: one broken project does not pause the same
route in the others, one account's failures do not pause any other account, and a whole-Harness
outage still opens every breaker in use after `threshold` failures of its own. After `threshold`
consecutive failures (HarnessUnavailable: 5xx, timeouts, connection errors, redirects) its calls
fail fast for `cooldown` seconds without touching the network. Then one trial call is let
through: success closes the circuit, failure opens it again. Any answer that is not a failure
counts as success: a 2xx, a 4xx such as 404, and an answer the portal cannot read
(HarnessUnreadableAnswer: a NUL in one workspace's name is a property of that record, not an
outage). A call that ends in anything else (a programming error) says nothing about Harness: it
is neither a success nor a failure, but if it was the trial, the trial is released so the next
call tries again.

State is per process, in at most `max_breakers` breakers (least recently used dropped first), so
many accounts and projects cannot grow it without bound; a dropped breaker starts again closed.

Next to the breakers, a hold per base URL and account: when Harness answers with a Retry-After
(a 429, or a 503 for maintenance; at most `wire.MAX_RETRY_AFTER` seconds honoured), the
account's calls to that Harness fail fast with CallsHeld (a HarnessRateLimited) until it has
passed, without a request (`hold_calls`, `check_hold`), whichever user, route or project the
call is for. Holds are kept as breakers are (at most `max_breakers`, per process), and cleared
with them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from workspaces.harness.errors import HarnessRateLimited, HarnessUnavailable

__all__ = [
    "CallsHeld",
    "CircuitBreaker",
    "CircuitOpen",
    "breaker_count",
    "breaker_for",
    "check_hold",
    "configure_breakers",
    "hold_calls",
    "reset_breakers",
]


class CircuitOpen(HarnessUnavailable):
    """Harness failed repeatedly; calls are paused for a short while."""


class CallsHeld(HarnessRateLimited):
    """Harness asked (Retry-After) this account to wait, and the wait has not passed: the call
    was not sent (`status` None; `retry_after` the seconds left; `held_status` the status of the
    answer that asked, 429 or a 5xx, so that the held call reads like it: `workspaces.feedback`).
    """

    def __init__(self, message: str, *, retry_after: float, held_status: int) -> None:
        super().__init__(message, status=None, retry_after=retry_after)
        self.held_status = held_status


class CircuitBreaker:
    def __init__(
        self,
        *,
        threshold: int = 5,
        cooldown: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._opened_at is not None

    def before_call(self) -> bool:
        """Raise CircuitOpen while the circuit is open, except for the one trial call.

        Returns True when this call is the trial: the caller must then settle it, whatever
        happens, with `record_success`, `record_failure` or `release_trial`.
        """
        with self._lock:
            if self._opened_at is None:
                return False
            remaining = self._opened_at + self.cooldown - self._clock()
            if remaining <= 0 and not self._trial_in_flight:
                self._trial_in_flight = True
                return True
        raise CircuitOpen(
            "Harness has failed several times in a row; the portal is pausing calls to it "
            f"for {max(1, round(remaining))} s"
        )

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_in_flight or self._failures >= self.threshold:
                self._opened_at = self._clock()
            self._trial_in_flight = False

    def release_trial(self) -> None:
        """The trial ended without saying anything about Harness: let the next call try."""
        with self._lock:
            self._trial_in_flight = False


#: Every route of a few hundred projects in use at once; a breaker and its key take under 1 KB
#: (about 440 bytes measured), so at most a few MB per process.
DEFAULT_MAX_BREAKERS = 4096

_settings = {"threshold": 5, "cooldown": 10.0}
_max_breakers = DEFAULT_MAX_BREAKERS
_breakers: OrderedDict[tuple[str, ...], CircuitBreaker] = OrderedDict()
#: (base URL, account) -> the time.monotonic() before which its calls are not made, and the status
#: of the answer that asked for the wait.
_holds: OrderedDict[tuple[str, str], tuple[float, int]] = OrderedDict()
_registry_lock = threading.Lock()


def configure_breakers(
    *, threshold: int, cooldown: float, max_breakers: int = DEFAULT_MAX_BREAKERS
) -> None:
    """Set the threshold, cooldown and number of breakers kept for breakers created from now on
    (and reset existing)."""
    global _max_breakers
    if max_breakers < 1:
        raise ValueError("max_breakers must be at least 1")
    with _registry_lock:
        _settings.update(threshold=threshold, cooldown=cooldown)
        _max_breakers = max_breakers
        _breakers.clear()
        _holds.clear()


def breaker_for(
    base_url: str, route: str, *, account: str, org: str = "", project: str = ""
) -> CircuitBreaker:
    """The breaker of one route template (`GET /v1/orgs/{org}/projects`) of the Harness at
    `base_url`, for one account and the org and project the call names ("" when none)."""
    key = (base_url, account, route, org, project)
    with _registry_lock:
        breaker = _breakers.get(key)
        if breaker is None:
            breaker = _breakers[key] = CircuitBreaker(**_settings)
            while len(_breakers) > _max_breakers:
                _breakers.popitem(last=False)
        else:
            _breakers.move_to_end(key)
        return breaker


def breaker_count() -> int:
    """How many breakers this process holds (bounded by `max_breakers`)."""
    with _registry_lock:
        return len(_breakers)


def reset_breakers() -> None:
    """Forget every breaker and every hold."""
    with _registry_lock:
        _breakers.clear()
        _holds.clear()


def hold_calls(base_url: str, account: str, *, seconds: float, status: int = 429) -> None:
    """Harness asked `account` to wait `seconds` (the Retry-After of an answer of `status`) before
    calling `base_url` again: `check_hold` refuses its calls until then (a longer hold already set
    is kept, with its status)."""
    key, hold = (base_url, account), (time.monotonic() + seconds, status)
    with _registry_lock:
        _holds[key] = max(hold, _holds.get(key, hold), key=lambda held: held[0])
        _holds.move_to_end(key)
        while len(_holds) > _max_breakers:
            _holds.popitem(last=False)


def check_hold(base_url: str, account: str) -> None:
    """Raise CallsHeld (a HarnessRateLimited; `status` None: nothing was sent; `retry_after` the
    seconds left; `held_status` the answer's) while a hold of `hold_calls` for `account` at
    `base_url` lasts."""
    key = (base_url, account)
    with _registry_lock:
        hold = _holds.get(key)
        if hold is None:
            return
        until, held_status = hold
        left = until - time.monotonic()
        if left <= 0:
            del _holds[key]
            return
    raise CallsHeld(
        f"Harness asked to wait before it is called again; calls of this account are held for "
        f"{max(1, round(left))} s more (after an HTTP {held_status})",
        retry_after=left,
        held_status=held_status,
    )
