"""HTTP plumbing for the Harness client: the shared pooled session, retries, base-URL rules.

The shared `requests.Session` carries no credentials: the API key and account travel as
per-request headers, so one pool serves every user. It refuses cookies (a Harness cookie must
never bind one user's requests to another's), ignores proxy/netrc environment variables
(`trust_env=False`: a `.netrc` must not add credentials, nor a proxy variable reroute the key),
and retries only GETs, briefly, on 502/503/504 (without a Retry-After) and dropped connections.

Each call has a budget of connect + read timeout, retries included (`send`): a retry is made
only while a whole read timeout is still left, every attempt connects and waits within the time
left, and the body is read within it too (however slowly it comes), so one call never takes much
longer than one attempt could. A body larger than `MAX_BODY_BYTES` is refused, not read.

The body is read as its bytes arrive and unpacked here (`read_body`; the client asks for gzip
only, `ACCEPT_ENCODING`), so no wait for its bytes reaches past the deadline. What http.client
reads a line at a time is bounded per wait, not in all: the status line and headers, and a
chunked answer's framing (each chunk's size line, the trailer), where each wait for bytes may
take what was left of the budget when that read began. A server sending those a byte at a
time, each just within the wait, can hold a call past its budget (measured: a 100-byte chunk
size line at a byte every 0.05 s, 5.2 s on a 1.5 s budget). A timer closing the socket at the
deadline would cover them, but starting a thread per call cost 13 % of a list call's CPU (185
of 1,373 us).
"""

from __future__ import annotations

import ipaddress
import os
import threading
import time
import zlib
from contextvars import ContextVar
from http.cookiejar import DefaultCookiePolicy
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    DecodeError,
    HTTPError,
    MaxRetryError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.util.retry import Retry
from urllib3.util.timeout import Timeout

__all__ = [
    "ACCEPT_ENCODING",
    "DEFAULT_POOL_MAXSIZE",
    "MAX_BODY_BYTES",
    "AnswerTooLarge",
    "CallTimeout",
    "build_session",
    "configure_ca_bundle",
    "configure_pool",
    "retry_policy",
    "send",
    "shared_session",
    "validate_base_url",
]

DEFAULT_POOL_MAXSIZE = 32
RETRY_STATUSES = (502, 503, 504)
#: The largest body read, decoded (a gzip answer counts as it unpacks). Harness's largest answer
#: the portal asks for, a page of 1,000 workspaces, is about 0.2 MB from the fake.
MAX_BODY_BYTES = 8 * 1024 * 1024
_CHUNK = 64 * 1024
#: The one content coding asked for, and unpacked by `read_body` (RFC 9110 8.4.1.3). Harness's
#: own SDK asks for the same: harness-go-sdk (harness/nextgen/client.go) calls Harness through
#: go-retryablehttp on Go's http.Transport, which sends `Accept-Encoding: gzip` and unpacks it.
ACCEPT_ENCODING = "gzip"
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # zlib's window size for a gzip header and trailer


class AnswerTooLarge(requests.RequestException):
    """The body is larger than `MAX_BODY_BYTES`; it was not read."""


class RejectAllCookies(DefaultCookiePolicy):
    """A cookie policy that neither stores nor sends any cookie."""

    def set_ok(self, cookie, request) -> bool:
        return False

    def return_ok(self, cookie, request) -> bool:
        return False


class _Budget(NamedTuple):
    deadline: float  # time.monotonic() by which the call must end
    attempt_needs: float  # the time left below which another attempt is not made


#: The budget of the call this thread is sending (set by `send`; urllib3's retries run inside it).
_budget: ContextVar[_Budget | None] = ContextVar("harness_call_budget", default=None)

#: The smallest connect timeout given (0 would make the socket non-blocking, not "no time").
_MIN_CONNECT = 0.001


class CallTimeout(Timeout):
    """A urllib3 `Timeout` that never reaches past the call's `deadline`: every attempt (urllib3
    retries reuse the timeout) connects within min(connect, time left) and waits for the answer
    within min(read, time left). With no time left the read timeout is 0, which urllib3 raises at
    once as its read timeout. (As for any read timeout, it bounds each wait for bytes, not a body
    that trickles in: `read_body` bounds that.)"""

    def __init__(self, *, connect: float, read: float, deadline: float) -> None:
        super().__init__(connect=connect, read=read)
        self.deadline = deadline

    def clone(self) -> CallTimeout:
        return CallTimeout(connect=self._connect, read=self._read, deadline=self.deadline)

    @property
    def connect_timeout(self) -> float:
        return max(_MIN_CONNECT, min(self._connect, self.deadline - time.monotonic()))

    @property
    def read_timeout(self) -> float:
        return max(0.0, min(self._read, self.deadline - time.monotonic()))


class _GetRetry(Retry):
    """urllib3 `Retry` that never retries a read timeout, nor anything once the call's budget
    (`send`) has less than an attempt could need left after the backoff.

    A read timeout means Harness has the request and is slow: asking again doubles the user's wait
    and Harness's load. Dropped connections (often a stale pooled socket) and 502/503/504 are still
    retried for GETs; connection failures (nothing was sent) for any method. A retry given up for
    lack of time ends the call as running out of retries does: with the 5xx answer, or the error.
    An answer with a Retry-After is never retried: Harness said when to ask again, and the client
    keeps the account from asking before then (`breaker.check_hold`).
    """

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        return not has_retry_after and super().is_retry(method, status_code, has_retry_after)

    def increment(
        self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None
    ):
        if isinstance(error, ReadTimeoutError):
            raise error.with_traceback(_stacktrace)
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        budget = _budget.get()
        if budget is not None:
            left = budget.deadline - time.monotonic() - retry.get_backoff_time()
            if left < budget.attempt_needs:
                reason = error or ResponseError(
                    f"too little time left for another attempt after HTTP {response.status}"
                    if response is not None
                    else "too little time left for another attempt"
                )
                raise MaxRetryError(_pool, url, reason) from error
        return retry


def retry_policy() -> Retry:
    return _GetRetry(
        total=2,
        backoff_factor=0.05,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=False,
        raise_on_status=False,
        raise_on_redirect=False,
    )


def build_session(
    *, pool_maxsize: int = DEFAULT_POOL_MAXSIZE, ca_bundle: str = ""
) -> requests.Session:
    """A new session with the client's rules (pool size, retries, no cookies, no env).

    `ca_bundle` is the path of a PEM file of the CAs whose certificates Harness's may be signed
    by (a self-managed Harness behind a company CA), the session's `verify`; "" trusts the
    default CAs (certifi's). `trust_env=False` drops REQUESTS_CA_BUNDLE: this is the only way.
    """
    if pool_maxsize < 1:
        raise ValueError("pool_maxsize must be at least 1")
    if ca_bundle and not os.path.isfile(ca_bundle):
        raise ValueError(f"the CA bundle {ca_bundle} is not a file")
    session = requests.Session()
    session.trust_env = False
    session.verify = ca_bundle or True
    session.cookies.set_policy(RejectAllCookies())
    session.headers["User-Agent"] = "workspace-portal-harness-client/1"
    session.headers["Accept"] = "application/json, application/vnd.goa.error"
    session.headers["Accept-Encoding"] = ACCEPT_ENCODING
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_maxsize, max_retries=retry_policy())
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


_lock = threading.Lock()
_shared: requests.Session | None = None
_shared_options: dict[str, Any] = {"pool_maxsize": DEFAULT_POOL_MAXSIZE, "ca_bundle": ""}


def shared_session() -> requests.Session:
    """The process-wide pooled session (created on first use)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = build_session(**_shared_options)
        return _shared


def configure_pool(maxsize: int) -> requests.Session:
    """Replace the shared session with one whose per-host pool holds `maxsize` connections.

    Call it at start-up (e.g. with the number of gunicorn threads); requests in flight on the old
    session finish on it.
    """
    return _configure_shared(pool_maxsize=maxsize)


def configure_ca_bundle(path: str) -> requests.Session:
    """Replace the shared session with one trusting the CAs of the PEM file at `path` ("" : the
    default CAs); see `build_session`. Called at start-up with HARNESS_CA_BUNDLE."""
    return _configure_shared(ca_bundle=path)


def _configure_shared(**changes: Any) -> requests.Session:
    global _shared
    with _lock:
        options = {**_shared_options, **changes}
        session = build_session(**options)  # raises ValueError before anything changes
        _shared_options.update(options)
        _shared = session
    return session


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    params: list[tuple[str, str]],
    headers: dict[str, str],
    body: Any = None,
    timeout: tuple[float, float],
) -> requests.Response:
    """One request through `session`, with everything the session says: its pool and GET-only
    retries, its cookie policy (refuse all) and `trust_env=False` (no proxy or .netrc from the
    environment). A redirect is returned, never followed. The body is read before this returns
    (`read_body`). Raises what `Session.request` raises, and AnswerTooLarge.

    `timeout` is (connect, read) seconds, and their sum is the budget of the whole call: a retry
    is made only while a whole read timeout is left, each attempt gets the time left
    (`CallTimeout`), and so does the body, so a call ends within about connect + read seconds,
    retries included.
    """
    connect, read = timeout
    deadline = time.monotonic() + connect + read
    token = _budget.set(_Budget(deadline=deadline, attempt_needs=read))
    try:
        response = session.request(
            method,
            url,
            params=params,
            headers=headers,
            json=body,
            timeout=CallTimeout(connect=connect, read=read, deadline=deadline),
            allow_redirects=False,
            stream=True,
        )
    finally:
        _budget.reset(token)
    read_body(response, deadline)
    return response


def read_body(response: requests.Response, deadline: float) -> None:
    """Read `response`'s body into `response.content` by `deadline` (time.monotonic()), or raise
    requests.ReadTimeout; a body over `MAX_BODY_BYTES` (unpacked) raises AnswerTooLarge, one that
    cannot be unpacked ContentDecodingError. Then the connection is closed, never pooled half-read.

    `read1` returns what has arrived (`iter_content` would wait for a whole chunk), as it came
    (urllib3 unpacking gzip would read on until its decoder gave something, each wait given the
    whole time left), so a body trickling in is stopped at the deadline, and each wait for bytes
    is bounded by the time left (but see the module docstring on chunked framing).
    """
    raw = response.raw
    try:
        if (raw.length_remaining or 0) > MAX_BODY_BYTES:  # its Content-Length
            raise AnswerTooLarge(f"larger than {MAX_BODY_BYTES >> 20} MB")
        body = _Body(response.headers.get("Content-Encoding", ""))
        while data := _read_some(raw, deadline):
            body.add(data)
        content = body.content()
    except BaseException as err:
        response.close()
        for low_error, requests_error in _AS_REQUESTS_ERROR:  # as `iter_content` maps them
            if isinstance(err, low_error):
                raise requests_error(err) from err
        raise
    response._content = content  # what `Response.content` returns, as requests sets it
    response._content_consumed = True
    response.close()  # back to the pool: the body was read to its end


_AS_REQUESTS_ERROR = (
    (ReadTimeoutError, requests.ReadTimeout),
    (DecodeError, requests.exceptions.ContentDecodingError),
    (zlib.error, requests.exceptions.ContentDecodingError),
    (HTTPError, requests.ConnectionError),
)


class _Body:
    """A body as its bytes arrive, unpacked if gzip (`ACCEPT_ENCODING`), within MAX_BODY_BYTES."""

    def __init__(self, coding: str) -> None:
        coding = coding.strip().lower()
        if coding not in ("", "identity", "gzip", "x-gzip"):  # x-gzip: RFC 9110 8.4.1.3
            raise requests.exceptions.ContentDecodingError(f"a {coding} answer (not asked for)")
        self._gzip = zlib.decompressobj(_GZIP_WBITS) if "gzip" in coding else None
        self._chunks: list[bytes] = []
        self._size = 0

    def add(self, data: bytes) -> None:
        room = MAX_BODY_BYTES - self._size
        if self._gzip is not None:
            data = self._gunzip(data, room)
        if len(data) > room:
            raise AnswerTooLarge(f"larger than {MAX_BODY_BYTES >> 20} MB")
        self._chunks.append(data)
        self._size += len(data)

    def _gunzip(self, data: bytes, room: int) -> bytes:
        """`data` unpacked: at most `room` + 1 bytes (more is too large either way), across gzip
        members (RFC 1952 2.2: a gzip file is one or more members, one after the other)."""
        unpacked = b""
        while True:
            unpacked += self._gzip.decompress(data, room + 1 - len(unpacked))
            if len(unpacked) > room or not (self._gzip.eof and self._gzip.unused_data):
                return unpacked
            data, self._gzip = self._gzip.unused_data, zlib.decompressobj(_GZIP_WBITS)

    def content(self) -> bytes:
        if self._gzip is not None and self._chunks and not self._gzip.eof:
            raise requests.exceptions.ContentDecodingError("the gzip answer ended early")
        return b"".join(self._chunks)


def _read_some(raw, deadline: float) -> bytes:
    """What of the body has arrived (up to `_CHUNK` bytes, as sent), waiting at most until
    `deadline`; b"" at its end."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise requests.ReadTimeout("the answer did not arrive within the call's budget")
    if (sock := getattr(raw.connection, "sock", None)) is not None:
        sock.settimeout(left)
    return raw.read1(_CHUNK, decode_content=False)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_base_url(url: str) -> str:
    """Check a Harness base URL and return it without a trailing slash.

    https is required; plain http is accepted only for a loopback host (127.0.0.0/8, ::1,
    localhost), i.e. the fake Harness in development. User info, query and fragment are refused.
    Raises ValueError.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError("the Harness base URL is empty")
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError for a malformed port
    except ValueError as err:
        raise ValueError(f"the Harness base URL is malformed: {err}") from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise ValueError("the Harness base URL must start with https://")
    if not host:
        raise ValueError("the Harness base URL has no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("the Harness base URL must not contain credentials")
    if parts.query or parts.fragment:
        raise ValueError("the Harness base URL must not have a query or fragment")
    if scheme == "http" and not _is_loopback(host):
        raise ValueError(
            "the Harness base URL must use https (plain http only for 127.0.0.1, ::1 or localhost)"
        )
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
