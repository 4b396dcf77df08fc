from django.apps import AppConfig


class HqConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "hq"
    verbose_name = "ستاد استان"
