"""Rate limits: per user on the actions that reach Harness on every keystroke or click, and on
failed sign-ins (per username and per client address).

A sliding window in the Django cache (shared by replicas when the cache is Redis): the count of
the current fixed window plus the previous window's count weighted by how much of it still lies
inside the last `window` seconds. A burst on both sides of a window boundary therefore counts as
one burst (a plain fixed window would let twice the limit through).

While the cache is down (`portal.cache`: a failed `incr` is a missing key, a failed read a miss)
every count is 1 and nothing is refused: the limits fail open. A limit that failed closed would
refuse every sign-in and every identifier check for as long as Redis is down; README, "When Redis
is down", and SECURITY.md say what that costs.
"""

import contextlib
import time

from django.conf import settings
from django.core.cache import cache


class SlidingWindow:
    """Events named `name` counted over the last `window` seconds."""

    def __init__(self, name: str, window: int) -> None:
        self.name, self.window = name, window

    def _keys(self) -> tuple[str, str, float]:
        now = time.time()
        slot = int(now // self.window)
        overlap = 1 - (now - slot * self.window) / self.window
        return f"ratelimit:{self.name}:{slot}", f"ratelimit:{self.name}:{slot - 1}", overlap

    def count(self) -> float:
        """Events in the last window (the previous window's share estimated)."""
        current, previous, overlap = self._keys()
        counts = cache.get_many([current, previous])
        return counts.get(previous, 0) * overlap + counts.get(current, 0)

    def _incr(self, current: str) -> int:
        timeout = 2 * self.window + 1
        cache.add(current, 0, timeout=timeout)
        try:
            return cache.incr(current)
        except ValueError:  # the entry expired between add and incr
            cache.set(current, 1, timeout=timeout)
            return 1

    def take(self, limit: int) -> str | None:
        """Count one event unless the count including it would exceed `limit`; None
        when refused (then nothing stays counted), else a receipt for `give_back`.

        Counting first and checking the count that includes this event is what keeps events
        racing each other within the limit (a check, then a later add, lets them all through).
        """
        current, previous, overlap = self._keys()
        now = self._incr(current)
        if cache.get(previous, 0) * overlap + now > limit:
            self.give_back(current)
            return None
        return current

    def give_back(self, receipt: str) -> None:
        """Uncount an event `take` counted (in the window it was counted in)."""
        with contextlib.suppress(ValueError):  # already expired: nothing left to uncount
            cache.decr(receipt)

    def clear(self) -> None:
        current, previous, _ = self._keys()
        cache.delete_many([current, previous])


def rate_limit_exceeded(*, user_id: int, action: str) -> bool:
    """Count one `action` for the user; True once the last window's allowance is used up. A
    refused one is not counted (`take`): trying again while refused does not keep the limit
    going, so "wait a minute" holds.

    Limits come from `settings.RATE_LIMITS[action]` as (requests, window seconds).
    """
    limit, window = settings.RATE_LIMITS[action]
    return SlidingWindow(f"{action}:{user_id}", window).take(limit) is None
