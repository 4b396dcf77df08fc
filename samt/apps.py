from django.apps import AppConfig


class SamtConfig(AppConfig):
    name = "samt"
    verbose_name = "سازمان و هسته"
