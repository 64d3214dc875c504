"""The local `.env` file, read the same way by the settings and by `gunicorn.conf.py`.

gunicorn reads its configuration (workers, port, the worker timeout derived from the Harness
timeouts) before Django loads: both must see the same values.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

DEFAULT_ENV_FILE = Path(__file__).resolve().parent.parent / ".env"


def read_env_file() -> None:
    """Puts the variables of `PORTAL_ENV_FILE` (default: `.env` in the project, if there is one)
    into `os.environ`; a variable the environment already sets keeps its value. A file named by
    `PORTAL_ENV_FILE` must exist: running on the defaults instead would go unnoticed."""
    named = os.environ.get("PORTAL_ENV_FILE")
    if named and not Path(named).exists():
        raise ImproperlyConfigured(f"PORTAL_ENV_FILE names {named}, which does not exist.")
    environ.Env.read_env(named or DEFAULT_ENV_FILE, overwrite=False)
