"""Django's Redis cache backend: one redis-py client per connection pool, shared by threads.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache operation, and
each one copies redis-py's table of ~170 response callbacks. Measured on this 2-core machine: a
`cache.get` costs 157 µs of CPU with Django's client and 70 µs with this one (median of 5 x 3,000
gets against a local Redis; Django settings with both backends, `time.process_time`). Every
request makes at least one operation (the session read), so this saves about 0.09 ms of the 6 ms
of CPU a list partial may cost, more on pages that also read cached metrics or rate limits.
A `redis.Redis` is safe to share between threads (connections come from its pool), so this client
keeps one per pool.

A Redis outage degrades the portal instead of failing it (`RedisCache` below): every command
that raises a `redis.RedisError` (refused, timed out, out of memory, read-only replica) is
counted (`portal_cache_errors_total{operation}`), logged at most once a minute per process, and
answered as if the cache were empty and forgetful:

- a read is a miss (`get` returns the default, `get_many` nothing, `has_key` False);
- a write or delete does nothing (`set_many` returns every key as not stored, as Django's API
  says it may, so a caller that needs its write to be shared can tell);
- `incr` and `decr` raise `ValueError`, as for a missing key;
- `add` returns True: its callers use it as a lock (the status metrics' single-flight, the
  cross-project fan-out's job lock, the rate limits' first count), and a lock that cannot be
  taken lets its caller go on without it rather than wait for a holder that does not exist.
  Each caller's docstring says what that means for it.

Sessions are stored in PostgreSQL and only read through the cache (`cached_db`): while Redis is
down they are read from the database, and nobody is signed out.
"""

import logging
import threading
import time
import uuid

from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from redis import RedisError

logger = logging.getLogger("portal.cache")

#: A Redis outage is logged at most once in this many seconds per process (each failed command
#: is counted in `portal_cache_errors_total`).
REPORT_EVERY_SECONDS = 60.0
_reported_at: float | None = None
_report_lock = threading.Lock()

# Django keeps one cache object per thread, and each built its own connection pool: every new
# thread (a gunicorn thread's first request, each thread of a cross-project fan-out) opened its
# own Redis connections. The pools and their clients are the process's instead, one per server
# and OPTIONS (redis-py's pools are thread-safe and reset themselves in a forked worker).
# Measured here: a new thread's first `cache.get` took 0.67 ms (0.54 ms of CPU, a new connection)
# and takes 0.16 ms (0.14 ms); a cold All workspaces starts nine threads (its fan-out's).
_shared: dict[tuple[str, str], tuple[object, object]] = {}
_shared_lock = threading.Lock()
# OPTIONS values that identify a pool by their text (what settings read from the environment).
_PLAIN = (str, int, float, bool, type(None), type)


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._options_key = repr(sorted(options.items()))
        # An object in OPTIONS may print its address: this cache object then keeps its own pool
        # (Django's way) rather than add a pool to the process's for every thread.
        plain = all(isinstance(value, _PLAIN) for value in options.values())
        self._pools_and_clients = _shared if plain else {}

    def _get_connection_pool_and_client(self, write):
        key = (self._servers[self._get_connection_pool_index(write)], self._options_key)
        found = self._pools_and_clients.get(key)
        if found is None:
            with _shared_lock:
                if (found := self._pools_and_clients.get(key)) is None:
                    pool = self._pool_class.from_url(key[0], **self._pool_options)
                    client = self._client(connection_pool=pool)
                    found = self._pools_and_clients[key] = (pool, client)
        return found

    def get_client(self, key=None, *, write=False):
        return self._get_connection_pool_and_client(write)[1]


def _report(operation: str, err: RedisError) -> None:
    """Count a failed command; log the outage once per `REPORT_EVERY_SECONDS` (the error class
    only: redis-py's messages name the server)."""
    global _reported_at
    from portal.metrics import CACHE_ERRORS

    CACHE_ERRORS.labels(operation).inc()
    now = time.monotonic()
    with _report_lock:
        if _reported_at is not None and now - _reported_at < REPORT_EVERY_SECONDS:
            return
        _reported_at = now
    logger.warning(
        "The cache (Redis) failed (%s on %s): until it answers again, reads are misses, writes "
        "are skipped and locks are not taken; nobody is signed out. Logged at most once a "
        "minute; every failure is counted in portal_cache_errors_total.",
        type(err).__name__,
        operation,
    )


class RedisCache(django_redis.RedisCache):
    """Django's Redis backend with shared clients (`RedisCacheClient`), that answers a failed
    command as a miss, a skipped write or a lock not needed (the module docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as err:
            _report("add", err)
            return True

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as err:
            _report("get", err)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as err:
            _report("set", err)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as err:
            _report("touch", err)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as err:
            _report("delete", err)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as err:
            _report("get_many", err)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as err:
            _report("has_key", err)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as err:
            _report("incr", err)
            raise ValueError(f"Key {key!r} could not be read: the cache is not answering.") from err

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as err:
            _report("set_many", err)
            return list(data)

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except RedisError as err:
            _report("delete_many", err)

    def clear(self):
        try:
            return super().clear()
        except RedisError as err:
            _report("clear", err)
            return False

    def roundtrip(self) -> bool:
        """A set, a get and a delete of a throwaway key, raising what Redis raised (the other
        methods never do): `/readyz` reports the error's class. True when the value came back."""
        key = self.make_and_validate_key(f"readyz:{uuid.uuid4().hex}")
        self._cache.set(key, "ok", 10)
        try:
            return self._cache.get(key, None) == "ok"
        finally:
            self._cache.delete(key)

    def prepare(self) -> None:
        """Import redis-py and build the pools and clients; connects to nothing (the first
        command does). A new worker calls this before its first request (`portal.warmup`)."""
        for write in (False, True):
            self._cache.get_client(write=write)
