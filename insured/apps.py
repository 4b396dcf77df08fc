from django.apps import AppConfig


class InsuredConfig(AppConfig):
    name = "insured"
    verbose_name = "بیمه‌شدگان"

    def ready(self) -> None:
        from insured import jobs  # noqa: F401  (registers the reminders with the worker)
