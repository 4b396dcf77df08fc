"""Mounted at /psp/ by samt/urls.py only when settings.SAMT_PSP_SIMULATOR is on.

The first six paths are SEP's own (payments.md §2) and the next two Mellat's (§3), so each adapter's base URL
is all that changes when a real terminal is used.
"""

from django.urls import path

from payments.simulator.views import card, control, mellat_api, sep_api

app_name = "psp_simulator"

sep = [
    path("onlinepg/onlinepg", sep_api.token, name="token"),
    path("OnlinePG/OnlinePG", card.payment_page, name="payment_page"),
    path("OnlinePG/SendToken", card.send_token, name="send_token"),
    path("verifyTxnRandomSessionkey/api/v2/ipg/payment/receipt", sep_api.receipt, name="receipt"),
    path("verifyTxnRandomSessionkey/ipg/VerifyTransaction", sep_api.verify_transaction, name="verify"),
    path("verifyTxnRandomSessionkey/ipg/ReverseTransaction", sep_api.reverse_transaction, name="reverse"),
]

mellat = [
    path("pgwchannel/services/pgw", mellat_api.service, name="mellat_service"),
    path("pgwchannel/startpay.mellat", card.mellat_payment_page, name="mellat_payment_page"),
]

pages = [
    path("", card.help_page, name="help"),
    path("pay/<str:token>/", card.card_page, name="card_page"),
    path("pay/<str:token>/receipt/", card.receipt_page, name="receipt_page"),
    path("inbox/", card.inbox, name="inbox"),
]

control_pages = [
    path("control/", control.control_page, name="control"),
    path("control/terminals/<str:terminal_id>/", control.control_settings, name="control_settings"),
    path("control/terminals/<str:terminal_id>/clock/", control.control_clock, name="control_clock"),
    path("control/auto-reverse/", control.control_sweep, name="control_sweep"),
    path("control/reset/", control.control_reset, name="control_reset"),
    path("control/replay/", control.control_replay, name="control_replay"),
    path("control/api/tokens/<str:token>/", control.api_token_state, name="api_token_state"),
    path("control/api/terminals/<str:terminal_id>/transactions/", control.api_transactions,
         name="api_transactions"),
    path("control/api/terminals/<str:terminal_id>/settlement.csv", control.api_settlement_csv,
         name="api_settlement_csv"),
    path("control/api/terminals/<str:terminal_id>/settings/", control.api_settings, name="api_settings"),
    path("control/api/terminals/<str:terminal_id>/clock/", control.api_clock, name="api_clock"),
    path("control/api/auto-reverse/", control.api_sweep, name="api_sweep"),
    path("control/api/reset/", control.api_reset, name="api_reset"),
    path("control/api/pay/", control.api_pay, name="api_pay"),
    path("control/api/replay/", control.api_replay, name="api_replay"),
    path("control/api/inbox/", control.api_inbox, name="api_inbox"),
]

urlpatterns = sep + mellat + pages + control_pages
