"""NG listV2's ``searchTerm`` (contract §6.1), read as harness-core reads it.

harness-core's ``ConnectorFilterServiceImpl`` (``440-connector-nextgen/src/main/java/io/harness/
connector/impl/ConnectorFilterServiceImpl.java``, read in the vigneswara-propelo/harness-core
mirror at 21f337f) does, for a non-blank ``searchTerm``:

1. ``URLDecoderUtility.getDecodedString``: ``java.net.URLDecoder.decode`` of the query parameter
   JAX-RS already decoded, so ``+`` reads as a space and ``%XX`` as that byte; a ``%`` not
   followed by two hex digits throws ``IllegalArgumentException`` (only
   ``UnsupportedEncodingException`` is caught).
2. ``getSearchTermFilter``: name, identifier and description each
   ``regex(searchTerm, CASE_INSENSITIVE_MONGO_OPTIONS)`` (Spring Data's ``Criteria.regex``
   compiles a ``java.util.regex.Pattern`` first: an invalid one throws
   ``PatternSyntaxException``), or a tag equal to ``{key, value}``, the term split at ``:``
   (``createCriteriaForSearchingTag``: ``key`` alone has the value ``""``; Java's ``split``
   drops trailing empty parts, so a term of colons only has no ``split[0]`` and throws).

The exceptions reach NG's catch-all ``GenericExceptionMapperV2``: 500, ``UNKNOWN_ERROR``,
"Oops, something went wrong on our end. Please contact Harness Support." (UNCONFIRMED against
a live account: no other mapper for them was found). Python's ``re`` stands in for Java's and
MongoDB's regex engines; they agree on the escapes a client needs (``\\xHH``, ``\\.``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from harness_fake.errors import ApiError
from harness_fake.state import Connector

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
UNKNOWN_ERROR = "Oops, something went wrong on our end. Please contact Harness Support."


def _internal_error() -> ApiError:
    return ApiError(500, UNKNOWN_ERROR, code="UNKNOWN_ERROR")


def connector_search(raw: str) -> tuple[re.Pattern[str], tuple[str, str]] | None:
    """The regex and the ``(key, value)`` tag a ``searchTerm`` stands for; None when blank.
    Raises ApiError 500 where harness-core throws."""
    if not raw.strip():
        return None
    if _BAD_ESCAPE.search(raw):
        raise _internal_error()
    term = unquote_plus(raw)
    if not term.strip():
        return None
    parts = term.split(":")
    while parts and parts[-1] == "":
        parts.pop()
    if not parts:
        raise _internal_error()
    tag = (parts[0], parts[1] if len(parts) > 1 else "")
    try:
        pattern = re.compile(term, re.IGNORECASE)
    except re.error:
        raise _internal_error() from None
    return pattern, tag


def connector_found(search: tuple[re.Pattern[str], tuple[str, str]] | None, c: Connector) -> bool:
    """Whether connector ``c`` answers the ``searchTerm`` read by :func:`connector_search`."""
    if search is None:
        return True
    pattern, (key, value) = search
    if any(pattern.search(text) for text in (c.name, c.identifier, c.description)):
        return True
    return key in c.tags and c.tags[key] == value
