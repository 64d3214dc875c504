"""The client's wire plumbing: path and paging rules, answers decoded, error bodies mapped.

Harness's three API families page and fail differently (see `client.py`): v1 and NG pages become
`Page`, IaCM's totals come from headers; a 4xx/5xx body of any family becomes the matching
`HarnessError` subclass, with Harness's message, the field a validation error names and the request
id, never the API key (every text passes through the caller's `scrub`).

Harness's JSON is not trusted: `decode_json` refuses what the portal could not hold or show (see
there), and an answer it refuses becomes HarnessUnreadableAnswer ("Harness sent an answer we
could not read").
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from workspaces.harness.errors import (
    FieldError,
    HarnessConflict,
    HarnessError,
    HarnessForbidden,
    HarnessNotFound,
    HarnessRateLimited,
    HarnessRefused,
    HarnessUnauthorized,
    HarnessUnavailable,
    HarnessUnreadableAnswer,
    HarnessValidationError,
)
from workspaces.harness.readers import ShapeError, parse_items
from workspaces.harness.search_terms import literal_search_term
from workspaces.harness.types import Page, PolicyEvaluation

MAX_LIMIT = 1000
#: The longest request id kept (the audit trail's column); Harness's are far shorter.
REQUEST_ID_MAX = 128
#: The longest Retry-After honoured, in seconds: the account's calls wait that long at most
#: (`breaker.check_hold`), so a bogus header cannot lock an account out for a day.
MAX_RETRY_AFTER = 300.0

UNREADABLE = "Harness sent an answer we could not read"
NOT_FROM_HARNESS_404 = (
    "HTTP 404 without a Harness error body (a proxy or gateway in front of Harness may have "
    "answered it)"
)
#: Deeper than any Harness answer (about 8 levels); far below Python's recursion limit.
MAX_DEPTH = 64
#: int64 and uint64 need at most 20 digits; Harness (Go and Java) sends nothing longer.
MAX_INT_DIGITS = 20
#: Lone UTF-16 surrogates (valid as JSON escapes, not as text: UTF-8 encoding and PostgreSQL
#: refuse them) and NUL (PostgreSQL text and jsonb refuse it).
UNREPRESENTABLE = re.compile("[\x00\ud800-\udfff]")
#: How such a string can appear in a body: a `\u0000` or `\ud800`-`\udfff` escape, or the raw
#: bytes of a surrogate (json.loads decodes bytes with "surrogatepass"). Raw NUL is not JSON.
SUSPECT_TEXT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})|\xed[\xa0-\xbf]")

MISSING_FIELD = re.compile(r'"([^"]+)" is missing from body((?:\.[A-Za-z0-9_]+|\[[^\]\s]*\])*)')
BODY_FIELD = re.compile(r"\bbody((?:\.[A-Za-z0-9_]+|\[[^\]\s]*\])+)")

GENERIC_MESSAGES = {
    400: "Harness rejected the request",
    401: "Harness did not accept the API key",
    403: "The API key is not allowed to do this in Harness",
    404: "Not found in Harness",
    409: "Harness reported a conflict",
    423: "The workspace is locked in Harness",
    429: "Harness is rate limiting requests; try again shortly",
}


@dataclass(frozen=True, slots=True)
class Reply:
    """A 2xx answer: its status, headers, decoded JSON body (None when empty) and request id."""

    status: int
    headers: Mapping[str, str]
    data: Any
    request_id: str | None


def segment(value: str, what: str) -> str:
    """A path parameter, percent-encoded; dot segments are refused (urllib3 would resolve them)."""
    if not isinstance(value, str) or not value or value in {".", ".."}:
        raise ValueError(f"invalid {what}: {value!r}")
    return quote(value, safe="")


def check_paging(page: int, limit: int) -> None:
    if page < 1:
        raise ValueError("page is 1-based")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")


def header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def validation_field(message: str) -> str | None:
    """The body field a Goa validation message names, e.g. `identifier`. A field of a nested
    named type (a variable's `value_type`) is named alone, in the context "body" (Goa validates
    such a type with its own function: goadesign/goa `codegen/validation.go`): which variable it
    concerns is for the caller to find (`wizard.nested_refusal`)."""
    match = MISSING_FIELD.search(message)
    if match:
        container = match.group(2).lstrip(".")
        return f"{container}.{match.group(1)}" if container else match.group(1)
    match = BODY_FIELD.search(message)
    if match:
        return match.group(1).lstrip(".")
    return None


# --- pages ---------------------------------------------------------------------------------


def v1_paging(page: int, limit: int, search: str) -> list[tuple[str, str]]:
    """The query of a v1 org or project list, sorted by name: 0-based `page`, `search_term`
    (`search` as literal text: Harness reads the term as a regex, `literal_search_term`)."""
    query = [("page", str(page - 1)), ("limit", str(limit)), ("sort", "name"), ("order", "ASC")]
    if search:
        query.append(("search_term", literal_search_term(search)))
    return query


def ng_paging(org: str, project: str, page: int, limit: int) -> list[tuple[str, str]]:
    """The query of an NG list at a project's scope: 0-based `pageIndex`, `pageSize`."""
    return [
        ("orgIdentifier", org),
        ("projectIdentifier", project),
        ("pageIndex", str(page - 1)),
        ("pageSize", str(limit)),
    ]


def v1_page[T](reply: Reply, page: int, limit: int, parse: Callable[[Any], T]) -> Page[T]:
    """A v1 list: an array body, the total in `X-Total-Elements`."""
    items = parse_items(reply.data, "list", parse)
    return Page.build(
        items,
        page=page,
        limit=limit,
        total_items=header_int(reply.headers, "x-total-elements"),
    )


def ng_page[T](reply: Reply, page: int, limit: int, parse: Callable[[Any], T]) -> Page[T]:
    """An NG list: `{"data": {"content": [...], "totalItems", "totalPages"}}`."""
    if not isinstance(reply.data, dict) or not isinstance(reply.data.get("data"), dict):
        raise ShapeError("expected an NG page envelope")
    data = reply.data["data"]
    items = parse_items(data.get("content") or [], "content", parse)
    total_items = data.get("totalItems")
    total_pages = data.get("totalPages")
    if not isinstance(total_items, int) or isinstance(total_items, bool):
        total_items = None
    if not isinstance(total_pages, int) or isinstance(total_pages, bool):
        total_pages = None
    return Page.build(
        items, page=page, limit=limit, total_items=total_items, total_pages=total_pages
    )


def strings(data: Any, what: str) -> list[str]:
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
        raise ShapeError(f"{what}: expected an array of strings")
    return list(data)


# --- answers and errors --------------------------------------------------------------------


class UnreadableBody(ValueError):
    """A body `decode_json` refuses; the client turns it into HarnessUnavailable."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise UnreadableBody(f"a number of {len(text)} digits")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnreadableBody(f"a number out of range: {text[:40]}")
    return value


def _no_constant(text: str) -> float:
    raise UnreadableBody(f"{text} is not JSON")


def _refuse_text(text: str) -> None:
    if UNREPRESENTABLE.search(text):
        raise UnreadableBody("a string with a lone surrogate or NUL")


def _check_tree(data: Any, *, strings: bool) -> None:
    """Refuse containers nested deeper than `MAX_DEPTH` and (with `strings`) unrepresentable
    strings and keys. Iterative, so neither depth nor size can exhaust the stack here."""
    if strings and isinstance(data, str):
        _refuse_text(data)
    pending: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    while pending:
        container, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise UnreadableBody(f"nested deeper than {MAX_DEPTH}")
        if isinstance(container, dict):
            if strings:
                for key in container:
                    _refuse_text(key)
            container = container.values()
        for item in container:
            if isinstance(item, dict | list):
                pending.append((item, depth + 1))
            elif strings and isinstance(item, str):
                _refuse_text(item)


def decode_json(content: bytes) -> Any:
    """`content` decoded as JSON, or UnreadableBody when the portal could not use it safely:
    not UTF-8 JSON (truncated, HTML, empty), nested deeper than `MAX_DEPTH` (the decoder or any
    later walk would hit Python's recursion limit), integers longer than `MAX_INT_DIGITS`,
    non-finite numbers (`1e999`, `NaN`), or a string or key holding a lone surrogate or NUL.
    """
    try:
        data = json.loads(
            content,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_no_constant,
        )
    except RecursionError as err:
        raise UnreadableBody("nested too deeply") from err
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError, the hooks' refusals
        raise UnreadableBody(str(err)[:200]) from err
    # Only a body with a suspect escape or byte can hold a lone surrogate or NUL in a string.
    _check_tree(data, strings=SUSPECT_TEXT.search(content) is not None)
    return data


def read_reply(response: requests.Response, route: str, scrub: Callable[[str], str]) -> Reply:
    """The decoded 2xx answer; raises the HarnessError a 3xx (never followed), 4xx or 5xx stands
    for, or HarnessUnavailable ("Harness sent an answer we could not read") for a body
    `decode_json` refuses."""
    status = response.status_code
    request_id = request_id_of(response.headers.get("x-request-id"), scrub)
    if 300 <= status < 400:
        raise HarnessUnavailable(
            f"Harness answered with a redirect, which is not followed ({route})",
            status=status,
            request_id=request_id,
        )
    if not 200 <= status < 300:
        raise error_from(response, request_id, scrub)
    data = None
    if status != 204 and response.content.strip():
        try:
            data = decode_json(response.content)
        except UnreadableBody as err:
            raise HarnessUnreadableAnswer(UNREADABLE, status=status, request_id=request_id) from err
    return Reply(status=status, headers=response.headers, data=data, request_id=request_id)


def request_id_of(value: str | None, scrub: Callable[[str], str]) -> str | None:
    """A request id as errors and the audit trail keep it: scrubbed of the API key (a proxy may
    echo headers), at most `REQUEST_ID_MAX` characters; None for none."""
    if not value:
        return None
    return scrub(value)[:REQUEST_ID_MAX]


def retry_after_seconds(value: str) -> float | None:
    """A Retry-After header's delay in whole seconds (ASCII digits, RFC 9110 section 10.2.3),
    at most `MAX_RETRY_AFTER` however many digits it has (`float` makes a huge one `inf`, never
    an error); None for anything else: an HTTP date, "1.5", "-1", "²" (which `str.isdigit`
    accepts and `float` refuses)."""
    value = value.strip()
    return min(float(value), MAX_RETRY_AFTER) if re.fullmatch(r"[0-9]+", value) else None


def error_from(
    response: requests.Response, request_id: str | None, scrub: Callable[[str], str]
) -> HarnessError:
    """The HarnessError for a 4xx/5xx answer, from whichever error family's body it has;
    `scrub` takes the API key out of every text of Harness's kept (message, request id, error
    name, field names and messages) and shortens it. `request_id` is the header's, scrubbed."""
    status = response.status_code
    try:
        body = decode_json(response.content) if response.content.strip() else None
    except UnreadableBody:
        body = None  # HTML error pages from a proxy, truncated bodies, ...: the status decides
    if not isinstance(body, dict):
        body = {}

    def text(key: str) -> str:
        value = body.get(key)
        return value if isinstance(value, str) else ""

    def array(key: str) -> list:
        value = body.get(key)
        return value if isinstance(value, list) else []

    is_goa = "vnd.goa.error" in response.headers.get("content-type", "") or (
        "fault" in body or "temporary" in body
    )
    if text("correlationId"):
        request_id = request_id_of(text("correlationId"), scrub)
    elif is_goa and text("id"):
        request_id = request_id_of(text("id"), scrub)
    name = text("name") if is_goa else text("code")
    message = text("message") or text("detailedMessage")
    field_errors: list[FieldError] = []
    for item in array("errors"):
        if isinstance(item, dict):
            field = item.get("field_name") or item.get("fieldId")
            problem = item.get("message") or item.get("error")
            if isinstance(field, str) and field:
                field_errors.append(
                    FieldError(scrub(field), scrub(problem if isinstance(problem, str) else ""))
                )
    if not message:
        for item in array("responseMessages"):
            if isinstance(item, dict) and isinstance(item.get("message"), str):
                message = item["message"]
                break
    if not message:
        if status in GENERIC_MESSAGES:
            message = GENERIC_MESSAGES[status]
        elif status >= 500:
            message = f"Harness is unavailable (HTTP {status})"
        else:
            message = f"Harness answered HTTP {status}"
    message = scrub(message)
    common = {"status": status, "request_id": request_id, "name": scrub(name) or None}

    if status in (400, 422):
        evaluation = None
        if isinstance(body.get("policy_evaluation"), dict):
            try:
                evaluation = PolicyEvaluation.from_json(body["policy_evaluation"], scrub=scrub)
            except ShapeError:
                evaluation = None
        field = validation_field(message) if is_goa else None
        if field is None and field_errors:
            field = field_errors[0].field
        return HarnessValidationError(
            message,
            field=field,
            field_errors=tuple(field_errors),
            policy_evaluation=evaluation,
            **common,
        )
    if status == 401:
        return HarnessUnauthorized(message, **common)
    if status == 403:
        return HarnessForbidden(message, **common)
    if status == 404:
        # Only Harness's own envelope (contract §4: Goa `name` and `id`, NG or v1 `code`) says
        # the record is missing. A 404 without one (an HTML page, a gateway's JSON) came from
        # something in front of Harness and says nothing about it: deciding "deleted" on it
        # would be a guess, so it is an outage ("try again").
        harness_said_so = text("name") and text("id") if is_goa else text("code")
        if harness_said_so:
            return HarnessNotFound(message, **common)
        return HarnessUnavailable(NOT_FROM_HARNESS_404, **common)
    if status in (409, 423):
        return HarnessConflict(message, **common)
    seconds = retry_after_seconds(response.headers.get("retry-after", ""))
    if status == 429:
        return HarnessRateLimited(message, retry_after=seconds, **common)
    if status >= 500:
        return HarnessUnavailable(message, retry_after=seconds, **common)
    if status in (408, 499):
        return HarnessUnavailable(message, **common)
    if 400 <= status < 500:
        return HarnessRefused(message, **common)
    return HarnessError(message, **common)
