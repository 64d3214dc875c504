"""Per-user rate limits on the actions that reach Harness on every keystroke or click.

A fixed window counter in the Django cache (shared by replicas when the cache is Redis).
"""

import time

from django.conf import settings
from django.core.cache import cache


def rate_limit_exceeded(*, user_id: int, action: str) -> bool:
    """Count one `action` for the user; True once the window's allowance is used up.

    Limits come from `settings.RATE_LIMITS[action]` as (requests, window seconds).
    """
    limit, window = settings.RATE_LIMITS[action]
    key = f"ratelimit:{action}:{user_id}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    return count > limit
