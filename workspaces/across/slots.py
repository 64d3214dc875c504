"""How many cross-project fan-outs (`fanout.job_start`) a process runs at once, and per key.

Each job has its own pool of up to `ACROSS_CONCURRENCY` call threads; jobs are per key and query,
so a burst of different searches would otherwise start threads without bound. At most
`ACROSS_MAX_JOBS` run at once, and at most `ACROSS_MAX_JOBS_PER_KEY` for one key (its
fingerprint): one person typing search after search, or a script, cannot take every slot and
leave everyone else "The portal is busy". A job beyond either limit is refused with a message
saying which, and a way to retry; a second viewer of a running job joins it and takes no slot.
"""

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.conf import settings

from workspaces.feedback import PortalBusy


class JobSlots:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: Counter[str] = Counter()  # jobs running, by key fingerprint

    def take(self, owner: str) -> PortalBusy | None:
        """Take a slot for a job of the key `owner` about to start: None when taken, else the
        refusal to raise (decided under the lock, so its message says which limit it met)."""
        with self._lock:
            if self._running[owner] >= settings.ACROSS_MAX_JOBS_PER_KEY:
                return self._yours_busy()
            if self._running.total() >= settings.ACROSS_MAX_JOBS:
                return self._all_busy()
            self._running[owner] += 1
            return None

    def run(self, owner: str, job: Callable[..., None], *args: Any) -> None:
        """Run `job(*args)` (the thread of a job that took a slot), then free its slot."""
        try:
            job(*args)
        finally:
            self.give_back(owner)

    def give_back(self, owner: str) -> None:
        with self._lock:
            self._running[owner] -= 1
            if self._running[owner] <= 0:
                del self._running[owner]

    @staticmethod
    def _yours_busy() -> PortalBusy:
        count = settings.ACROSS_MAX_JOBS_PER_KEY
        lists = "list" if count == 1 else "lists"
        return PortalBusy(
            f"You already have {count} cross-project {lists} loading (each search or filter "
            "is one). Wait a few seconds for them to finish, then try again."
        )

    @staticmethod
    def _all_busy() -> PortalBusy:
        return PortalBusy(
            "The portal is reading too many cross-project lists at once. "
            "Try again in a few seconds."
        )


job_slots = JobSlots()
