"""`HarnessClient`: one method per Harness call the portal makes, typed results, typed errors.

Pure Python + requests; no Django. Three Harness API families are involved (contract §1):

- IaCM (Goa), `{base}{iacm_prefix}/...`: account in the `Harness-Account` header; 1-based pages,
  totals in `x-total-items`/`x-total-pages` headers; errors `{name, id, message, ...}`.
- v1 (`/v1/...`): `Harness-Account` header; 0-based pages, total in `X-Total-Elements`;
  errors `{message, code, errors[]}`.
- NextGen (`/ng/api/...`): `accountIdentifier` and `routingId` query parameters; 0-based
  `pageIndex`, page envelope in the body; errors `{status, code, message, correlationId, ...}`.

Callers always count pages from 1; the client converts. The API key goes in `x-api-key` on each
request and nowhere else: not on the shared session, not in a log line, an error or a repr.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import requests

from workspaces.harness import transport, wire
from workspaces.harness.api_accounts import AccountCalls
from workspaces.harness.api_references import ReferenceCalls
from workspaces.harness.api_workspaces import METRICS_TIME_UNITS, WORKSPACE_SORTS, WorkspaceCalls
from workspaces.harness.breaker import breaker_for, check_hold, hold_calls
from workspaces.harness.errors import HarnessError, HarnessUnavailable, HarnessUnreadableAnswer
from workspaces.harness.readers import ShapeError
from workspaces.harness.wire import Reply

__all__ = ["WORKSPACE_SORTS", "HarnessClient", "call_observers", "validate_iacm_prefix"]

logger = logging.getLogger("workspaces.harness")

#: Callables notified after every Harness call with
#: `(route_template, status_or_None, duration_seconds, error_class_name_or_None)`,
#: e.g. `("GET /iacm/api/orgs/{org}/projects/{project}/workspaces", 200, 0.042, None)`.
#: For metrics; they run on the request thread, so keep them cheap.
call_observers: list[Callable[[str, int | None, float, str | None], None]] = []

_MESSAGE_MAX = 2000
_IACM_PREFIX = re.compile(r"(?:/[A-Za-z0-9_-]+)+")
_API_KEY = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no whitespace: safe in a header
# A key's last dot-separated part (its secret) this long or longer is scrubbed on its own too;
# a shorter one could be an ordinary word of a message. Harness's secrets have 20 characters.
_SECRET_MIN = 12


def _key_echoes(api_key: str) -> tuple[str, ...]:
    """What of `api_key` must never stay in a text, longest first: the key, and for a
    `pat.<account>.<token id>.<secret>` key also `<token id>.<secret>` and the secret alone
    (an answer may quote the token without its prefix). A key without dots: only itself."""
    parts = api_key.split(".")
    echoes = [api_key]
    if len(parts) >= 3:
        echoes.append(".".join(parts[-2:]))
    if len(parts) >= 2 and len(parts[-1]) >= _SECRET_MIN:
        echoes.append(parts[-1])
    return tuple(dict.fromkeys(echoes))


def validate_iacm_prefix(prefix: str) -> str:
    """The IaCM API's path prefix without its trailing slash; ValueError for one that is not a
    path of plain segments (no scheme, query or space). The settings check uses it too."""
    prefix = prefix.rstrip("/")
    if not _IACM_PREFIX.fullmatch(prefix):
        raise ValueError("iacm_prefix must be a path such as /iacm/api or /gateway/iacm/api")
    return prefix


class HarnessClient(AccountCalls, WorkspaceCalls, ReferenceCalls):
    """A Harness API client for one account and one API key.

    `timeout` is `(connect, read)` seconds (or one number for both) and applies to every call.
    `session` defaults to the shared pooled session (see `transport.configure_pool`); pass one
    from `transport.build_session()` to isolate a client. `iacm_prefix` is `/iacm/api` (default)
    or `/gateway/iacm/api`. Raises ValueError for an unusable base URL, prefix, key or timeout.

    The calls, one method each, come from one mixin per group of endpoints (`AccountCalls`,
    `WorkspaceCalls`, `ReferenceCalls`); every one of them goes through `_call`.
    """

    def __init__(
        self,
        base_url: str,
        account_id: str,
        api_key: str,
        *,
        timeout: float | tuple[float, float] = (3.05, 10.0),
        session: requests.Session | None = None,
        iacm_prefix: str = "/iacm/api",
        metrics_time_unit: str = "ms",
    ) -> None:
        self.base_url = transport.validate_base_url(base_url)
        if metrics_time_unit not in METRICS_TIME_UNITS:
            raise ValueError("metrics_time_unit must be 'ms' or 's'")
        if not isinstance(account_id, str) or not account_id.strip():
            raise ValueError("account_id is required")
        if not isinstance(api_key, str) or not _API_KEY.fullmatch(api_key):
            raise ValueError("the API key is empty or contains characters a key cannot have")
        iacm_prefix = validate_iacm_prefix(iacm_prefix)
        if isinstance(timeout, int | float):
            timeout = (float(timeout), float(timeout))
        if len(timeout) != 2 or not all(t > 0 for t in timeout):
            raise ValueError("timeout must be (connect, read) seconds, both positive")
        self.account_id = account_id.strip()
        self.iacm_prefix = iacm_prefix
        self.timeout = tuple(timeout)
        self._api_key = api_key
        self._key_echoes = _key_echoes(api_key)
        self._session = session
        self.metrics_time_unit = metrics_time_unit

    def __repr__(self) -> str:
        return f"HarnessClient(base_url={self.base_url!r}, account_id={self.account_id!r})"

    def __reduce__(self):
        raise TypeError("a HarnessClient holds an API key and is not picklable")

    def _scrub(self, text: str) -> str:
        """`text` without the API key or its secret part (see `_key_echoes`), then cut to
        `_MESSAGE_MAX` characters (in that order: a key straddling the cut would no longer be
        found whole, and its start would stay)."""
        for echo in self._key_echoes:
            text = text.replace(echo, "***")
        return text[:_MESSAGE_MAX]

    def _call[T](
        self,
        method: str,
        path_template: str,
        path_params: Mapping[str, str],
        *,
        parse: Callable[[Reply], T],
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
        ng: bool = False,
    ) -> T:
        """Make one HTTP call and parse its answer; every failure becomes a HarnessError.

        A Retry-After Harness answered with holds the account's calls (`breaker.hold_calls`):
        until it has passed they raise HarnessRateLimited at once. The circuit breaker of the
        route, account, org and project is settled whatever the outcome: HarnessUnavailable
        counts as a failure; a result and any other HarnessError (Harness answered),
        HarnessUnreadableAnswer included (the data is the problem, not Harness), as a success;
        anything else (a programming error) as neither, but it still releases the trial call.
        """
        route = f"{method} {path_template}"
        path = path_template.format(
            **{name: wire.segment(value, name) for name, value in path_params.items()}
        )
        headers = {"x-api-key": self._api_key}
        params = list(query)
        if ng:
            params += [("accountIdentifier", self.account_id), ("routingId", self.account_id)]
        else:
            headers["Harness-Account"] = self.account_id
        session = self._session or transport.shared_session()
        named = dict(params)  # an NG call names its org and project in the query
        breaker = breaker_for(
            self.base_url,
            route,
            account=self.account_id,
            org=path_params.get("org") or named.get("orgIdentifier", ""),
            project=path_params.get("project") or named.get("projectIdentifier", ""),
        )
        status: int | None = None
        error_name: str | None = None
        started = time.perf_counter()
        try:
            check_hold(self.base_url, self.account_id)  # a Retry-After not yet passed
            trial = breaker.before_call()
            try:
                response = self._send(session, method, path, route, params, headers, body)
                status = response.status_code
                reply = wire.read_reply(response, route, self._scrub)
                try:
                    result = parse(reply)
                except ShapeError as err:  # its text may quote a value of the answer
                    detail = self._scrub(str(err))
                    raise HarnessUnreadableAnswer(
                        f"Unexpected response from Harness ({route}): {detail}",
                        status=status,
                        request_id=reply.request_id,
                    ) from ShapeError(detail)
            except HarnessUnreadableAnswer:
                breaker.record_success()  # Harness answered; one record holds what we refuse
                raise
            except HarnessUnavailable:
                breaker.record_failure()
                raise
            except HarnessError:
                breaker.record_success()  # Harness answered; the request itself was refused
                raise
            except BaseException:
                # Not an outage (a bug, or the worker being stopped), but the trial must end.
                if trial:
                    breaker.release_trial()
                raise
            breaker.record_success()
            return result
        except BaseException as err:
            error_name = type(err).__name__
            if isinstance(err, HarnessError) and err.status is not None and err.retry_after:
                hold_calls(
                    self.base_url, self.account_id, seconds=err.retry_after, status=err.status
                )
            raise
        finally:
            self._record(route, status, time.perf_counter() - started, error_name)

    def _send(
        self,
        session: requests.Session,
        method: str,
        path: str,
        route: str,
        params: list[tuple[str, str]],
        headers: dict[str, str],
        body: Any,
    ) -> requests.Response:
        """Send one request; `requests` exceptions become HarnessUnavailable."""
        try:
            return transport.send(
                session,
                method,
                self.base_url + path,
                params=params,
                body=body,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.Timeout as err:
            raise HarnessUnavailable(f"Harness did not answer in time ({route})") from err
        except transport.AnswerTooLarge as err:
            raise HarnessUnavailable(f"Harness's answer was {err} ({route})") from err
        except requests.ConnectionError as err:
            raise HarnessUnavailable(f"Could not connect to Harness ({route})") from err
        except requests.RequestException as err:
            raise HarnessUnavailable(
                f"The request to Harness failed: {type(err).__name__} ({route})"
            ) from err

    @staticmethod
    def _record(route: str, status: int | None, seconds: float, error_name: str | None) -> None:
        duration_ms = round(seconds * 1000, 1)
        logger.debug(
            "Harness %s -> %s in %.1f ms",
            route,
            status if status is not None else error_name,
            duration_ms,
            extra={"harness_route": route, "harness_status": status, "duration_ms": duration_ms},
        )
        for observer in list(call_observers):
            try:
                observer(route, status, seconds, error_name)
            except Exception:
                # A broken metrics hook must not turn a good Harness answer into a failure.
                logger.exception("Harness call observer %r failed", observer)
