"""The cross-project work this process runs in the background, so that a worker on its way out
abandons it rather than leave it looking alive on every replica.

A fan-out's coordinator and a project's "Try again" run on daemon threads (`fanout`, `retries`).
When their worker exits (recycled after `GUNICORN_MAX_REQUESTS`, or stopped by a deploy's SIGTERM)
they die with the interpreter, before the coordinator marks its job complete and lets go of the
job's lock, or before the retry writes its project's answer. Every replica then showed the list
loading until the lock expired (`fanout.stale_after()`: three Harness call budgets), or the
retried project "to come" for as long as the job's answers were kept.

gunicorn's `worker_exit` hook (`gunicorn.conf.py`) calls `running_work.abandon_all()` once the
worker has answered its last request and before the interpreter stops. It sets `stopping`, after
which no coordinator starts another call, renews its lock or marks its job complete, then runs
each piece of work's `abandon` callback: a job's cancels the calls not yet made and releases its
lock (the next request, on any replica, starts the job again: `fanout.job_start`); a retry's puts
its project's failed answer back ("Try again" is offered again), whether it was running or still
queued behind the job's other retries. Calls already on their way are
left to finish or be cut off with the process.

A worker killed outright (SIGKILL, the out-of-memory killer, gunicorn's worker timeout) runs no
hook: its jobs are started again once their locks expire, as before.
"""

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

logger = logging.getLogger("workspaces.across")


class RunningWork:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._abandon: dict[object, Callable[[], None]] = {}
        #: Set by `abandon_all`: the process is exiting, work in progress is being abandoned.
        self.stopping = threading.Event()

    @contextlib.contextmanager
    def running(self, abandon: Callable[[], None]) -> Iterator[None]:
        """Within this block the work is this process's: `abandon` is called if it exits."""
        token = self.add(abandon)
        try:
            yield
        finally:
            self.done(token)

    def add(self, abandon: Callable[[], None]) -> object:
        """`running` for work that starts in one thread and ends in another (a retry queued,
        then run): `abandon` is called if the process exits before `done(token)`."""
        token = object()
        with self._lock:
            self._abandon[token] = abandon
        return token

    def done(self, token: object) -> None:
        with self._lock:
            self._abandon.pop(token, None)

    def abandon_all(self) -> int:
        """Stop and abandon every piece of work in progress; how many there were. Never raises
        (a cache that fails here leaves that job to its lock's expiry)."""
        self.stopping.set()
        with self._lock:
            callbacks = list(self._abandon.values())
        for abandon in callbacks:
            try:
                abandon()
            except Exception:
                logger.exception("Abandoning a cross-project job on the way out failed")
        if callbacks:
            logger.info(
                "Abandoned %d cross-project job(s) on the way out: the next request starts "
                "them again.",
                len(callbacks),
            )
        return len(callbacks)


running_work = RunningWork()
