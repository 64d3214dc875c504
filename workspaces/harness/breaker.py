"""A circuit breaker per Harness route: stop hammering a Harness endpoint that keeps failing.

One breaker per base URL and route template (`GET /iacm/api/orgs/{org}/projects/{project}/tags`),
so one broken endpoint does not pause the others. After `threshold` consecutive failures of a
route (HarnessUnavailable: 5xx, timeouts, connection errors, unreadable bodies) its calls fail fast
for `cooldown` seconds without touching the network. Then one trial call is let through: success
closes the circuit, failure opens it again. Any answer that is not a failure (2xx, or a 4xx such as
404) counts as success. A call that ends in anything else (a programming error) says nothing about
Harness: it is neither a success nor a failure, but if it was the trial, the trial is released so
the next call tries again. State is per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from workspaces.harness.errors import HarnessUnavailable

__all__ = ["CircuitBreaker", "CircuitOpen", "breaker_for", "configure_breakers", "reset_breakers"]


class CircuitOpen(HarnessUnavailable):
    """Harness failed repeatedly; calls are paused for a short while."""


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


_settings = {"threshold": 5, "cooldown": 10.0}
_breakers: dict[str, CircuitBreaker] = {}
_registry_lock = threading.Lock()


def configure_breakers(*, threshold: int, cooldown: float) -> None:
    """Set the threshold and cooldown for breakers created from now on (and reset existing)."""
    with _registry_lock:
        _settings.update(threshold=threshold, cooldown=cooldown)
        _breakers.clear()


def breaker_for(base_url: str, route: str) -> CircuitBreaker:
    """The breaker of one route template (`GET /v1/orgs`) of the Harness at `base_url`."""
    key = f"{base_url} {route}"
    with _registry_lock:
        breaker = _breakers.get(key)
        if breaker is None:
            breaker = _breakers[key] = CircuitBreaker(**_settings)
        return breaker


def reset_breakers() -> None:
    with _registry_lock:
        _breakers.clear()
