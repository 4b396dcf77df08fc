from django.apps import AppConfig


class SamtConfig(AppConfig):
    name = "samt"
    verbose_name = "سازمان و هسته"

    def ready(self) -> None:
        from samt import jobs, sms_kavenegar  # noqa: F401  (register the worker's jobs and the provider check)
