from django.apps import AppConfig


class HqConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "hq"
    verbose_name = "ستاد استان"

    def ready(self) -> None:
        from hq import jobs  # noqa: F401  (register the data-processing job with the worker)
