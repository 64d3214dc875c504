"""Per-user rate limits on the actions that reach Harness on every keystroke or click.

A sliding window in the Django cache (shared by replicas when the cache is Redis): the count of
the current fixed window plus the previous window's count weighted by how much of it still lies
inside the last `window` seconds. A burst on both sides of a window boundary therefore counts as
one burst (a plain fixed window would let twice the limit through).
"""

import time

from django.conf import settings
from django.core.cache import cache


def _count_one(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def rate_limit_exceeded(*, user_id: int, action: str) -> bool:
    """Count one `action` for the user; True once the last window's allowance is used up.

    Limits come from `settings.RATE_LIMITS[action]` as (requests, window seconds).
    """
    limit, window = settings.RATE_LIMITS[action]
    now = time.time()
    slot = int(now // window)
    prefix = f"ratelimit:{action}:{user_id}"
    current = _count_one(f"{prefix}:{slot}", timeout=2 * window + 1)
    previous = cache.get(f"{prefix}:{slot - 1}", 0)
    overlap = 1 - (now - slot * window) / window
    return previous * overlap + current > limit
