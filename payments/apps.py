from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "پرداخت‌ها"

    def ready(self) -> None:
        from insured.slips import unsettled_payment_check_register
        from payments import checks, jobs  # noqa: F401  (register the system check and the worker's job)
        from payments.selectors import payments_unsettled

        # A slip whose payment the bank has not settled is not replaced by a newer one (insured/ asks us).
        unsettled_payment_check_register(payments_unsettled)
