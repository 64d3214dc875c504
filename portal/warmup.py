"""Warming a new gunicorn worker up before it takes its first request.

A worker loads Django and the middleware when it boots; the rest happens on the first requests:
importing the URLconf (every view, form and the Harness client), compiling the templates, loading
the template tag libraries, the static files manifest and redis-py. That made a new worker's first
filter change about 150 ms slower than the next ones (`make bench`, "first requests to a newly
started worker"), and gunicorn starts new workers on every deploy and every GUNICORN_MAX_REQUESTS
requests. `gunicorn.conf.py` calls `warm_up()` in each worker before it accepts connections.

Nothing here opens a connection: the database and Redis are reached on the first request as
before, so a worker still boots while either is down.
"""

import logging
import time

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.template import engines
from django.urls import get_resolver, reverse

logger = logging.getLogger("portal.warmup")


def project_templates() -> list[str]:
    """The names of the portal's own templates (those under `templates/`)."""
    root = settings.BASE_DIR / "templates"
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*.html"))


def warm_up() -> None:
    """Do now what the first requests would do. A failure is logged, never raised: the worker
    then serves as it would have without the warm-up."""
    started = time.perf_counter()
    try:
        get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view module
        reverse("healthz")  # builds the resolver's reverse lookup tables
        engine = engines["django"]
        engine.engine.template_context_processors  # noqa: B018 - imports them once
        names = project_templates()
        for name in names:
            engine.get_template(name)  # compiled into the cached loader, tag libraries loaded
        staticfiles_storage.base_url  # noqa: B018 - reads the manifest of hashed names
        for alias in settings.CACHES:
            prepare = getattr(caches[alias], "prepare", None)
            if prepare is not None:
                prepare()
    except Exception:
        logger.exception("Warming the worker up failed; it serves requests all the same.")
        return
    logger.info(
        "Worker warmed up in %.0f ms (%d templates compiled).",
        (time.perf_counter() - started) * 1000,
        len(names),
    )
