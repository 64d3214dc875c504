#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings
    except ImproperlyConfigured as err:
        # A variable the settings refuse (portal/envparse.py) is one line naming it, not a
        # traceback through Django's settings loader.
        sys.exit(f"ImproperlyConfigured: {err}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
