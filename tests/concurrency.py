"""Running one call in many threads at once (the submit races), with each thread's database
connection closed."""

import threading
from collections.abc import Callable


def run_together(count: int, call: Callable[[], str]) -> tuple[list[str], list[BaseException]]:
    """`call()` in `count` threads released together; their results and their errors."""
    barrier = threading.Barrier(count)
    results: list[str] = []
    failures: list[BaseException] = []

    def run_once():
        try:
            barrier.wait()
            results.append(call())
        except BaseException as err:  # reported by the test, with the thread's error
            failures.append(err)
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=run_once) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, failures


def submit_together(count: int, draft, user, fake) -> tuple[list[str], list[BaseException]]:
    """`count` concurrent submits of `draft` by `user` (each its own read of the draft), with the
    fake Harness slowed so that the winner is still inside Harness while the others arrive."""
    from workspaces.clients import harness_client_for
    from workspaces.models import WorkspaceDraft
    from workspaces.wizard import submit

    fake.set_latency(50)
    try:
        return run_together(
            count,
            lambda: (
                submit.draft_submit(
                    draft=WorkspaceDraft.objects.get(pk=draft.pk), client=harness_client_for(user)
                ).draft.status
            ),
        )
    finally:
        fake.set_latency(0)


def meanwhile(monkeypatch, target, name: str, call: Callable[[], object], *, wait: float = 1.0):
    """Just before `target.name` first runs, `call()` runs in a thread of its own (its own
    database connection), as another request at that moment would; `target.name` goes on once
    it ends or after `wait` seconds (the time a lock held here may keep it waiting). Returns a
    dict that gets the thread (`"thread"`: join it before reading the rest) and what `call`
    returned (`"result"`) or raised (`"error"`)."""
    original = getattr(target, name)
    happened: dict = {}

    def run():
        try:
            happened["result"] = call()
        except BaseException as err:  # read by the test
            happened["error"] = err
        finally:
            from django.db import connection

            connection.close()

    def first_call_meanwhile(*args, **kwargs):
        if "thread" not in happened:
            happened["thread"] = threading.Thread(target=run)
            happened["thread"].start()
            happened["thread"].join(timeout=wait)
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, first_call_meanwhile)
    return happened
