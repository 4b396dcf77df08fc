from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "پرداخت‌ها"

    def ready(self) -> None:
        from payments import checks, jobs  # noqa: F401  (register the system check and the worker's job)
