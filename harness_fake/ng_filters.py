"""The bodies of the NG connector and secret lists, read as NG's Jackson reads its filter DTOs.

A body outside the DTO is refused with NG's 400 ``Failure`` (``INVALID_REQUEST``, contract §4.2),
naming the field; a null field is absent (no filter).

- ``POST /ng/api/connectors/listV2`` (contract §6.1): ``ConnectorFilterPropertiesDTO``
  (harness-core ``954-connector-beans/src/main/java/io/harness/connector/
  ConnectorFilterPropertiesDTO.java``, vigneswara-propelo/harness-core mirror) extends the
  abstract ``FilterPropertiesDTO``, annotated ``@JsonTypeInfo(use = Id.NAME, include =
  EXISTING_PROPERTY, property = "filterType")`` with no default implementation (a later revision
  also marks ``filterType`` ``@Schema(required = true)``): Jackson resolves the class from
  ``filterType``, so a body without it (or naming another filter, or not an object) is no
  ``ConnectorFilterPropertiesDTO``. The Go SDK's docs list ``FilterType`` as optional (harness/
  terraform-provider-harness ``harness/nextgen/docs/ConnectorFilterProperties.md``): against the
  annotation, the doubtful side is refused; the portal always sends it. ``types`` is a
  ``List<ConnectorType>``: ``ConnectorType``'s ``@JsonCreator getConnectorType`` compares the
  name ignoring case and throws ``IllegalArgumentException("Invalid value: " + name)`` for an
  unknown one (``954-connector-beans/.../delegate/beans/connector/ConnectorType.java``); the
  names are the contract's §6.1 enum. ``@JsonIgnoreProperties(ignoreUnknown = true)``: other
  keys (``searchTerm``) are ignored.
- ``POST /ng/api/v2/secrets/list/secrets`` (contract §7): its body class (listSecretsV4,
  filter type ``Secret``) is in no public revision. Read as the connector filter is, by the
  doubtful side: ``filterType`` must be ``"Secret"``, as the MCP server sends it
  (harness/mcp-server ``src/registry/toolsets/secrets.ts``); ``secretTypes`` names of
  ``io.harness.secretmanagerclient.SecretType``, a plain enum (``SecretFile``, ``SecretText``,
  ``SSHKey``, ``WinRmCredentials``) that Jackson reads as spelled.

What Jackson might coerce (a single string for a list, ``"false"`` for a boolean, a number for
a string) depends on the mapper's settings, which are not public: refused (the doubtful side).
``categories``, ``connectorNames``, ``description``, ``inheritingCredentialsFromDelegate`` and
``tags`` (and the secrets' ``secretName``, ``secretManagerIdentifiers``, ``description``,
``tags``) are checked but filter nothing: the portal sends none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness_fake.errors import ApiError

# Contract §6.1 (GO `enum_connector_types.go`).
CONNECTOR_TYPES = (
    "K8sCluster", "Git", "Splunk", "AppDynamics", "Prometheus", "Dynatrace", "Vault",
    "AzureKeyVault", "DockerRegistry", "JDBC", "Local", "AwsKms", "GcpKms", "AwsSecretManager",
    "Gcp", "Aws", "Artifactory", "Jira", "Jenkins", "Nexus", "Github", "Gitlab", "Bitbucket",
    "Codecommit", "CEAws", "CEAzure", "GcpCloudCost", "CEK8sCluster", "HttpHelmRepo",
    "OciHelmRepo", "NewRelic", "Datadog", "SumoLogic", "PagerDuty", "GcpSecretManager", "Azure",
    "AzureArtifacts", "Spot", "ServiceNow", "Tas", "TerraformCloud", "ElasticSearch", "Rancher",
    "CustomHealth", "Pdc", "CustomSecretManager", "AzureRepo",
)  # fmt: skip
_BY_LOWER = {name.lower(): name for name in CONNECTOR_TYPES}
# Contract §6.1: GO's categories, and the MCP server's additions.
CONNECTOR_CATEGORIES = (
    "CLOUD_PROVIDER", "SECRET_MANAGER", "CLOUD_COST", "ARTIFACTORY", "CODE_REPO", "MONITORING",
    "TICKETING", "DATABASE", "COMMUNICATION", "DOCUMENTATION", "ML_OPS", "MCP",
)  # fmt: skip
CONNECTIVITY_STATUSES = ("SUCCESS", "FAILURE", "PARTIAL", "UNKNOWN")
SECRET_TYPES = ("SecretFile", "SecretText", "SSHKey", "WinRmCredentials")


@dataclass(frozen=True, slots=True)
class ConnectorFilter:
    types: frozenset[str]
    identifiers: frozenset[str]
    statuses: frozenset[str]


@dataclass(frozen=True, slots=True)
class SecretFilter:
    types: frozenset[str]
    identifier: str | None
    search_term: str | None
    inherit: bool


def _refuse(field: str, message: str) -> ApiError:
    return ApiError(400, message, field=field)


def _object(body: Any, filter_type: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _refuse("filterType", f"the body must be a {filter_type} filter object")
    if body.get("filterType") != filter_type:
        raise _refuse(
            "filterType",
            f"filterType must be {filter_type!r}, got {body.get('filterType')!r}",
        )
    return {key: value for key, value in body.items() if value is not None}


def _strings(body: dict[str, Any], field: str, allowed: tuple[str, ...] = ()) -> list[str]:
    values = body.get(field, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _refuse(field, f"{field} must be a list of strings")
    for value in values:
        if allowed and value not in allowed:
            raise _refuse(field, f"{field}: {value!r} is not one of {', '.join(allowed)}")
    return values


def _string(body: dict[str, Any], field: str) -> str | None:
    if field in body and not isinstance(body[field], str):
        raise _refuse(field, f"{field} must be a string")
    return body.get(field)


def _flag(body: dict[str, Any], field: str) -> bool:
    if field in body and not isinstance(body[field], bool):
        raise _refuse(field, f"{field} must be true or false")
    return bool(body.get(field))


def _tags(body: dict[str, Any]) -> None:
    tags = body.get("tags", {})
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise _refuse("tags", "tags must be an object of strings")


def connector_filter(body: Any) -> ConnectorFilter:
    """A listV2 body as ``ConnectorFilterPropertiesDTO`` (see the module's notes)."""
    body = _object(body, "Connector")
    types = set()
    for name in _strings(body, "types"):
        if name.lower() not in _BY_LOWER:
            raise _refuse("types", f"Invalid value: {name}")  # ConnectorType.getConnectorType
        types.add(_BY_LOWER[name.lower()])
    _strings(body, "categories", CONNECTOR_CATEGORIES)
    _strings(body, "connectorNames")
    _string(body, "description")
    _flag(body, "inheritingCredentialsFromDelegate")
    _tags(body)
    return ConnectorFilter(
        types=frozenset(types),
        identifiers=frozenset(_strings(body, "connectorIdentifiers")),
        statuses=frozenset(_strings(body, "connectivityStatuses", CONNECTIVITY_STATUSES)),
    )


def secret_filter(body: Any) -> SecretFilter:
    """A secrets-list body (contract §7; see the module's notes)."""
    body = _object(body, "Secret")
    _strings(body, "secretManagerIdentifiers")
    _string(body, "secretName")
    _string(body, "description")
    _tags(body)
    return SecretFilter(
        types=frozenset(_strings(body, "secretTypes", SECRET_TYPES)),
        identifier=_string(body, "secretIdentifier"),
        search_term=_string(body, "searchTerm"),
        inherit=_flag(body, "includeAllSecretsAccessibleAtScope"),
    )
