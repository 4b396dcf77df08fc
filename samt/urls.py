"""The project's URLs: the kernel's own pages, then each app under its prefix."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from samt import views

kernel = (
    [
        path("", views.public_home, name="public_home"),
        path("healthz/", views.health, name="health"),
        path("favicon.ico", views.favicon, name="favicon"),
        path("login/", views.LoginView.as_view(), name="login"),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("home/", views.home, name="home"),
        path("password/", views.PasswordChangeView.as_view(), name="password_change"),
        path("otp/enrol/", views.otp_enrol, name="otp_enrol"),
        path("otp/verify/", views.otp_verify, name="otp_verify"),
        path("hq/audit/", views.audit_list, name="audit_list"),
        path("dev/sms/", views.sms_outbox, name="sms_outbox"),
        # Clause 1's outreach: a poster's QR lands here (short, printed under the code), the public list of
        # branches, and the kits staff download.
        path("q/<str:tag>/", views.scan, name="scan"),
        path("find-branch/", views.find_branch, name="find_branch"),
        path("outreach/", views.outreach_kits, name="outreach"),
        path("outreach/<str:tag>/<str:kind>.pdf", views.outreach_kit, name="outreach_kit"),
    ],
    "samt",
)

urlpatterns = [
    path("", include(kernel)),
    path("", include("insured.public_urls")),
    path("me/", include("insured.urls")),
    path("branch/", include("branches.urls")),
    path("broker/", include("brokers.urls")),
    path("pay/", include("payments.urls")),
    # Short, because the link travels in an SMS and under a printed QR: pay a slip without a login.
    path("p/", include("payments.public_urls")),
    path("hq/", include("hq.urls")),
    # The admin signs in through our login page, which enforces the lockout and the second factor.
    path("admin/login/", RedirectView.as_view(pattern_name="samt:login", query_string=True)),
    path("admin/", admin.site.urls),
]

# The PSP simulator stands in for the bank in development only (payments.md §10).
if settings.SAMT_PSP_SIMULATOR:
    urlpatterns.append(path("psp/", include("payments.simulator.urls")))
