from django.apps import AppConfig


class SamtConfig(AppConfig):
    name = "samt"
    verbose_name = "سازمان و هسته"

    def ready(self) -> None:
        from samt import jobs  # noqa: F401  (registers the worker's jobs)
