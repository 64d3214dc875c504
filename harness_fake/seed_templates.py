"""The fake's seeded template versions and their YAML (contract §3.1, §3.2).

``seed.py`` builds a ``TemplateVersion`` of each row of ``TEMPLATES``, with ``version_yaml``.
"""

from __future__ import annotations

# (org, project, identifier, name, version, stable, entity_type, spec args or None)
TEMPLATES: tuple[tuple[str | None, str | None, str, str, str, bool, str, tuple | None], ...] = (
    (
        None,
        None,
        "aws_service",
        "AWS service",
        "v1",
        False,
        "Workspace",
        (
            "opentofu",
            "1.8.1",
            "account.github_acme",
            "infra-modules",
            False,
        ),
    ),
    (
        None,
        None,
        "aws_service",
        "AWS service",
        "v2",
        True,
        "Workspace",
        (
            "opentofu",
            "1.10.6",
            "account.github_acme",
            "infra-modules",
            True,
        ),
    ),
    (
        "default",
        None,
        "gcp_bucket",
        "GCP bucket",
        "v1",
        True,
        "Workspace",
        (
            "terraform",
            "1.5.7",
            "org.github_default",
            "terraform-modules",
            False,
        ),
    ),
    (
        "default",
        "infra",
        "k8s_namespace",
        "Kubernetes namespace",
        "v1",
        True,
        "Workspace",
        (
            "opentofu",
            "1.9.1",
            "github_infra",
            "infra-live",
            False,
        ),
    ),
    (None, None, "deploy_pipeline", "Deploy pipeline", "v1", True, "Pipeline", None),
    # A newer, not yet stable version of the project's template (GitLab, cost estimation
    # on): a second version a workspace of default/infra can link (only project templates
    # are linked, `State.resolve_template`). Last, so the rows above keep their times.
    (
        "default",
        "infra",
        "k8s_namespace",
        "Kubernetes namespace",
        "v2",
        False,
        "Workspace",
        (
            "opentofu",
            "1.10.6",
            "gitlab_infra",
            "infra-live",
            True,
        ),
    ),
    # A third version (`versionLabel`, contract §3.1) labelled as Harness allows a label: a
    # letter or digit, then up to 63 characters that are not spaces (harness-core
    # NGRegexValidatorConstants.VERSION_LABEL_PATTERN `^[0-9a-zA-Z][^\s]{0,63}$`; Harness's
    # UI, regexVersionLabel), here a "+", which a path carries only percent-encoded.
    (
        "default",
        "infra",
        "k8s_namespace",
        "Kubernetes namespace",
        "1.0+rc1",
        False,
        "Workspace",
        (
            "opentofu",
            "1.10.6",
            "github_infra",
            "infra-live",
            False,
        ),
    ),
)


def version_yaml(
    org: str | None, project: str | None, ident: str, name: str, version: str, args: tuple | None
) -> str:
    """The YAML of one row of ``TEMPLATES``: a Pipeline template's when ``args`` is None, else a
    Workspace template's with ``workspace_spec(*args)``."""
    if args is None:
        return (
            "template:\n"
            f"  name: {name}\n  identifier: {ident}\n  versionLabel: {version}\n"
            "  type: Pipeline\n  tags: {}\n  spec:\n    stages: []\n"
        )
    return template_yaml(ident, name, version, org, project, workspace_spec(*args))


def template_yaml(
    ident: str, name: str, version: str, org: str | None, project: str | None, spec: str
) -> str:
    scope_lines = ""
    if project:
        scope_lines += f"  projectIdentifier: {project}\n"
    if org:
        scope_lines += f"  orgIdentifier: {org}\n"
    return (
        "template:\n"
        f"  name: {name}\n"
        f"  identifier: {ident}\n"
        f"  versionLabel: {version}\n"
        "  type: Workspace\n"
        f"{scope_lines}"
        "  tags: {}\n"
        "  spec:\n"
        f"{spec}"
    )


def workspace_spec(provisioner: str, version: str, connector: str, repo: str, cost: bool) -> str:
    """A Workspace template's `spec` (contract §3.1) with the keys of the only public one (the
    Terraform provider's `resource_workspace_associated_template_test.go`) and no other:
    `provider` is the git-provider card of Harness's UI, not a connector; the repository block
    has no `path` and the variable lists are empty (contract §3.1: no path key is documented,
    and the entry shapes of the variable lists are UNCONFIRMED). No provider connector is
    written: its YAML key is not documented; the locked provisioner block locks the workspace's
    additional provider connectors, not its main one (`template_locks.BLOCK_FIELDS`)."""
    return (
        "    provider:\n"
        "      type: others\n"
        "      title: thirdPartyGitProvider\n"
        "      info: thirdPartyGitProviderInfo\n"
        "      icon: service-github\n"
        "      size: 20\n"
        "      disabled: false\n"
        "    provisioner:\n"
        f"      type: {provisioner}\n"
        f"      version: {version}\n"
        "      locked: true\n"
        "    repository:\n"
        "      isHarnessCode: false\n"
        f"      connector: {connector}\n"
        f"      name: {repo}\n"
        "      branch: main\n"
        "      gitFetchType: branch\n"
        "      locked: true\n"
        "    cost_estimation:\n"
        f"      enabled: {'true' if cost else 'false'}\n"
        "      locked: false\n"
        "    default_pipelines:\n"
        '      plan: ""\n'
        '      apply: ""\n'
        '      destroy: ""\n'
        '      drift: ""\n'
        "      locked: true\n"
        "    tags: []\n"
        '    description: ""\n'
        "    variables: []\n"
        "    terraform_variables: []\n"
        "    terraform_variable_files: []\n"
    )
