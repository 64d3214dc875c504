"""Logging for operations: the request id in every line, JSON lines in production, and a filter
that redacts anything that looks like a key before a record reaches any output.

- `request_id_var` holds the current request's id (set by `RequestIdMiddleware`);
  `RequestIdFilter` copies it onto each record as `request_id`.
- `JsonFormatter` writes one JSON object per line: time, level, logger, message, request id and
  the record's `extra` fields (`LOG_FORMAT=json`, the default in production).
- `RedactSecretsFilter` rewrites the message, its arguments, `extra` strings and the exception
  text: Harness keys (`pat.…`/`sat.…`), `x-api-key` values, bearer tokens, Fernet tokens and
  keys, and the literal values of the configured secrets are replaced by `[redacted]`.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from contextvars import ContextVar
from functools import cache

from django.conf import settings
from django.template.defaultfilters import pprint
from django.views.debug import SafeExceptionReporterFilter

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

REDACTED = "[redacted]"

# (pattern, replacement, a literal every match contains, whether to look for it in lower case):
# a line without the literal cannot match, so the regular expression is not run on it. Log lines
# rarely hold any of them, and running all five on every string of every record was most of
# the cost of logging a request.
_PATTERNS: tuple[tuple[re.Pattern[str], str, str, bool], ...] = (
    # Harness personal access and service account tokens: pat.<account>.<id>.<secret>
    (re.compile(r"\b(?:pat|sat)\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*"), REDACTED, "at.", False),
    # The header Harness keys travel in, as a header, a dict repr or key=value.
    (
        re.compile(r"(?i)(x-api-key[\"']?\s*[:=]\s*[\"']?)[^\s\"',;}]+"),
        r"\1" + REDACTED,
        "x-api-key",
        True,
    ),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1" + REDACTED, "bearer", True),
    # Fernet tokens (the stored, encrypted Harness keys) start with the version byte 0x80.
    (re.compile(r"gAAAAA[A-Za-z0-9_-]{20,}={0,2}"), REDACTED, "gAAAAA", False),
    # Fernet keys: 32 bytes of urlsafe base64 (HARNESS_TOKEN_KEYS).
    (
        re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=(?![A-Za-z0-9_=-])"),
        REDACTED,
        "=",
        False,
    ),
)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | {"message", "asctime", "request_id", "taskName"}
)
# Never written out: Django's `request` extra is a repr with the query string.
_NOT_LOGGED = frozenset({"request"})


def _configured_secrets() -> tuple[str, ...]:
    """Literal secret values from the settings (once they are loaded), longest first."""
    # Never remember an answer given before the settings are loaded: gunicorn's master logs
    # "Starting gunicorn" before that, and its forked workers would inherit the empty answer.
    return _secrets_in_settings() if settings.configured else ()


@cache
def _secrets_in_settings() -> tuple[str, ...]:
    values: list[str] = [
        settings.SECRET_KEY,
        *getattr(settings, "SECRET_KEY_FALLBACKS", []),
        getattr(settings, "METRICS_BEARER_TOKEN", ""),
        *(
            mailer.get("OPTIONS", {}).get("password") or ""
            for mailer in getattr(settings, "MAILERS", {}).values()
        ),
        *getattr(settings, "HARNESS_TOKEN_KEYS", []),
    ]
    for database in settings.DATABASES.values():
        values.append(database.get("PASSWORD") or "")
    return tuple(sorted({v for v in values if isinstance(v, str) and len(v) >= 8}, key=len)[::-1])


# A whole Harness key, `pat.<account>.<token id>.<secret>` (or `sat.…`), as a token of its own
# inside any text. Narrower than the redaction above (which also takes `pat.<anything>`): what the
# wizard refuses and the audit trail takes out, so it must not take what only starts like a key,
# an e-mail address (`pat.de.la.cruz@example.com`) or a host (`https://sat.eu.example.com/v1`).
_HARNESS_KEY_IN_TEXT = re.compile(
    r"""
    (?<![\w.@/-])               # not inside a word, a dotted name, an address, a path or a URL
    (?:pat|sat)
    (?:\.[A-Za-z0-9_-]+){3}     # .<account>.<token id>.<secret>
    (?![\w@/-]|\.\w)            # nor followed by more of one; a full stop ends a sentence
    """,
    re.VERBOSE,
)


def holds_harness_key(text: str) -> bool:
    """Whether `text` holds something shaped like a whole Harness API key, or the mark one left
    where `redact_harness_keys` took it out (a paste shown redacted and posted again)."""
    return REDACTED in text or ("at." in text and _HARNESS_KEY_IN_TEXT.search(text) is not None)


def redact_harness_keys(text: str) -> str:
    """`text` with each whole Harness key replaced (a paste shown again: only what
    `holds_harness_key` refuses is hidden, so that the paste posted again reads the same)."""
    return _HARNESS_KEY_IN_TEXT.sub(REDACTED, text) if "at." in text else text


def redact(text: str) -> str:
    """`text` with anything that looks like a key or a configured secret replaced."""
    for secret in _configured_secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement, literal, any_case in _PATTERNS:
        if literal in (text.lower() if any_case else text):
            text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Redacts keys and secrets in the message, its arguments, `extra` strings and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(record.__dict__.items()):
            if name not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, name, redact(value))
        return True


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or `-` outside a request) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs 4xx/5xx (`django.request`) after the middleware has finished; those
        # records carry the request itself.
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or request_id_var.get()
        return True


# Control characters in a message (a newline in a requested path...) as JSON writes them, so one
# record stays one line and nobody can forge a log line through a URL.
_CONTROL_ESCAPES = {
    **{code: f"\\u{code:04x}" for code in (*range(0x20), 0x7F)},
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


class PlainFormatter(logging.Formatter):
    """The development format: one line per record (a traceback, if any, follows it)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return super().formatMessage(record).translate(_CONTROL_ESCAPES)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the record's `extra` fields at the top level."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for name, value in record.__dict__.items():
            if name not in _STANDARD_ATTRS and name not in _NOT_LOGGED and name not in entry:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


harness_logger = logging.getLogger("portal.harness")


def log_harness_call(
    route: str, status: int | None, seconds: float, error_name: str | None
) -> None:
    """A `workspaces.harness.call_observers` hook: one INFO line per Harness call."""
    duration_ms = round(seconds * 1000, 1)
    harness_logger.info(
        "Harness %s -> %s in %.1f ms",
        route,
        status if status is not None else error_name,
        duration_ms,
        extra={
            "harness_route": route,
            "harness_status": status,
            "harness_error": error_name,
            "duration_ms": duration_ms,
        },
    )


class KeyRedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports (admin e-mails, the debug page) never carry a Harness key.

    Django cleanses POST data only for views marked `sensitive_post_parameters`; this filter also
    treats every field named like a key as sensitive, and redacts key-shaped strings in any other
    request value, wherever the error happened. Settings named like a secret are hidden, and the
    password of any URL in the others (a cache's `LOCATION`: `rediss://:password@host`) masked.
    """

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|AUTHORIZATION", flags=re.I
    )
    # scheme://user:password@ -> the password part
    url_password = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)[^@\s]*(@)", flags=re.I)

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            return self.url_password.sub(rf"\g<1>{self.cleansed_substitute}\g<2>", cleansed)
        return cleansed

    def get_post_parameters(self, request):
        params = super().get_post_parameters(request)
        if request is None or not params:
            return params
        cleansed = params.copy()
        for name, values in params.lists():
            if self.hidden_settings.search(name):
                cleansed.setlist(name, [self.cleansed_substitute] * len(values))
            else:
                cleansed.setlist(name, [redact(str(v)) for v in values])
        return cleansed

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        return {k: redact(v) if isinstance(v, str) else v for k, v in meta.items()}

    def get_traceback_frame_variables(self, request, tb_frame):
        """Each frame's local variables with those named like a secret (`api_key`) hidden, a
        key-shaped string redacted, and any other value whose text, as the report would show
        it, holds a key hidden: the client's `{"x-api-key": ...}` headers, and requests' and
        urllib3's header mappings (not dicts) in their frames. A crash while a key is in hand
        shows no key."""
        shown = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            if self.hidden_settings.search(name):
                value = self.cleansed_substitute
            elif isinstance(value, str):
                value = redact(value)
            elif redact(text := pprint(value)) != text:  # the text the report shows
                value = self.cleansed_substitute
            shown.append((name, value))
        return shown
