"""Settings for who signs in and how (local or through an SSO proxy), and how often one person may
do what: failed sign-ins, and the actions that reach Harness on every keystroke or click.

`portal.settings` takes them in with `globals().update(access_settings())` after it has read the
`.env` file, so they are read when the settings are, like every other setting (running the
settings again with other variables reads these again too). Every variable is documented in
`.env.example`.
"""

import environ

from portal.envparse import env_choice, env_int, env_networks


def access_settings() -> dict:
    """The sign-in and rate-limit settings, by name, read from the environment now."""
    env = environ.Env()
    portal_auth = env_choice("PORTAL_AUTH", ("local", "sso"), default="local")
    return {
        "PORTAL_AUTH": portal_auth,
        "SSO_USER_HEADER": env.str("SSO_USER_HEADER", default="X-Forwarded-Email"),
        "SSO_GROUPS_HEADER": env.str("SSO_GROUPS_HEADER", default=""),
        "SSO_TRUSTED_PROXIES": env_networks("SSO_TRUSTED_PROXIES", default=[]),
        "SSO_LOGOUT_URL": env.str("SSO_LOGOUT_URL", default=""),
        "AUTHENTICATION_BACKENDS": [
            "portal.sso.SSOHeaderBackend"
            if portal_auth == "sso"
            else "portal.backends.PortalModelBackend"
        ],
        # Local sign-in (portal.signin): failed attempts allowed per username and per client
        # address within the window (seconds) before the form refuses to try more.
        "SIGNIN_FAILURES_PER_USERNAME": env_int("SIGNIN_FAILURES_PER_USERNAME", 10),
        "SIGNIN_FAILURES_PER_ADDRESS": env_int("SIGNIN_FAILURES_PER_ADDRESS", 50),
        "SIGNIN_FAILURE_WINDOW": env_int("SIGNIN_FAILURE_WINDOW", 900),
        # The TLS proxy's addresses or CIDRs (`*`: every peer), as gunicorn reads them: from
        # these peers a client's address is the X-Forwarded-For hop they name
        # (portal.proxies), not their own.
        "FORWARDED_ALLOW_IPS": env_networks(
            "FORWARDED_ALLOW_IPS", default=["127.0.0.1", "::1"], any_peer=True
        ),
        # Per-user limits, (requests, window seconds), on what reaches Harness per keystroke or
        # click (workspaces.ratelimit).
        "RATE_LIMITS": {
            "identifier_check": (env_int("RATE_LIMIT_IDENTIFIER_CHECKS_PER_MINUTE", 60), 60),
            "submit": (env_int("RATE_LIMIT_SUBMITS_PER_MINUTE", 10), 60),
            # Each key-page POST sends the pasted key to Harness (workspaces.views.harness_key).
            "key_check": (env_int("RATE_LIMIT_KEY_CHECKS_PER_MINUTE", 10), 60),
        },
    }
