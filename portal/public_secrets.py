"""Secrets published in this repository, and so secret from no one: the development defaults of
`portal/settings.py`, the placeholders the Dockerfile's collectstatic step loads the settings
with (not kept in the image), and those of `deploy/k8s/secret.example.yaml` (a Secret applied
from it unchanged). `check --deploy` warns about any of them in the settings; in production a
`SECRET_KEY` or an encrypting Harness token key among them fails `manage.py check` and `/readyz`
(`portal.checks`, `workspaces.checks`), and a `METRICS_BEARER_TOKEN` among them fails
`manage.py check` and is never accepted by `/metrics` (`portal.metrics`).
"""

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-0123456789abcdefghijklmnop"  # noqa: S105
DEV_HARNESS_TOKEN_KEY = "ZGV2LW9ubHktaGFybmVzcy10b2tlbi1rZXktMDAwMDA="  # noqa: S105

PUBLIC_SECRET_KEYS = frozenset(
    {
        DEV_SECRET_KEY,
        "collectstatic-build-only-not-a-secret-0123456789abcdefghijklmnop",
        "replace-with-python-secrets-token-urlsafe-50",
    }
)
PUBLIC_TOKEN_KEYS = frozenset(
    {
        DEV_HARNESS_TOKEN_KEY,
        "YnVpbGQtb25seS1jb2xsZWN0c3RhdGljLW5vdC1rZXk=",
        "replace-with-Fernet.generate_key()",
    }
)
PUBLIC_METRICS_TOKENS = frozenset({"replace-with-a-random-token"})
