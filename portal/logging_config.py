"""The `LOGGING` setting: one console handler, every record through the request-id and redaction
filters (`portal.logs`), plain text or JSON lines."""


def logging_config(*, level: str, log_format: str) -> dict:
    """Django's `LOGGING` dict for `level` and `log_format` ("plain" or "json")."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "portal.logs.RequestIdFilter"},
            "redact": {"()": "portal.logs.RedactSecretsFilter"},
        },
        "formatters": {
            "plain": {
                "()": "portal.logs.PlainFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            },
            "json": {"()": "portal.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id", "redact"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's defaults (DEFAULT_LOGGING) give `django` a console handler of its own (on with
        # DEBUG) and `django.server` one that does not propagate: either writes records
        # unredacted. Here they lose those handlers and pass every record to the root's, once.
        "loggers": {
            "django": {"handlers": [], "propagate": True},
            "django.server": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }
