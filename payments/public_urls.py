"""Paying a slip without a login: /p/ (by number and national code) and /p/<code>/ (the printed QR, the SMS link)."""

from django.urls import path

from payments import public_views

app_name = "pay_public"
urlpatterns = [
    path("", public_views.lookup, name="lookup"),
    path("<str:code>/", public_views.slip, name="slip"),
    path("<str:code>/pay/", public_views.pay, name="pay"),
]
