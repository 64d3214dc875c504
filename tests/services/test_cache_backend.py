"""portal.cache.RedisCache on a real Redis: Django's backend, reusing one redis-py client."""

from __future__ import annotations

import signal
import threading
import time

import redis

from portal.cache import RedisCache
from tests.services.conftest import REDIS_DB
from tests.services.servers import REDIS_HOST, REDIS_PORT


def _cache(prefix: str) -> RedisCache:
    return RedisCache(
        f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
        {"KEY_PREFIX": prefix, "OPTIONS": {"socket_timeout": 2}},
    )


def test_one_client_serves_every_operation_and_every_thread(services, cache_prefix):
    cache = _cache(cache_prefix)
    client = cache._cache.get_client(write=True)
    assert isinstance(client, redis.Redis)
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=False) is client

    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"k{n}:{i}", {"n": n, "i": i})
                assert cache.get(f"k{n}:{i}") == {"n": n, "i": i}
            assert cache.add(f"lock{n}", 1, 5) is True
            assert cache.add(f"lock{n}", 1, 5) is False
            assert cache.incr(f"lock{n}") == 2
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache._cache.get_client() is client
    assert cache.get_many([f"k{n}:49" for n in range(8)]) == {
        f"k{n}:49": {"n": n, "i": 49} for n in range(8)
    }
    cache.delete_many([f"k{n}:{i}" for n in range(8) for i in range(50)])
    cache.delete_many([f"lock{n}" for n in range(8)])
    assert cache.get("k0:0") is None


def test_every_thread_s_cache_object_shares_the_process_s_pool(services, cache_prefix):
    # Django builds one cache object per thread (`django.core.cache.caches`): each must reuse
    # the process's connections, not open its own (every fan-out thread would otherwise connect).
    first = _cache(cache_prefix)
    first.set("shared", 1)
    pool = first._cache.get_client().connection_pool
    opened = pool._created_connections
    seen: list[object] = []

    def worker() -> None:
        other = _cache(cache_prefix)  # what a new thread gets from `caches["default"]`
        assert other.get("shared") == 1
        seen.append(other._cache.get_client())

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [first._cache.get_client()]
    assert pool._created_connections == opened
    other_options = RedisCache(
        f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}", {"OPTIONS": {"socket_timeout": 3}}
    )
    assert other_options._cache.get_client() is not first._cache.get_client()
    first.delete("shared")


def test_options_holding_an_object_keep_a_pool_per_cache_object(services, cache_prefix):
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    retry = Retry(NoBackoff(), 1)  # its repr names its address: no key to share pools by

    def made() -> RedisCache:
        return RedisCache(
            f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            {"KEY_PREFIX": cache_prefix, "OPTIONS": {"retry": retry}},
        )

    first, second = made(), made()
    assert first._cache.get_client().ping() and second._cache.get_client().ping()
    assert first._cache.get_client() is not second._cache.get_client()
    assert first._cache.get_client() is first._cache.get_client()


def test_a_hung_redis_is_skipped_until_the_retry_delay_ends_then_used_again(
    services, throwaway_redis, settings
):
    """A real Redis stopped with SIGSTOP: the kernel still accepts connections and takes commands,
    nothing answers, and every command waited out the socket timeout. Now one does; the others
    answer at once, until the delay after which the first command asks Redis again."""
    port, process = throwaway_redis
    settings.CACHE_RETRY_AFTER_SECONDS = 1.0
    cache = RedisCache(
        f"redis://127.0.0.1:{port}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}},
    )
    cache.set("kept", "value")

    process.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        timed_out = cache.get("kept")
        first = time.monotonic() - started
        started = time.monotonic()
        skipped = [cache.get("kept"), cache.add("lock", 1), cache.set_many({"a": 1})]
        rest = time.monotonic() - started
    finally:
        process.send_signal(signal.SIGCONT)
    back_within_the_delay = cache.get("kept")
    time.sleep(1.0)
    probe, after = cache.get("kept"), cache.get("kept")

    assert (timed_out, first >= 0.5) == (None, True)
    assert skipped == [None, True, ["a"]]
    assert rest < 0.2, f"{rest:.2f} s for three commands: they still wait for Redis"
    assert back_within_the_delay is None  # skipped: asked again once the delay ends
    assert (probe, after) == ("value", "value")
    assert cache.add("lock", 1) is True and cache.add("lock", 1) is False  # a real lock again
    cache.delete("lock")
