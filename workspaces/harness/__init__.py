"""The Harness API client: the only package of the portal that speaks HTTP to Harness.

    from workspaces.harness import HarnessClient, errors, types

Pure Python + requests (no Django): the portal passes its settings in. The modules:

- `client.py`: `HarnessClient` (key, account, timeouts; `_call`, the one place a call is made,
  with the breaker, the error wrapping and `call_observers`), composed of the calls of
  `api_accounts.py` (account check, orgs, projects), `api_workspaces.py` (workspaces, status
  counts, tags, provisioner versions) and `api_references.py` (connectors, secrets, templates);
- `wire.py`: path and paging rules, 2xx answers decoded, error bodies mapped onto `errors.py`;
- `transport.py`: the pooled `requests` session and its rules; `breaker.py`: the circuit breaker;
- `types.py`: the dataclasses returned, each with its parser, built from `readers.py`.
"""

from workspaces.harness import errors, types
from workspaces.harness.breaker import (
    CallsHeld,
    CircuitOpen,
    configure_breakers,
    reset_breakers,
)
from workspaces.harness.client import (
    WORKSPACE_SORTS,
    HarnessClient,
    call_observers,
    validate_iacm_prefix,
)
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
from workspaces.harness.transport import configure_pool, validate_base_url
from workspaces.harness.types import (
    Account,
    Connector,
    Org,
    Page,
    PolicyEvaluation,
    Project,
    Secret,
    Template,
    TemplateSummary,
    Variable,
    Workspace,
    WorkspaceSummary,
    WriteResult,
)

__all__ = [
    "WORKSPACE_SORTS",
    "Account",
    "CallsHeld",
    "CircuitOpen",
    "Connector",
    "FieldError",
    "HarnessClient",
    "HarnessConflict",
    "HarnessError",
    "HarnessForbidden",
    "HarnessNotFound",
    "HarnessRateLimited",
    "HarnessRefused",
    "HarnessUnauthorized",
    "HarnessUnavailable",
    "HarnessUnreadableAnswer",
    "HarnessValidationError",
    "Org",
    "Page",
    "PolicyEvaluation",
    "Project",
    "Secret",
    "Template",
    "TemplateSummary",
    "Variable",
    "Workspace",
    "WorkspaceSummary",
    "WriteResult",
    "call_observers",
    "configure_breakers",
    "configure_pool",
    "errors",
    "reset_breakers",
    "types",
    "validate_base_url",
    "validate_iacm_prefix",
]
