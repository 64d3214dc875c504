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

A hung Redis (overloaded, or behind a network partition) does not refuse: each command waits for
the socket timeout (`REDIS_CONNECT_TIMEOUT`, 1 s, or `REDIS_TIMEOUT`, 2 s), and a page makes
several. So after a command that timed out or was refused (`redis.ConnectionError`,
`redis.TimeoutError`), the process stops asking that Redis (`CacheBreaker`, one per server and
process, shared by its threads): for `CACHE_RETRY_AFTER_SECONDS` every command is answered as
above without being sent, and counted (`portal_cache_errors_total{result="skipped"}`; a command
Redis failed is `result="failed"`). Then the first command asks Redis again, alone; if Redis
answers, every command does again. Errors Redis answers with (out of memory, a read-only replica)
cost no wait and pause nothing. `roundtrip` (`/readyz`) always asks Redis.

Deletes are always sent (`delete`, `delete_many`), even while Redis is being skipped: Redis may
be up and still hold what must go. Sessions are read from Redis first, so a sign-out (`flush`)
whose delete was skipped removed the database row only, and the copy in Redis kept the
signed-out cookie signed in once Redis was asked again, until the session expired. Signing in
(and changing one's password) replaces the session key (`cycle_key`), which also deletes the old
one through `delete`. A delete Redis fails is handled like any other failed command (counted,
logged, no exception): a sign-out while Redis hangs or is cut off, and keeps its data, leaves its
copy valid until the session expires (`SESSION_COOKIE_AGE` at most). A skipped `set` writes
nothing, so it can only leave an older copy of a session that is still valid (with an older SSO
groups digest, which recomputes the groups from the header, or older refused-action hints):
nothing that signs anyone in. Deletes are rare (sign-outs, sign-ins, a released lock), so
sending them costs little while Redis hangs: a sign-out then waits for the socket timeout.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from redis import ConnectionError as RedisConnectionError
from redis import RedisError
from redis import TimeoutError as RedisTimeoutError

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


def _count(operation: str, result: str) -> None:
    from portal.metrics import CACHE_ERRORS

    CACHE_ERRORS.labels(operation, result).inc()


def _report(operation: str, err: RedisError) -> None:
    """Count a failed command; log the outage once per `REPORT_EVERY_SECONDS` (the error class
    only: redis-py's messages name the server)."""
    global _reported_at
    _count(operation, "failed")
    now = time.monotonic()
    with _report_lock:
        if _reported_at is not None and now - _reported_at < REPORT_EVERY_SECONDS:
            return
        _reported_at = now
    logger.warning(
        "The cache (Redis) failed (%s on %s): until it answers again, reads are misses, writes "
        "are skipped and locks are not taken; nobody is signed out. After a timeout or a refusal "
        "Redis is not asked for CACHE_RETRY_AFTER_SECONDS. Logged at most once a minute; every "
        "failure and skipped command is counted in portal_cache_errors_total.",
        type(err).__name__,
        operation,
    )


class CacheBreaker:
    """The process's memory that one Redis did not answer (module docstring, "A hung Redis").

    Closed, every command asks Redis. After a command that timed out or was refused
    (`record_failure`), `allow` says no for `retry_after` seconds; then it lets one command
    through, the probe, and says no to the others while it runs (they answer at once rather than
    wait with it). Any answer from Redis (`record_answer`: the probe's, or that of a command sent
    before the failure) closes it; a failed probe skips Redis for another `retry_after` seconds.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failed_at: float | None = None
        self._probing = False

    def allow(self, retry_after: float) -> bool:
        """True: send this command to Redis (if it is the probe, settle it with `record_failure`,
        `record_answer` or `release_probe`); False: answer it without Redis."""
        if self._failed_at is None or retry_after <= 0:  # without the lock: the common case
            return True
        with self._lock:
            if self._failed_at is None:
                return True
            if self._probing or self._clock() - self._failed_at < retry_after:
                return False
            self._probing = True
            return True

    def record_failure(self) -> None:
        with self._lock:
            self._failed_at = self._clock()
            self._probing = False

    def record_answer(self) -> None:
        if self._failed_at is None:
            return
        with self._lock:
            self._failed_at = None
            self._probing = False

    def release_probe(self) -> None:
        """The probe ended without a word from Redis: the next command probes instead."""
        with self._lock:
            self._probing = False


_breakers: dict[tuple[str, ...], CacheBreaker] = {}


def breaker_for(servers: list[str]) -> CacheBreaker:
    """The process's breaker for a cache's servers (every thread's cache object shares it)."""
    key = tuple(servers)
    with _shared_lock:
        return _breakers.setdefault(key, CacheBreaker())


def reset_cache_breakers() -> None:
    """Close every breaker: forget every Redis that did not answer (tests)."""
    with _shared_lock:
        breakers = list(_breakers.values())
    for breaker in breakers:
        breaker.record_answer()


_UNANSWERED = object()


class RedisCache(django_redis.RedisCache):
    """Django's Redis backend with shared clients (`RedisCacheClient`), that answers a failed
    command as a miss, a skipped write or a lock not needed, and skips Redis for a while after
    it did not answer (the module docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        self.breaker = breaker_for(self._servers)

    def _ask(self, operation: str, unanswered, command, *args, always: bool = False):
        """`command(*args)`, or `unanswered` when Redis failed it or is being skipped (never
        skipped when `always`: a delete, module docstring "Deletes are always sent")."""
        breaker = self.breaker
        if not always and not breaker.allow(settings.CACHE_RETRY_AFTER_SECONDS):
            _count(operation, "skipped")
            return unanswered
        try:
            answer = command(*args)
        except (RedisConnectionError, RedisTimeoutError) as err:
            breaker.record_failure()
            _report(operation, err)
            return unanswered
        except RedisError as err:  # Redis answered, with an error (out of memory, read-only)
            breaker.record_answer()
            _report(operation, err)
            return unanswered
        except BaseException:  # nothing learnt about Redis (a value that cannot be pickled)
            if not always:  # a delete is never the probe
                breaker.release_probe()
            raise
        breaker.record_answer()
        return answer

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._ask("add", True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._ask("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._ask("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._ask("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._ask("delete", False, super().delete, key, version, always=True)

    def get_many(self, keys, version=None):
        return self._ask("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._ask("has_key", False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        answer = self._ask("incr", _UNANSWERED, super().incr, key, delta, version)
        if answer is _UNANSWERED:
            raise ValueError(f"Key {key!r} could not be read: the cache is not answering.")
        return answer

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._ask("set_many", list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._ask("delete_many", None, super().delete_many, keys, version, always=True)

    def clear(self):
        return self._ask("clear", False, super().clear)

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
