"""Settings the portal cannot work with fail `manage.py check` by name, and `/readyz`."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("HARNESS_TOKEN_KEYS", ["not-a-fernet-key"], "HARNESS_TOKEN_KEYS"),
        ("HARNESS_TOKEN_KEYS", ["dGVzdC1vbmx5LWhhcm5lc3MtdG9rZW4ta2V5LTAwMDA=", "x"], "HARNESS_"),
        ("SSO_TRUSTED_PROXIES", ["10.0.0.0/33"], "SSO_TRUSTED_PROXIES"),
        ("SSO_TRUSTED_PROXIES", ["proxy.example.com"], "SSO_TRUSTED_PROXIES"),
        ("FORWARDED_ALLOW_IPS", ["10.0.0.0/33"], "FORWARDED_ALLOW_IPS"),
        ("FORWARDED_ALLOW_IPS", ["proxy.example.com"], "FORWARDED_ALLOW_IPS"),
    ],
)
def test_an_unusable_setting_fails_the_check_and_readiness(client, settings, setting, value, named):
    setattr(settings, setting, value)

    with pytest.raises(SystemCheckError, match=named):
        call_command("check")
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["configuration"]["status"] == "fail"


def test_good_settings_pass_the_configuration_checks(client, settings, fake):
    settings.SSO_TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.1.7"]
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.10", "10.1.0.0/16", "::1"]

    call_command("check")
    response = client.get("/readyz")

    assert response.json()["checks"]["configuration"]["status"] == "ok"
