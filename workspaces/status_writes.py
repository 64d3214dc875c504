"""A key's writes and the status numbers cached for it (`status_metrics`).

A write settled (a workspace created, changed or deleted) marks its project's cached numbers out
of date (`expire_metrics`), and first changes the project's write marker (`mark_written`). A
refresh reads the marker before it asks Harness and again once it has stored what Harness said:
when it changed, a write settled meanwhile, which the numbers may not count, so they are stored
out of date too, rather than as fresh for `METRICS_CACHE_SECONDS`. The marker is written even
when nothing is cached (a refresh may be on its way to a cold cache).
"""

import dataclasses
import secrets
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache


def _marker_key(*, account: str, org: str, project: str, fingerprint: str) -> str:
    return f"metrics-written:v1:{account}:{org}:{project}:{fingerprint}"


def mark_written(*, account: str, org: str, project: str, fingerprint: str) -> None:
    """Change the write marker of org/project for the key `fingerprint`. A new random value at
    each write rather than the time it settled: replicas' clocks differ. Kept as long as numbers
    are (`METRICS_STALE_SECONDS`), far longer than any refresh lasts."""
    key = _marker_key(account=account, org=org, project=project, fingerprint=fingerprint)
    cache.set(key, secrets.token_hex(8), timeout=settings.METRICS_STALE_SECONDS)


def last_write(*, account: str, org: str, project: str, fingerprint: str) -> str | None:
    """The write marker of org/project for the key `fingerprint` (None before any write)."""
    key = _marker_key(account=account, org=org, project=project, fingerprint=fingerprint)
    return cache.get(key)


def expire_metrics(keys: Iterable[str]) -> None:
    """Mark the `StatusMetrics` cached under `keys` out of date (`expired`): never fresh, Harness
    is asked again at once, but still the last numbers to show (stale) if that read fails, for
    as long as they would have been kept. An entry without numbers (a refusal kept) is dropped."""
    found = cache.get_many(list(keys))
    now = time.time()
    for key, metrics in found.items():
        kept = settings.METRICS_STALE_SECONDS - (now - metrics.fetched_at)
        if metrics.counts and kept > 0:
            cache.set(key, dataclasses.replace(metrics, expired=True), timeout=kept)
        else:
            cache.delete(key)
