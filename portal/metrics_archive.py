"""A dead gunicorn worker's Prometheus files, folded into one archive file per metric type.

In multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`) every worker writes its own
`counter_<pid>.db` and `histogram_<pid>.db`, and `/metrics` reads every file in the directory.
prometheus-client's `mark_process_dead` removes only live gauges' files (the portal has none), so
without this each recycled worker (every GUNICORN_MAX_REQUESTS) would leave its pair behind for
the life of the replica, and every scrape would read them all.

gunicorn's master calls `archive_dead_worker` from `child_exit`, one worker at a time (gunicorn
handles SIGCHLD in its main loop). The dead worker's values are added into `counter_archive.db`
and `histogram_archive.db` (written to a temporary name, then `os.replace`d), and its own files
are deleted, all under an exclusive `archive_lock` that `/metrics` takes shared while it reads: a
scrape between the `os.replace` and the unlink would count the dead worker twice, then the next
once again (a counter going down is a reset to Prometheus). Totals never go back, and the
directory holds one file per live worker plus the two archives and the lock file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import multiprocess
from prometheus_client.mmap_dict import MmapedDict, mmap_key

ARCHIVED_TYPES = ("counter", "histogram")
LOCK_FILE = "archive.lock"  # not *.db: no scrape reads it


@contextlib.contextmanager
def archive_lock(directory: str, operation: int) -> Iterator[None]:
    """`fcntl.flock` on the directory's lock file: `LOCK_EX` to archive, `LOCK_SH` to read."""
    with open(Path(directory) / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, operation)
        yield  # closing the file releases it


def archive_dead_worker(pid: int, directory: str) -> None:
    """Adds worker `pid`'s counters and histograms to the archive files, then deletes its files."""
    folder = Path(directory)
    with archive_lock(directory, fcntl.LOCK_EX):
        multiprocess.mark_process_dead(pid, directory)
        for kind in ARCHIVED_TYPES:
            dead = folder / f"{kind}_{pid}.db"
            if dead.exists():
                _merge_into(folder / f"{kind}_archive.db", dead)
                dead.unlink()


def _merge_into(archive: Path, dead: Path) -> None:
    sources = [str(path) for path in (archive, dead) if path.exists()]
    # accumulate=False: histogram buckets stay per bucket, as the workers write them.
    merged = multiprocess.MultiProcessCollector.merge(sources, accumulate=False)
    temporary = archive.with_name(archive.name + ".tmp")  # not *.db: no scrape reads it
    temporary.unlink(missing_ok=True)
    values = MmapedDict(str(temporary))
    try:
        for metric in merged:
            for sample in metric.samples:
                key = mmap_key(
                    metric.name,
                    sample.name,
                    list(sample.labels),
                    list(sample.labels.values()),
                    metric.documentation,
                )
                values.write_value(key, sample.value, 0.0)
    finally:
        values.close()
    os.replace(temporary, archive)
