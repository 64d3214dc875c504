"""Settings the portal cannot work with (or, in production, must not run with: keys published in
this repository) fail `manage.py check` by name, and `/readyz`."""

import ast
import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.approvals.support import UNUSABLE_MAILERS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("setting", "value", "named", "check"),
    [
        ("HARNESS_TOKEN_KEYS", ["not-a-fernet-key"], "HARNESS_TOKEN_KEYS", "workspaces.E002"),
        (
            "HARNESS_TOKEN_KEYS",
            ["dGVzdC1vbmx5LWhhcm5lc3MtdG9rZW4ta2V5LTAwMDA=", "x"],
            "HARNESS_",
            "workspaces.E002",
        ),
        ("SSO_TRUSTED_PROXIES", ["10.0.0.0/33"], "SSO_TRUSTED_PROXIES", "portal.E002"),
        ("SSO_TRUSTED_PROXIES", ["proxy.example.com"], "SSO_TRUSTED_PROXIES", "portal.E002"),
        ("FORWARDED_ALLOW_IPS", ["10.0.0.0/33"], "FORWARDED_ALLOW_IPS", "portal.E003"),
        ("FORWARDED_ALLOW_IPS", ["proxy.example.com"], "FORWARDED_ALLOW_IPS", "portal.E003"),
        # An address copied with its prefix length: read as its whole network, it trusted the
        # /24; gunicorn refuses it ("has host bits set").
        ("SSO_TRUSTED_PROXIES", ["10.0.0.5/24"], "SSO_TRUSTED_PROXIES", "portal.E002"),
        ("FORWARDED_ALLOW_IPS", ["10.0.0.5/24"], "FORWARDED_ALLOW_IPS", "portal.E003"),
        ("METRICS_ALLOWED_NETWORKS", ["10.0.0.0/33"], "METRICS_ALLOWED_NETWORKS", "portal.E001"),
        ("HARNESS_BASE_URL", "ftp://harness.example.com", "HARNESS_BASE_URL", "workspaces.E001"),
        # Each passed the check and /readyz, then every Harness page was a 500.
        ("HARNESS_IACM_PREFIX", "gateway/iacm/api", "HARNESS_IACM_PREFIX", "workspaces.E004"),
        ("HARNESS_IACM_PREFIX", "/gateway/iacm/api?x", "HARNESS_IACM_PREFIX", "workspaces.E004"),
        ("HARNESS_IACM_PREFIX", "/iacm api", "HARNESS_IACM_PREFIX", "workspaces.E004"),
    ],
)
def test_an_unusable_setting_fails_the_check_and_readiness(
    client, settings, setting, value, named, check
):
    """/readyz said only "CheckFailed": the operator had to run `manage.py check` in the pod to
    learn which setting; it names the failed check (never the value, which may be a host)."""
    setattr(settings, setting, value)

    with pytest.raises(SystemCheckError, match=named):
        call_command("check")
    response = client.get("/readyz")

    assert response.status_code == 503
    configuration = response.json()["checks"]["configuration"]
    assert configuration["status"] == "fail"
    assert configuration["failed"] == [check]
    assert "example.com" not in response.content.decode()


def test_the_readme_lists_every_check_readiness_runs():
    """The README's /readyz section left out FORWARDED_ALLOW_IPS (portal.E003) and the checks of
    published keys (portal.E004, workspaces.E003)."""
    root = Path(__file__).resolve().parents[2]
    ids = set()
    for module in ("portal/checks.py", "workspaces/checks.py"):
        ids |= set(re.findall(r'id="(\w+\.E\d+)"', (root / module).read_text()))
    readme = (root / "README.md").read_text()
    readyz = readme[readme.index("- `/readyz` (readiness)") :]
    readyz = readyz[: readyz.index("\n- ", 1)]

    assert ids >= {"portal.E003", "portal.E004", "workspaces.E003"}
    assert sorted(id_ for id_ in ids if f"`{id_}`" not in readyz) == []


def test_good_settings_pass_the_configuration_checks(client, settings, fake):
    settings.SSO_TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.1.7"]
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.10", "10.1.0.0/16", "::1"]
    settings.HARNESS_IACM_PREFIX = "/gateway/iacm/api/"

    call_command("check")
    response = client.get("/readyz")

    assert response.json()["checks"]["configuration"]["status"] == "ok"


def test_sso_without_trusted_proxies_or_a_logout_url_is_reported(settings, db):
    """PORTAL_AUTH=sso with no SSO_TRUSTED_PROXIES refused every sign-in while /readyz said
    ready; without SSO_LOGOUT_URL "Sign out" could not end the proxy's session."""
    from django.core.checks import run_checks

    settings.PORTAL_AUTH = "sso"
    settings.AUTHENTICATION_BACKENDS = ["portal.sso.SSOHeaderBackend"]
    settings.SSO_TRUSTED_PROXIES = []
    settings.SSO_LOGOUT_URL = ""

    messages = run_checks(include_deployment_checks=True)
    text = "\n".join(str(message) for message in messages)

    assert "SSO_LOGOUT_URL" in text
    assert "SSO_TRUSTED_PROXIES" in text


def test_sso_without_trusted_proxies_fails_readiness(client, settings):
    settings.PORTAL_AUTH = "sso"
    settings.AUTHENTICATION_BACKENDS = ["portal.sso.SSOHeaderBackend"]
    settings.SSO_TRUSTED_PROXIES = []

    with pytest.raises(SystemCheckError, match="SSO_TRUSTED_PROXIES"):
        call_command("check")
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["configuration"]["failed"] == ["portal.E005"]


def test_sso_with_trusted_proxies_and_a_logout_url_is_not_reported(settings, db):
    settings.PORTAL_AUTH = "sso"
    settings.AUTHENTICATION_BACKENDS = ["portal.sso.SSOHeaderBackend"]
    settings.SSO_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.SSO_LOGOUT_URL = "/oauth2/sign_out?rd=%2F"

    ids = _ids(include_deployment_checks=True)

    assert "portal.E005" not in ids and "portal.W003" not in ids


DEV_TOKEN_KEY = "ZGV2LW9ubHktaGFybmVzcy10b2tlbi1rZXktMDAwMDA="
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-0123456789abcdefghijklmnop"
TEST_KEY = "dGVzdC1vbmx5LWhhcm5lc3MtdG9rZW4ta2V5LTAwMDA="
REAL_LOOKING_SECRET_KEY = "7Qm2vX9pL4rT8wK1zN6bH3jF5cY0dS2aE7uG9iO4-test-only-0123456789abcd"


def _ids(**kwargs) -> list[str]:
    from django.core.checks import run_checks

    return [message.id for message in run_checks(**kwargs)]


def test_the_public_development_fernet_key_is_refused_in_a_deployment(settings, db):
    settings.HARNESS_TOKEN_KEYS = [DEV_TOKEN_KEY]
    settings.HARNESS_TOKEN_KEYS_INSECURE = False

    messages = _ids(include_deployment_checks=True)

    assert "workspaces.W001" in messages


def test_the_public_development_secret_key_is_refused_in_a_deployment(settings, db):
    settings.SECRET_KEY = REAL_LOOKING_SECRET_KEY
    clean = _ids(include_deployment_checks=True)
    settings.SECRET_KEY_FALLBACKS = [DEV_SECRET_KEY]
    fallback = _ids(include_deployment_checks=True)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = DEV_SECRET_KEY, []

    messages = _ids(include_deployment_checks=True)

    assert "portal.W001" not in clean
    assert "portal.W001" in fallback
    assert "portal.W001" in messages


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("HARNESS_TOKEN_KEYS", [DEV_TOKEN_KEY], "HARNESS_TOKEN_KEYS"),
        ("HARNESS_TOKEN_KEYS", [DEV_TOKEN_KEY, TEST_KEY], "HARNESS_TOKEN_KEYS"),
        ("SECRET_KEY", DEV_SECRET_KEY, "SECRET_KEY"),
    ],
)
def test_a_public_key_in_production_fails_the_check_and_readiness(
    client, settings, setting, value, named
):
    settings.PRODUCTION = True
    settings.SECRET_KEY = REAL_LOOKING_SECRET_KEY
    setattr(settings, setting, value)

    with pytest.raises(SystemCheckError, match=named):
        call_command("check")
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["configuration"]["status"] == "fail"


def test_leaving_a_public_token_key_for_a_new_one_in_production_is_only_warned_about(
    client, settings, fake
):
    """Rotating away from it (`<new>,<public>`, then `manage.py rotate_harness_token_keys`)
    needs the public key to read the stored keys meanwhile; the new one encrypts."""
    settings.PRODUCTION = True
    settings.SECRET_KEY = REAL_LOOKING_SECRET_KEY
    settings.HARNESS_TOKEN_KEYS = [TEST_KEY, DEV_TOKEN_KEY]

    call_command("check")
    response = client.get("/readyz")

    assert response.json()["checks"]["configuration"]["status"] == "ok"
    assert "workspaces.W001" in _ids(include_deployment_checks=True)


def test_the_dockerfiles_build_only_values_count_as_public():
    from pathlib import Path

    from portal.public_secrets import PUBLIC_SECRET_KEYS, PUBLIC_TOKEN_KEYS

    dockerfile = (Path(__file__).resolve().parents[2] / "Dockerfile").read_text()
    values = dict(re.findall(r"\b(SECRET_KEY|HARNESS_TOKEN_KEYS)=(\S+)", dockerfile))

    assert values["SECRET_KEY"] in PUBLIC_SECRET_KEYS
    assert values["HARNESS_TOKEN_KEYS"] in PUBLIC_TOKEN_KEYS


@pytest.mark.parametrize(
    ("portal_url", "warned"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000/", True),
        ("http://LOCALHOST.", True),
        ("http://[::1]:8000", True),
        ("http://127.0.1.1", True),
        ("portal.example.com", True),  # no scheme: not a link at all
        ("https://portal.example.com", False),
        ("https://portal.internal:8443/portal", False),
    ],
)
def test_check_deploy_warns_about_a_portal_url_mails_cannot_link_to(settings, portal_url, warned):
    settings.PORTAL_URL = portal_url

    messages = _ids(include_deployment_checks=True)

    assert ("portal.W002" in messages) is warned


def test_the_k8s_example_secrets_placeholders_count_as_public():
    """A Secret applied from deploy/k8s/secret.example.yaml as it is must be flagged like the
    development keys (portal.W001/E004, workspaces.W001/E003)."""
    from pathlib import Path

    import yaml

    from portal.public_secrets import (
        PUBLIC_METRICS_TOKENS,
        PUBLIC_SECRET_KEYS,
        PUBLIC_TOKEN_KEYS,
    )

    example = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "secret.example.yaml"
    values = yaml.safe_load(example.read_text())["stringData"]

    assert values["SECRET_KEY"] in PUBLIC_SECRET_KEYS
    assert values["HARNESS_TOKEN_KEYS"] in PUBLIC_TOKEN_KEYS
    assert values["METRICS_BEARER_TOKEN"] in PUBLIC_METRICS_TOKENS


def test_the_k8s_example_metrics_token_left_as_it_is_opens_nothing_and_is_flagged(client, settings):
    """Unlike the Secret's other placeholders, "replace-with-a-random-token" was accepted
    silently: anyone who read this repository could scrape /metrics."""
    example = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "secret.example.yaml"
    token = yaml.safe_load(example.read_text())["stringData"]["METRICS_BEARER_TOKEN"]
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.METRICS_BEARER_TOKEN = token

    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    flagged = _ids(include_deployment_checks=True)
    settings.PRODUCTION = True
    settings.SECRET_KEY = REAL_LOOKING_SECRET_KEY

    assert scraped.status_code == 404
    assert "portal.W004" in flagged
    with pytest.raises(SystemCheckError, match="METRICS_BEARER_TOKEN"):
        call_command("check")


@pytest.mark.parametrize(
    ("token", "warned"),
    [("", False), ("short-token", True), ("x" * 15, True), ("a-scrape-token-0", False)],
)
def test_a_metrics_token_shorter_than_16_characters_is_warned_about(settings, token, warned):
    settings.METRICS_BEARER_TOKEN = token

    assert ("portal.W004" in _ids(include_deployment_checks=True)) is warned


@pytest.mark.parametrize(
    ("networks", "warned"),
    [(["10.0.0.0/24", "192.0.2.7", "::1/128"], False), (["127.0.0.0/8", "10.0.0.5/24"], True)],
)
def test_a_metrics_network_with_host_bits_set_is_warned_about(client, settings, networks, warned):
    """SSO_TRUSTED_PROXIES and FORWARDED_ALLOW_IPS refuse `10.0.0.5/24`; METRICS_ALLOWED_NETWORKS
    read it silently as the whole 10.0.0.0/24. Refusing it would make every replica unready, so
    `check --deploy` names it and the network it opens /metrics to (readiness is unchanged)."""
    from django.core.checks import run_checks

    settings.METRICS_ALLOWED_NETWORKS = networks

    messages = [m for m in run_checks(include_deployment_checks=True) if m.id == "portal.W005"]
    scraped = client.get("/metrics", REMOTE_ADDR="10.0.0.200")

    assert bool(messages) is warned
    assert client.get("/readyz").json()["checks"]["configuration"]["status"] == "ok"
    if warned:
        assert "METRICS_ALLOWED_NETWORKS" in messages[0].msg
        assert "10.0.0.5/24" in messages[0].msg and "10.0.0.0/24" in messages[0].msg
    assert scraped.status_code == 200


ROOT = Path(__file__).resolve().parents[2]
# envparse's env_*() (however imported), django-environ's env.str()..., gunicorn.conf.py's _env(),
# and the os module's own readers.
_ENV_READER = re.compile(r"(?:[\w.]*\.)?(?:env_\w+|_env|env\.\w+)|os\.environ\.get|os\.getenv")


def _variables_read(source: str) -> set[str]:
    """The environment variables `source` reads by name: the first argument of an env reader
    call, or an `os.environ[...]` key (parsed, so a call spread over lines counts too)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and node.args
            and _ENV_READER.fullmatch(ast.unparse(node.func))
        ):
            name = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            name = node.slice
        else:
            continue
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            names.add(name.value)
    return names


def test_the_variable_scanner_sees_every_way_the_code_reads_one():
    source = """
A = env_int(
    "ONE", 1
)
B = env.str('TWO', default="")
C = _env("THREE")
D = os.environ.get("FOUR")
E = os.environ["FIVE"]
F = portal.envparse.env_ca_bundle("SIX")
G = os.getenv("SEVEN")
H = workspace.environment_variables("TF_TOKEN")
"""

    assert _variables_read(source) == {"ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN"}


def test_every_variable_read_is_in_env_example_and_the_readme():
    """The README said `.env.example` documents each variable and the README names them: 14 that
    the code reads were named nowhere in it (HARNESS_IACM_PREFIX, GUNICORN_BIND_HOST, ...)."""
    sources = [ROOT / "gunicorn.conf.py", ROOT / "manage.py"]
    for package in ("portal", "workspaces", "harness_fake"):
        sources += (ROOT / package).rglob("*.py")
    names = set().union(*(_variables_read(path.read_text()) for path in sources))
    names -= {"DJANGO_SETTINGS_MODULE"}  # set by manage.py and wsgi.py, never by an operator
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()

    assert {"GUNICORN_BIND_HOST", "PORTAL_ENV_FILE", "HARNESS_FAKE_PORT", "SECRET_KEY"} <= names
    assert sorted(n for n in names if not re.search(rf"\b{n}\b", example)) == []
    assert sorted(n for n in names if not re.search(rf"`{n}[`= ]", readme)) == []
    assigned = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    assert sorted(assigned - names) == []  # nothing in .env.example that the portal ignores


@pytest.mark.parametrize("mailer", UNUSABLE_MAILERS)
def test_a_mailer_django_cannot_make_fails_the_check_by_name(settings, mailer):
    """It passed `manage.py check`; then every e-mail failed (and, before notify caught it, every
    submit needing an approval was a 500)."""
    settings.MAILERS = {"default": mailer}

    with pytest.raises(SystemCheckError, match="EMAIL_BACKEND"):
        call_command("check")
