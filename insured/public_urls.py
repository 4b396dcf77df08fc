"""Pages of the insured app that anyone may open without logging in, included by samt/urls.py at the root.

Every public page of the app adds its route here, so the project's URL list keeps one line for all of them.
"""

from django.urls import path

from insured.views import calculator, verification

app_name = "insured_public"
urlpatterns = [
    path("calculator/", calculator.calculator, name="calculator"),
    path("verify/", verification.verify, name="verify"),
]
