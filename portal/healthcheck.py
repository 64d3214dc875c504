"""The container's HEALTHCHECK: `python -m portal.healthcheck` (the slim image has no curl).

GETs `/healthz` on the local gunicorn with a Host header taken from ALLOWED_HOSTS (Django would
answer 400 to `Host: 127.0.0.1` in production). Exit status 0 when it answers 200. Stdlib only,
no Django: it runs every few seconds.

PORT and ALLOWED_HOSTS are read as the portal reads them: from the environment, else from the
file `PORTAL_ENV_FILE` names (default: `.env` in the project, if there is one;
`portal/envfile.py`, which imports Django). The file is parsed here with the stdlib, line by line
as django-environ's `read_env` parses it: `[export ]NAME=value`, the value taken as written or
from inside single or double quotes (backslash escapes aside: no host name or port holds one).
"""

import http.client
import os
import re
import sys
from pathlib import Path

DEFAULT_ENV_FILE = Path(__file__).resolve().parent.parent / ".env"
_LINE = re.compile(r"\A(?:export )?([A-Za-z_0-9]+)=(.*)\Z")


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of a `.env` file; empty when there is none or it cannot be read."""
    try:
        content = path.read_text(encoding="utf8")
    except OSError:
        return {}
    variables = {}
    for line in content.splitlines():
        if match := _LINE.match(line):
            name, value = match.groups()
            if quoted := re.match(r"\A'(.*)'\Z", value) or re.match(r'\A"(.*)"\Z', value):
                value = quoted.group(1)
            variables[name] = value
    return variables


def setting(name: str, default: str) -> str:
    """The variable as the portal sees it: the environment's, else the env file's."""
    if name in os.environ:
        return os.environ[name]
    named = os.environ.get("PORTAL_ENV_FILE")
    return read_env_file(Path(named) if named else DEFAULT_ENV_FILE).get(name, default)


def probe_host(allowed_hosts: str) -> str:
    """A Host header the portal accepts: the first ALLOWED_HOSTS entry, made concrete."""
    first = next((h.strip() for h in allowed_hosts.split(",") if h.strip()), "localhost")
    if first == "*":
        return "localhost"
    if first.startswith("."):
        return "healthcheck" + first
    return first


def main() -> int:
    port = int(setting("PORT", "8000"))
    host = probe_host(setting("ALLOWED_HOSTS", ""))
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
