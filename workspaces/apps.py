from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = "Harness workspaces"

    def ready(self) -> None:
        from django.conf import settings

        from workspaces import checks  # noqa: F401  (registers system checks)
        from workspaces.harness import configure_breakers
        from workspaces.harness.transport import configure_ca_bundle

        configure_breakers(
            threshold=settings.HARNESS_BREAKER_THRESHOLD, cooldown=settings.HARNESS_BREAKER_COOLDOWN
        )
        configure_ca_bundle(settings.HARNESS_CA_BUNDLE)
