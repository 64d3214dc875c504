"""How many cross-project fan-outs (`fanout.job_start`) a process runs at once.

Each job has its own pool of up to `ACROSS_CONCURRENCY` call threads; jobs are per key and query,
so a burst of different searches would otherwise start threads without bound. At most
`ACROSS_MAX_JOBS` run at once; one more is refused with a message and a way to retry.
"""

import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings

from workspaces.feedback import PortalBusy


class JobSlots:
    def __init__(self) -> None:
        self._lock, self._running = threading.Lock(), 0

    def take(self) -> bool:
        """Take a slot for a job about to start; False when every slot is taken."""
        with self._lock:
            if self._running >= settings.ACROSS_MAX_JOBS:
                return False
            self._running += 1
            return True

    def run(self, job: Callable[..., None], *args: Any) -> None:
        """Run `job(*args)` (the thread of a job that took a slot), then free its slot."""
        try:
            job(*args)
        finally:
            self.give_back()

    def give_back(self) -> None:
        with self._lock:
            self._running -= 1

    @staticmethod
    def busy() -> PortalBusy:
        return PortalBusy(
            "The portal is reading too many cross-project lists at once. "
            "Try again in a few seconds."
        )


job_slots = JobSlots()
