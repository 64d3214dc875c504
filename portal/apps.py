from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal operations"

    def ready(self) -> None:
        from portal import checks  # noqa: F401  (registers system checks)
        from portal.logs import log_harness_call
        from portal.metrics import count_status_metrics_lookup, observe_harness_call
        from workspaces.harness import call_observers
        from workspaces.status_metrics import status_metrics_looked_up

        # One log line and the metrics for every Harness call, on the thread that made it.
        for observer in (observe_harness_call, log_harness_call):
            if observer not in call_observers:
                call_observers.append(observer)
        status_metrics_looked_up.connect(count_status_metrics_lookup, dispatch_uid="prometheus")
