"""gunicorn's logger with a JSON access log (and JSON error log when `LOG_FORMAT=json`).

gunicorn fills `access_log_format` from "atoms"; `JsonSafeAtoms` escapes each value for a JSON
string, so a user agent with quotes or backslashes cannot break the line. Both logs pass the
same redaction filter as the application's.
"""

from __future__ import annotations

import json
import os

from gunicorn.glogging import Logger, SafeAtoms

from portal.logs import JsonFormatter, RedactSecretsFilter


class JsonSafeAtoms(SafeAtoms):
    def __init__(self, atoms):
        dict.__init__(self)
        for key, value in atoms.items():
            self[key] = json.dumps(value)[1:-1] if isinstance(value, str) else value


def log_format() -> str:
    production = os.environ.get("DJANGO_ENV", "development") == "production"
    return os.environ.get("LOG_FORMAT") or ("json" if production else "plain")


class PortalGunicornLogger(Logger):
    atoms_wrapper_class = JsonSafeAtoms

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in [*self.error_log.handlers, *self.access_log.handlers]:
            handler.addFilter(RedactSecretsFilter())
        if log_format() == "json":
            for handler in self.error_log.handlers:
                handler.setFormatter(JsonFormatter())
