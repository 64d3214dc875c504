from django.core.management.base import BaseCommand, CommandError

from workspaces.services import credentials_rotate


class Command(BaseCommand):
    help = "Re-encrypt every stored Harness key under the first HARNESS_TOKEN_KEYS key."

    def handle(self, *args, **options) -> None:
        rotated, failed = credentials_rotate()
        self.stdout.write(f"Re-encrypted {rotated} stored Harness key(s).")
        if failed:
            raise CommandError(
                f"{failed} stored key(s) could not be decrypted with any configured key; "
                "those users must enter their key again."
            )
