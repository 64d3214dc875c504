from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = "Harness workspaces"

    def ready(self) -> None:
        from workspaces import checks  # noqa: F401  (registers system checks)
