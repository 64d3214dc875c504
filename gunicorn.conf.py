"""gunicorn settings for the portal: `gunicorn -c gunicorn.conf.py portal.wsgi`.

Every value comes from the environment (documented in `.env.example` and the README), and from
the local `.env` file the settings read too (`portal/envfile.py`; the environment wins). Numbers
are read as strictly as the settings read them (`portal/envparse.py`): a value a variable cannot
take stops gunicorn naming the variable, and the Harness timeouts the worker timeout is derived
from are accepted by both or by neither.
"""

import math
import os
import pathlib
import shutil
import sys

from portal.envfile import read_env_file
from portal.envparse import env_int, env_networks, env_seconds

read_env_file()
_env = os.environ.get

# gthread: requests spend most of their time waiting on Harness, so each worker process serves
# GUNICORN_THREADS requests at once. Four processes for a 2-CPU replica: the CPU-bound part of
# each request (templates, parsing) holds its process's GIL, and with two processes of 16
# threads the cores sat idle while threads queued for it (`make bench`, 32 concurrent filter
# changes: 2 x 16 served 159-188 requests/s, 4 x 8 served 222). Sixteen threads each: a
# keep-alive connection stays with the worker that accepted it, and clients' connections are
# rarely spread evenly (seen: 22, 6, 4 and 0 of 32); with 8 threads the busy worker queued
# requests while the others idled (`make bench` at 32 concurrent filter changes: 4 x 8 gave
# 201-313 requests/s, p95 160-251 ms; 4 x 16 gave 251-363, p95 125-215 ms). Memory grows with
# workers (one Django each, ~90 MB), hardly with threads. Each thread keeps its own PostgreSQL
# connection (CONN_MAX_AGE): one replica holds up to workers x threads connections (64).
worker_class = "gthread"
workers = env_int("GUNICORN_WORKERS", 4)
threads = env_int("GUNICORN_THREADS", 16)
bind = f"{_env('GUNICORN_BIND_HOST', '0.0.0.0')}:{env_int('PORT', 8000, maximum=65535)}"  # noqa: S104

# The Harness call budget: connect + read timeout, retries included (`workspaces/harness/
# transport.py`: a GET is retried on connection errors and 502/503/504 only while a whole read
# timeout is left, each attempt within the time left; read timeouts are not retried): 3.05 + 10 =
# 13.05 s with the defaults. The longest request waits on three calls in a row: a wizard submit
# after an unclear outcome looks first (GET), sends (POST), then checks with GETs for up to
# WIZARD_RECONCILE_SECONDS, the last one started just before that ends. The worker timeout and the
# graceful shutdown allow three budgets plus 20 s for the rest of the request: 60 s by default.
HARNESS_CALLS_IN_A_ROW = 3
harness_call_budget = env_seconds("HARNESS_CONNECT_TIMEOUT", 3.05) + env_seconds(
    "HARNESS_READ_TIMEOUT", 10.0
)
timeout = (
    env_int("GUNICORN_TIMEOUT", 0, minimum=0)
    or math.ceil(HARNESS_CALLS_IN_A_ROW * harness_call_budget) + 20
)
graceful_timeout = timeout
keepalive = env_int("GUNICORN_KEEPALIVE", 5, minimum=0)

# Headers with underscores (X_Forwarded_Email) are dropped, never mapped onto the real ones.
header_map = "drop"
# gunicorn's default, stated: it bounds the SSO groups header, of which every group is kept.
limit_request_field_size = 8190
# Proxies whose X-Forwarded-Proto gunicorn believes (wsgi.url_scheme); the SSO proxy's address.
# Read as the settings read it, so both accept the same values. A value from `.env` that they
# refuse stops gunicorn here naming the variable; one in the environment gunicorn itself refuses
# before it reads this file ("Error: 10.0.0.5/24 has host bits set"), and `manage.py check` (the
# migrate job) names it.
forwarded_allow_ips = ",".join(
    env_networks("FORWARDED_ALLOW_IPS", ["127.0.0.1", "::1"], any_peer=True)
)

# Recycle workers now and then (bounded memory growth); jitter keeps them from restarting at once.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000, minimum=0)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 100, minimum=0)
# The heartbeat file on tmpfs when there is one (a disk-backed /tmp can stall workers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Several instances per machine must not fight over one control socket.
control_socket_disable = _env("GUNICORN_CONTROL_SOCKET", "") == ""
if not control_socket_disable:
    control_socket = _env("GUNICORN_CONTROL_SOCKET")

logger_class = "portal.gunicorn_logging.PortalGunicornLogger"
errorlog = "-"
# The portal logs every request itself (logger `portal.request`: method, path, view, status,
# duration, user, request id), so gunicorn's own access line is off unless asked for: on a small
# machine writing both costs a measurable share of each request.
accesslog = _env("GUNICORN_ACCESS_LOG", "") or None
access_log_format = (
    '{"ts": "%(t)s", "logger": "gunicorn.access", "request_id": "%({x-request-id}o)s", '
    '"remote_addr": "%(h)s", "method": "%(m)s", "path": "%(U)s", "status": %(s)s, '
    '"bytes": "%(b)s", "duration_ms": %(M)s, "user_agent": "%(a)s"}'
)


def on_starting(server):
    """Start with an empty Prometheus multiprocess directory (files of a previous run lie)."""
    directory = _env("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = pathlib.Path(directory)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True, exist_ok=True)


def post_worker_init(worker):
    """Each worker imports, compiles and loads before its first request (`portal/warmup.py`),
    then moves what it loaded out of the garbage collector's sight (`gc.freeze`).

    Warmed up, a worker holds about 130,000 objects the collector would otherwise walk through
    in every full collection: about 85 ms of CPU each, holding the interpreter lock, so every
    request of that worker stalls meanwhile (measured with a `gc.callbacks` hook, c=32 list
    partial). Frozen after one last collection, they are never walked again. They live as long
    as the worker anyway (modules, URLconf, compiled templates, pools); the cost is that a
    reference cycle among them that became garbage later would not be collected. Interleaved
    runs, 2026-12-07 (`BENCH_ONLY=list_partial,across BENCH_LEVELS=1,32`), without and with:
    c=32 list partial p99 402-498 against 245-311 ms, p95 234-269 against 210-257 ms; All
    workspaces' first rows p50 79.2-81.5 against 77.9-80.1 ms.

    Python's own 5 ms switch interval is kept: a 1 ms one, tried for All workspaces' first rows,
    cost more than it gave once the rows went through templates. Measured on 2026-12-07, runs
    interleaved, 1 ms against 5 ms: c=32 list partial 7.7-8.1 against 7.2-7.4 ms of CPU per
    request (`BENCH_ONLY=list_partial BENCH_LEVELS=32`), first rows p50 79.6-81.8 against
    77.7-78.4 ms (`BENCH_ONLY=across BENCH_LEVELS=1`)."""
    import gc

    from portal.warmup import warm_up

    warm_up()
    gc.collect()
    gc.freeze()


def worker_exit(server, worker):
    """A worker on its way out (recycled after `max_requests`, or stopped by a deploy), its last
    requests answered, abandons the cross-project fan-outs it still runs on daemon threads
    (`workspaces/across/running.py`): their locks are released, so the next request on any
    replica starts them again at once instead of every replica showing them loading until the
    locks expire. Nothing to do in a worker that never imported them."""
    running = sys.modules.get("workspaces.across.running")
    if running is not None:
        running.running_work.abandon_all()


def child_exit(server, worker):
    """A dead worker's counters and histograms are added to the archive files and its own files
    deleted (`portal/metrics_archive.py`): totals never go back, and the files do not pile up."""
    directory = _env("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        from portal.metrics_archive import archive_dead_worker

        try:
            archive_dead_worker(worker.pid, directory)
        except Exception:  # an exception here would stop the master: log it, keep the files
            server.log.exception("Could not archive the metrics files of worker %s", worker.pid)
