"""`make demo`: the fake Harness and the portal on this machine, stopped together by Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError


def _wait_for(url: str, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return  # it answers, whatever it says
        except OSError:
            time.sleep(0.2)
    raise CommandError(f"{url} did not answer within {seconds:.0f} s.")


def _raise_keyboard_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Start harness_fake and the portal with a demo user; Ctrl-C stops both."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--fake-port", type=int, default=int(os.environ.get("HARNESS_FAKE_PORT", "8700"))
        )
        parser.add_argument(
            "--latency-ms", type=int, default=int(os.environ.get("HARNESS_FAKE_LATENCY_MS", "0"))
        )

    def handle(self, *args, port: int, fake_port: int, latency_ms: int, **options) -> None:
        # Ctrl-C or a SIGTERM (from a process manager, or a shell that started us in the
        # background with SIGINT ignored) both end the demo cleanly.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        fake_url = f"http://127.0.0.1:{fake_port}"
        env = {
            **os.environ,
            "HARNESS_BASE_URL": fake_url,
            "HARNESS_UI_URL": os.environ.get("HARNESS_UI_URL", "https://app.harness.io"),
            "PORTAL_AUTH": "local",
        }
        python = sys.executable
        processes: list[subprocess.Popen] = []
        try:
            processes.append(
                subprocess.Popen(  # noqa: S603
                    [
                        python,
                        "-m",
                        "harness_fake",
                        "--port",
                        str(fake_port),
                        "--latency-ms",
                        str(latency_ms),
                        "--seed",
                        "demo",
                    ],
                    env=env,
                )
            )
            _wait_for(f"{fake_url}/_fake/seed", seconds=15)
            for command in (["migrate", "--noinput"], ["demo_setup"]):
                subprocess.run([python, "manage.py", *command], env=env, check=True)  # noqa: S603
            processes.append(
                subprocess.Popen(  # noqa: S603
                    [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], env=env
                )
            )
            _wait_for(f"http://127.0.0.1:{port}/healthz", seconds=20)
            self.stdout.write(
                self.style.SUCCESS(
                    f"\n  Portal:       http://127.0.0.1:{port}/\n"
                    "  Sign in as:   demo / demo\n"
                    "  Approver:     approver / approver  (in another browser: approves new\n"
                    "                workspaces tagged env=prod in default/infra, with their key)\n"
                    f"  Fake Harness: {fake_url}  (seeded keys: {fake_url}/_fake/seed)\n"
                    "  Press Ctrl-C to stop both.\n"
                )
            )
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
            raise CommandError("A demo process stopped unexpectedly.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        except subprocess.CalledProcessError as err:
            raise CommandError(f"Demo setup failed: {err}") from err
        finally:
            for process in reversed(processes):
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
