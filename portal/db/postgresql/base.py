"""Django's PostgreSQL backend, checking a kept connection's health only after it sat idle.

With `CONN_HEALTH_CHECKS`, Django runs `SELECT 1` before the first query of every request on a
persistent connection: a round trip and close to a millisecond of CPU per request on a small
machine, for connections that answered a moment ago. This backend does what PgBouncer's
`server_check_delay` does: a connection whose last request ended less than `HEALTH_CHECK_DELAY`
seconds ago (`DB_HEALTH_CHECK_DELAY`, default 10; 0 checks before every request) is used without
the check. Connections idle longer are checked as before; a connection on which a query failed
is checked (and dropped when dead) at the end of that request, as Django always does.

The cost: when PostgreSQL restarts, a thread whose connection was in use in the last few seconds
fails one request before reconnecting.
"""

import time

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._released_at: float | None = None

    def close_if_unusable_or_obsolete(self):
        # Called when each request starts and when it ends.
        now = time.monotonic()
        delay = self.settings_dict.get("HEALTH_CHECK_DELAY", 0)
        recently_used = self._released_at is not None and now - self._released_at < delay
        super().close_if_unusable_or_obsolete()
        if self.connection is None:
            self._released_at = None
            return
        if recently_used and not self.errors_occurred:
            self.health_check_done = True
        self._released_at = now
