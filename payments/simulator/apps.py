from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "payments.simulator"
    label = "psp_simulator"
    verbose_name = "شبیه‌ساز درگاه پرداخت"

    def ready(self) -> None:
        from payments.simulator import checks  # noqa: F401  (registers the system check)
