"""Settings for the workspace portal: one module for every environment, configured by env vars.

Every variable is documented in `.env.example`. The defaults give a working local setup
(SQLite, local-memory cache, local sign-in, DEBUG off unless set).
"""

import logging
import os
import tempfile
import warnings
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

import portal.envparse
from portal.envfile import read_env_file
from portal.envparse import env_bool, env_choice, env_int, env_list, env_log_level, env_seconds
from portal.logging_config import logging_config
from portal.public_secrets import DEV_HARNESS_TOKEN_KEY, DEV_SECRET_KEY
from portal.settings_access import access_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local `.env` is read for development convenience (gunicorn.conf.py reads the same one);
# real deployments use the environment, whose variables win.
read_env_file()

DJANGO_ENV = env_choice("DJANGO_ENV", ("development", "production"), default="development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    SECRET_KEY = DEV_SECRET_KEY  # public: `check --deploy` warns about it (portal.W001)
# Old keys still accepted for existing sessions and signatures while a new SECRET_KEY rolls out.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", default=[])

if PRODUCTION and not env_list("ALLOWED_HOSTS", default=[]):
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "portal.apps.PortalConfig",
    "workspaces",
]

MIDDLEWARE = [
    "portal.middleware.RequestIdMiddleware",
    "portal.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses HTML (whitenoise serves static files pre-compressed and answers before this).
    # BREACH: Django's CSRF token is masked afresh in every response, and this middleware adds
    # random bytes to the gzip header ("Heal the Breach"); no page shows a key or other secret.
    "django.middleware.gzip.GZipMiddleware",
    # Outside every middleware that reads the session or the user: when one of those fails (the
    # database down), Django's error page is made at its turn and passes only the ones outside.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, letting probes and scrapers address a replica by its IP (portal.middleware).
    "portal.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.sso.SSOHeaderMiddleware",
    "portal.middleware.NoStoreForSignedInMiddleware",
    "portal.access.PortalLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "workspaces.middleware.HarnessErrorMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "workspaces.context_processors.portal",
                "workspaces.approvals.context_processors.approvals",
                "workspaces.favourites.context_processors.favourites",
            ],
            "builtins": ["django_htmx.templatetags.django_htmx"],
        },
    }
]

# Not kept as a setting: the debug page and error reports list every upper-case setting.
_database_url = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
# A URL it cannot read is refused naming the variable, never quoting it (it holds the password).
DATABASES = {
    "default": portal.envparse.env_url_config("DATABASE_URL", _database_url, env.db_url_config)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3. Persistent connections: with gunicorn's gthread workers every thread keeps its
    # own connection, so one replica holds up to GUNICORN_WORKERS x GUNICORN_THREADS of them;
    # keep replicas x workers x threads (+ the migrate job, admin shells) under max_connections.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
    # A kept connection is checked (SELECT 1) before a request uses it, so a restarted PostgreSQL
    # costs no failed request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # At least 1: libpq's connect_timeout=0 waits forever.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DB_CONNECT_TIMEOUT", 3)
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL plus a busy timeout lets gunicorn threads and the test live server share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
    # The test database is a file, not SQLite's shared in-memory database: threads (the live
    # server, the concurrent-submit test) then wait on SQLite's busy timeout instead of failing at
    # once with "database table is locked". One file per test process, removed when the run ends.
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", str(Path(tempfile.gettempdir()) / f"portal-test-{os.getpid()}.sqlite3")
    )

_cache_url = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="portal")
CACHE_RETRY_AFTER_SECONDS = env_seconds("CACHE_RETRY_AFTER_SECONDS", 5.0, zero=True)
if _cache_url.startswith(("redis://", "rediss://")):
    # Django's built-in Redis backend (portal.cache: the same, reusing its redis-py clients),
    # whatever django-environ would pick for the scheme (older releases map redis:// to
    # django-redis, which is not installed). Short socket timeouts: a dead Redis fails a request
    # (and /readyz) quickly instead of hanging a thread, and after a timeout or a refusal the
    # process skips Redis for CACHE_RETRY_AFTER_SECONDS (0: never) before asking it again.
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": env_seconds("REDIS_CONNECT_TIMEOUT", 1.0),
                "socket_timeout": env_seconds("REDIS_TIMEOUT", 2.0),
            },
        }
    }
elif _cache_url:
    _cache_name = "CACHE_URL" if env.str("CACHE_URL", default="") else "REDIS_URL"
    _cache = portal.envparse.env_url_config(_cache_name, _cache_url, env.cache_url_config)
    CACHES = {"default": {**_cache, "KEY_PREFIX": CACHE_KEY_PREFIX}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions in the database, read through the cache: any replica can serve any user, and a Redis
# restart signs no one out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Sign-in -------------------------------------------------------------------------------------
# PORTAL_AUTH, SSO_*, AUTHENTICATION_BACKENDS, SIGNIN_FAILURE*, FORWARDED_ALLOW_IPS and
# RATE_LIMITS: portal/settings_access.py.
globals().update(access_settings())
LOGIN_URL = "login"
CSRF_FAILURE_VIEW = "portal.access.csrf_failure"
# Error reports (admin e-mails, the debug page) redact Harness keys wherever they appear.
DEFAULT_EXCEPTION_REPORTER_FILTER = "portal.logs.KeyRedactingExceptionReporterFilter"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# --- Harness -----------------------------------------------------------------------------------
HARNESS_BASE_URL = env.str("HARNESS_BASE_URL", default="https://app.harness.io")
HARNESS_UI_URL = env.str("HARNESS_UI_URL", default="https://app.harness.io")
HARNESS_IACM_PREFIX = env.str("HARNESS_IACM_PREFIX", default="/iacm/api")
# The unit of workspace-metrics' start_time/end_time: Harness documents only "Unix timestamp"
# (UNCONFIRMED); its one hand-written IaCM time window (the costs endpoint) is in milliseconds.
HARNESS_METRICS_TIME_UNIT = env_choice("HARNESS_METRICS_TIME_UNIT", ("ms", "s"), default="ms")
HARNESS_CONNECT_TIMEOUT = env_seconds("HARNESS_CONNECT_TIMEOUT", 3.05)
HARNESS_READ_TIMEOUT = env_seconds("HARNESS_READ_TIMEOUT", 10.0)
HARNESS_CA_BUNDLE = portal.envparse.env_ca_bundle("HARNESS_CA_BUNDLE")  # "": the default CAs
# After this many consecutive Harness failures, calls pause for the cooldown (seconds).
HARNESS_BREAKER_THRESHOLD = env_int("HARNESS_BREAKER_THRESHOLD", 5)
HARNESS_BREAKER_COOLDOWN = env_seconds("HARNESS_BREAKER_COOLDOWN", 10.0)
# Fernet keys for the stored Harness API keys, comma-separated: the first encrypts, each
# decrypts (a rotation adds the new key second, then moves it first). Never SECRET_KEY.
HARNESS_TOKEN_KEYS = env_list("HARNESS_TOKEN_KEYS", default=[])
if not HARNESS_TOKEN_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured("HARNESS_TOKEN_KEYS must be set when DJANGO_ENV=production.")
    # A fixed development key so `make demo` works out of the box; a system check warns about it.
    HARNESS_TOKEN_KEYS = [DEV_HARNESS_TOKEN_KEY]
    HARNESS_TOKEN_KEYS_INSECURE = True
else:
    HARNESS_TOKEN_KEYS_INSECURE = False

# Status metrics: fresh for METRICS_CACHE_SECONDS, then served stale (while one request
# refreshes) for up to METRICS_STALE_SECONDS.
METRICS_CACHE_SECONDS = env_int("METRICS_CACHE_SECONDS", 300)
METRICS_STALE_SECONDS = env_int("METRICS_STALE_SECONDS", 24 * 3600)
METRICS_LOCK_SECONDS = env_int("METRICS_LOCK_SECONDS", 30)

# --- Security ----------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
# htmx sends the token from <body hx-headers>; no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True

# The production profile (DJANGO_ENV=production) turns these on; each can be set explicitly.
# TLS ends at the proxy/load balancer: SECURE_PROXY_SSL_HEADER names the header it sets, e.g.
# `HTTP_X_FORWARDED_PROTO,https` (only when clients cannot reach the portal except through it).
_proxy_ssl_header = env_list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2 or not _proxy_ssl_header[0].startswith("HTTP_"):
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must be `HTTP_<HEADER>,<value>`, e.g. "
            "HTTP_X_FORWARDED_PROTO,https."
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header[0], _proxy_ssl_header[1])
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
# Probes and scrapers talk plain HTTP to the pod/container, not through the TLS proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
# `__Host-` cookies: browsers accept them only with Secure, Path=/ and no Domain, so no other
# host (a sibling subdomain) can set or shadow them.
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
if CSRF_COOKIE_SECURE:
    CSRF_COOKIE_NAME = "__Host-csrftoken"
# Turning one of these off in production is a decision, not an oversight: it is written in the
# environment (as false or 0: any value but these is refused), so `check --deploy` does not warn
# about it again.
SILENCED_SYSTEM_CHECKS = []
if PRODUCTION:
    for _name, _check in (
        ("SECURE_SSL_REDIRECT", "security.W008"),
        ("SECURE_HSTS_SECONDS", "security.W004"),
        ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "security.W005"),
        ("SECURE_HSTS_PRELOAD", "security.W021"),
    ):
        if not globals()[_name] and _name in env:
            SILENCED_SYSTEM_CHECKS.append(_check)

# --- i18n / static -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# The portal speaks English only: without the translation machinery every message, form error
# and `timesince` skips a catalogue lookup (Django's performance advice for untranslated sites).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default="") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", default=PRODUCTION)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Outside production, whitenoise serves straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
if not PRODUCTION:
    # Django reports it from its request handler, so it is matched by message alone.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

# --- Logging -----------------------------------------------------------------------------------
# One line per request (`portal.request`) and per Harness call (`portal.harness`), each with the
# request id; JSON lines in production. Every record passes the redaction filter first.
LOG_LEVEL = env_log_level("LOG_LEVEL", default="INFO")
LOG_FORMAT = env_choice("LOG_FORMAT", ("json", "plain"), default="json" if PRODUCTION else "plain")
REQUEST_LOG = env_bool("REQUEST_LOG", default=True)
LOGGING = logging_config(level=LOG_LEVEL, log_format=LOG_FORMAT)
# Python's warnings as records of the logger `py.warnings`: JSON and redacted like every other
# line, not plain text on stderr.
logging.captureWarnings(True)

# --- Operations --------------------------------------------------------------------------------
# /metrics: allowed for TCP peers in these networks (CIDRs) or with `Authorization: Bearer
# <METRICS_BEARER_TOKEN>`; a 404 for anyone else. Loopback only by default outside production.
METRICS_ALLOWED_NETWORKS = env_list(
    "METRICS_ALLOWED_NETWORKS", default=[] if PRODUCTION else ["127.0.0.0/8", "::1/128"]
)
METRICS_BEARER_TOKEN = env.str("METRICS_BEARER_TOKEN", default="")
# /readyz: seconds to wait for the Harness base URL (connect and read).
READYZ_HARNESS_TIMEOUT = env_seconds("READYZ_HARNESS_TIMEOUT", 2.0)

# --- Wizard (issue 5) --------------------------------------------------------------------------
# How long a submit that timed out keeps checking (GET by identifier) whether Harness created the
# workspace anyway, and when a draft stuck in "submitting" (a crashed worker) is checked again.
WIZARD_RECONCILE_SECONDS = env_seconds("WIZARD_RECONCILE_SECONDS", 3.0, zero=True)
WIZARD_STALE_SUBMIT_SECONDS = env_int("WIZARD_STALE_SUBMIT_SECONDS", 120)
# Threads per process for the wizard's pickers (Harness list calls made in parallel), kept and
# reused; more wait their turn within their own timeout (default: one Harness read + 1 s).
WIZARD_PICKER_THREADS = env_int("WIZARD_PICKER_THREADS", 32)
WIZARD_PICKER_TIMEOUT = env_seconds("WIZARD_PICKER_TIMEOUT", HARNESS_READ_TIMEOUT + 1.0)
# Open (draft or failed) drafts a user may keep, and the age in days after which an untouched
# open draft is deleted by `manage.py expire_drafts` (run it daily, see deploy/k8s/).
WIZARD_MAX_OPEN_DRAFTS = env_int("WIZARD_MAX_OPEN_DRAFTS", 100)
WIZARD_DRAFT_MAX_AGE_DAYS = env_int("WIZARD_DRAFT_MAX_AGE_DAYS", 90)
# Raised from Django's 1,000 so every stored draft can be saved again: the largest POST is the
# Variables step, 2 groups x (200 rows + the 10 a formset builds past its limit) x 3 fields plus
# about 10 others = 1,270 fields. tests/workspaces/test_hostile_input.py checks they agree.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- Approvals and e-mail ----------------------------------------------------------------------
# E-mails tell approvers a request waits and requesters what was decided (workspaces.approvals).
# Outside production they are printed to the console; in production they go out by SMTP. Django
# 6.1 configures mail with MAILERS (the EMAIL_HOST-style settings are deprecated); the
# environment variables keep the familiar EMAIL_* names.
EMAIL_BACKEND_PATH = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
_smtp_options = {
    "host": env.str("EMAIL_HOST", default="localhost"),
    "port": env_int("EMAIL_PORT", 25, maximum=65535),
    "username": env.str("EMAIL_HOST_USER", default=""),
    "password": env.str("EMAIL_HOST_PASSWORD", default=""),
    "use_tls": env_bool("EMAIL_USE_TLS", default=False),
    "use_ssl": env_bool("EMAIL_USE_SSL", default=False),
    # Seconds; a slow mail server must not hold a request (a failed send is logged, not raised).
    "timeout": env_int("EMAIL_TIMEOUT", 10),
}
if _smtp_options["use_tls"] and _smtp_options["use_ssl"]:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL are both true: set one (EMAIL_USE_TLS for STARTTLS, "
        "usually port 587; EMAIL_USE_SSL for SSL from the start, usually port 465)."
    )
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": _smtp_options if EMAIL_BACKEND_PATH.endswith(".smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Workspace Portal <portal@localhost>")
# The portal's address as people reach it, for the links in e-mails (`check --deploy` warns about
# a loopback one: portal.W002).
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000")

# Across projects (`/workspaces/`): the projects a key can list are cached per key for
# ACROSS_DIRECTORY_SECONDS and at most ACROSS_MAX_PROJECTS are read; each list (key and query,
# not page) is fanned out with at most ACROSS_CONCURRENCY Harness calls at once and cached per key
# and query for ACROSS_CACHE_SECONDS after it completes. A process runs at most ACROSS_MAX_JOBS
# such fan-outs at once, at most ACROSS_MAX_JOBS_PER_KEY of them for one key (so one person cannot
# take them all); a list asked for beyond either is refused with "try again".
ACROSS_DIRECTORY_SECONDS = env_int("ACROSS_DIRECTORY_SECONDS", 300)
ACROSS_MAX_PROJECTS = env_int("ACROSS_MAX_PROJECTS", 200)
ACROSS_CONCURRENCY = env_int("ACROSS_CONCURRENCY", 8)
ACROSS_CACHE_SECONDS = env_int("ACROSS_CACHE_SECONDS", 30)
ACROSS_MAX_JOBS = env_int("ACROSS_MAX_JOBS", 16)
ACROSS_MAX_JOBS_PER_KEY = env_int("ACROSS_MAX_JOBS_PER_KEY", 4)
