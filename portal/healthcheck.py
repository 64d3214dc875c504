"""The container's HEALTHCHECK: `python -m portal.healthcheck` (the slim image has no curl).

GETs `/healthz` on the local gunicorn with a Host header taken from ALLOWED_HOSTS (Django would
answer 400 to `Host: 127.0.0.1` in production). Exit status 0 when it answers 200. Stdlib only,
no Django: it runs every few seconds.
"""

import http.client
import os
import sys


def probe_host(allowed_hosts: str) -> str:
    """A Host header the portal accepts: the first ALLOWED_HOSTS entry, made concrete."""
    first = next((h.strip() for h in allowed_hosts.split(",") if h.strip()), "localhost")
    if first == "*":
        return "localhost"
    if first.startswith("."):
        return "healthcheck" + first
    return first


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    host = probe_host(os.environ.get("ALLOWED_HOSTS", ""))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
    try:
        connection.request("GET", "/healthz", headers={"Host": host})
        status = connection.getresponse().status
    except OSError as err:
        print(f"healthcheck: {type(err).__name__}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
