"""Threads for Harness calls a request makes in parallel (wizard pickers, the list's identifier
lookup), kept per process.

A pool per request would start (and stop) a thread per call on every page: on a small machine
that was a tenth of a wizard step's CPU time. Idle threads are reused; `WIZARD_PICKER_THREADS`
(32) bounds them. When Harness is slow and they are all busy, further calls wait in the queue.
"""

import concurrent.futures
import contextvars
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings

_lock = threading.Lock()
_pool: concurrent.futures.ThreadPoolExecutor | None = None


def _harness_pool() -> concurrent.futures.ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=settings.WIZARD_PICKER_THREADS, thread_name_prefix="harness"
            )
        return _pool


def submit_harness_call(call: Callable[..., Any], /, *args: Any, **kwargs: Any):
    """Run `call` on the pool, in a copy of this request's context (so its Harness call is
    logged with the request id); returns its `Future`."""
    return _harness_pool().submit(contextvars.copy_context().run, call, *args, **kwargs)
