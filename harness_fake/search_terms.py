"""The search terms of the connector, secret, template, org and project lists, read as
harness-core reads them.

Each list matches its fields with Spring Data's ``Criteria.regex(term,
NGResourceFilterConstants.CASE_INSENSITIVE_MONGO_OPTIONS)``: a case-insensitive regex, compiled
as a ``java.util.regex.Pattern`` first (an invalid one throws ``PatternSyntaxException``) and
then run by MongoDB. The exception reaches the catch-all ``GenericExceptionMapperV2``, which
ng-manager and template-service both register: 500, ``UNKNOWN_ERROR``, "Oops, something went
wrong on our end. Please contact Harness Support." (UNCONFIRMED against a live account: no other
mapper for it was found). Python's ``re`` stands in for Java's and MongoDB's engines; they
agree on the escapes a client needs (``\\xHH``, ``\\.``).

Sources: the vigneswara-propelo/harness-core mirror (21f337f for connectors, 1dcec14 for
secrets, templates, orgs and projects). What each list adds:

- NG connectors listV2 ``searchTerm`` (contract §6.1), ``ConnectorFilterServiceImpl``
  (``440-connector-nextgen/src/main/java/io/harness/connector/impl/ConnectorFilterServiceImpl.java``):
  ``URLDecoderUtility.getDecodedString`` decodes the query parameter JAX-RS already decoded
  (``+`` is a space, ``%XX`` that byte; a ``%`` without two hex digits throws
  ``IllegalArgumentException``), then name, identifier and description by regex, or a tag equal
  to ``{key, value}``, the term split at ``:`` (``createCriteriaForSearchingTag``: ``key``
  alone has the value ``""``; Java's ``split`` drops trailing empty parts, so a term of colons
  only has no ``split[0]`` and throws).
- NG secrets ``searchTerm`` (contract §7), ``SecretCrudServiceImpl.list``
  (``120-ng-manager/src/main/java/io/harness/ng/core/api/impl/SecretCrudServiceImpl.java``):
  no second decode; name, identifier, tag keys and tag values by regex (not the description);
  an empty term is no search (``StringUtils.isEmpty``). That is the code of listSecretsV2 and
  listSecretsV3; the route the portal calls, ``POST /v2/secrets/list/secrets``
  (listSecretsV4, body ``SecretFilterProperties``), is in no public revision: that it reads
  the term so is UNCONFIRMED, and the fake refuses the doubtful side (:func:`secret_search`).
- v1 templates ``search_term`` (contract §3.2), ``NGTemplateServiceHelper.getSearchTermCriteria``
  (``template-service/service/src/main/java/io/harness/template/services/NGTemplateServiceHelper.java``),
  reached from ``TemplateResourceApiHelper.getTemplates`` with the query parameter as JAX-RS
  decoded it: no second decode; identifier, name, version label, description, tag keys and tag
  values by regex; an empty term is no search (``EmptyPredicate.isNotEmpty``).
- v1 orgs and projects ``search_term`` (contract §8), ``OrganizationServiceImpl
  .createOrganizationFilterCriteria`` and ``ProjectServiceImpl.createProjectFilterCriteria``
  (``120-ng-manager/src/main/java/io/harness/ng/core/impl/``), reached from
  ``OrganizationApiImpl.getOrganizations`` and ``OrgProjectApiImpl.getOrgScopedProjects`` with
  the query parameter as JAX-RS decoded it: no second decode; name, identifier, tag keys and tag
  values by regex (not the description); a blank term is no search (``isNotBlank``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from harness_fake.errors import ApiError
from harness_fake.state import Connector, Org, Project, Secret, TemplateVersion

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
UNKNOWN_ERROR = "Oops, something went wrong on our end. Please contact Harness Support."


def _internal_error() -> ApiError:
    return ApiError(500, UNKNOWN_ERROR, code="UNKNOWN_ERROR")


def search_regex(term: str) -> re.Pattern[str]:
    """``term`` as ``Criteria.regex(term, "i")`` reads it; ApiError 500 when Java cannot."""
    try:
        return re.compile(term, re.IGNORECASE)
    except re.error:
        raise _internal_error() from None


def found(pattern: re.Pattern[str] | None, *texts: str) -> bool:
    """Whether any of ``texts`` matches ``pattern`` (the ``$or`` of the fields); None: no search."""
    return pattern is None or any(pattern.search(text) for text in texts)


def connector_search(raw: str) -> tuple[re.Pattern[str], tuple[str, str]] | None:
    """The regex and the ``(key, value)`` tag a listV2 ``searchTerm`` stands for; None when
    blank. Raises ApiError 500 where harness-core throws."""
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
    return search_regex(term), tag


def connector_found(search: tuple[re.Pattern[str], tuple[str, str]] | None, c: Connector) -> bool:
    """Whether connector ``c`` answers the ``searchTerm`` read by :func:`connector_search`."""
    if search is None:
        return True
    pattern, (key, value) = search
    return found(pattern, c.name, c.identifier, c.description) or c.tags.get(key) == value


def secret_search(query: str | None, body: object) -> re.Pattern[str] | None:
    """The regex of the secrets list's ``searchTerm``, ``body`` being the body's; None when
    empty. Refuses (400, naming ``searchTerm``) what harness-core might read either way: a query
    term other than the body's (the published spec of listSecretsV4 has the term only in the
    body, the MCP server sends both), and a ``+`` or ``%`` (listV2 URL-decodes its term once
    more; whether this route does is unknown). Raises ApiError 500 for an invalid regex."""
    if body is not None and not isinstance(body, str):
        raise ApiError(400, "searchTerm must be a string", field="searchTerm")
    term = body or ""
    if query and query != term:
        raise ApiError(
            400,
            f"searchTerm {query!r} in the query differs from the body's {term!r}",
            field="searchTerm",
        )
    if "+" in term or "%" in term:
        raise ApiError(
            400,
            f"searchTerm {term!r} holds '+' or '%', which may be URL-decoded once more: "
            "send them as \\x2B and \\x25",
            field="searchTerm",
        )
    return search_regex(term) if term else None


def named_found(pattern: re.Pattern[str] | None, item: Secret | Org | Project) -> bool:
    """Whether a secret, org or project answers the term read by :func:`secret_search` or
    :func:`scope_search`: its name, identifier, tag keys and tag values."""
    return found(pattern, item.name, item.identifier, *item.tags.keys(), *item.tags.values())


def scope_search(raw: str) -> re.Pattern[str] | None:
    """The regex of the v1 org or project list's ``search_term``; None when blank. Raises
    ApiError 500 for an invalid regex."""
    return search_regex(raw) if raw.strip() else None


def template_search(raw: str) -> re.Pattern[str] | None:
    """The regex of the v1 template list's ``search_term``; None when empty. Raises ApiError
    500 for an invalid regex."""
    return search_regex(raw) if raw else None


def template_found(pattern: re.Pattern[str] | None, t: TemplateVersion) -> bool:
    """Whether template version ``t`` answers the ``search_term`` read by
    :func:`template_search`."""
    fields = (t.identifier, t.name, t.version_label, t.description)
    return found(pattern, *fields, *t.tags.keys(), *t.tags.values())
