"""The key's generation of cross-project lists: every write the portal makes with a key (a
workspace created, changed or deleted: `wizard.settle.forget_counts`) starts a new one.

A job's cache key holds its key's generation (`fanout.job_base`), so after a write the next
list of that key, on any replica, is read from Harness again rather than served from a job that
still shows the workspace as it was (a deleted one listed, its link a 404); an approved write
starts one for the approver's key and the requester's. A job running over the write finishes
under the old generation; nobody asks for it any more. Other keys' lists age as they would
(`ACROSS_CACHE_SECONDS`), as their status counts do.
"""

from __future__ import annotations

import secrets

from django.core.cache import cache

#: Longer than anything a generation names lives (a job's entries: `fanout.run_ttl()`, renewed
#: while it runs): once it expires, nothing of it is left to be served.
GENERATION_SECONDS = 24 * 60 * 60


def across_key_prefix(account: str, fingerprint: str) -> str:
    """What every cross-project cache key of the key starts with: its generation's, its jobs'
    (`fanout.job_base`)."""
    return f"across:v1:{account}:{fingerprint}"


def _generation_key(account: str, fingerprint: str) -> str:
    return f"{across_key_prefix(account, fingerprint)}:generation"


def key_generation(*, account: str, fingerprint: str) -> str:
    """The key's current generation ("" until its first write through the portal)."""
    return cache.get(_generation_key(account, fingerprint), "")


def forget_across_lists(*, account: str, fingerprint: str) -> None:
    """A write with the key landed: its cross-project lists cached so far are not served again.
    A new random token rather than a counter: an evicted counter would start again at a number
    whose jobs may still be cached."""
    cache.set(_generation_key(account, fingerprint), secrets.token_hex(8), GENERATION_SECONDS)
