"""``python -m harness_fake --port 8700 [--latency-ms N] [--seed demo] [--extra-projects N]``."""

from __future__ import annotations

import argparse

from harness_fake.server import make_server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness_fake", description=__doc__)
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--latency-ms", type=float, default=0, help="sleep on every Harness route")
    parser.add_argument("--seed", default="demo")
    parser.add_argument(
        "--extra-projects", type=int, default=0, help="add N small projects in an org `teams`"
    )
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)

    server = make_server(
        args.host,
        args.port,
        seed=args.seed,
        latency_ms=args.latency_ms,
        verbose=args.verbose,
        extra_projects=args.extra_projects,
    )
    print(f"harness_fake listening on {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
