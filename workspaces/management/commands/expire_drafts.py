from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workspaces.wizard.drafts import drafts_expire


class Command(BaseCommand):
    help = (
        "Delete open wizard drafts (draft or failed) untouched for WIZARD_DRAFT_MAX_AGE_DAYS days "
        "(default 90). Run it daily, e.g. from a cron job or the Kubernetes CronJob in deploy/k8s."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Age in days instead of WIZARD_DRAFT_MAX_AGE_DAYS.",
        )

    def handle(self, *args, **options) -> None:
        days = (
            options["days"] if options["days"] is not None else settings.WIZARD_DRAFT_MAX_AGE_DAYS
        )
        if days < 1:
            raise CommandError("The age must be at least one day.")
        deleted = drafts_expire(max_age_days=days)
        self.stdout.write(f"Deleted {deleted} draft(s) untouched for {days} days or more.")
