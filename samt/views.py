"""The kernel's pages: public home, login and second factor, role routing, HQ audit, SMS outbox."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from samt import outreach
from samt.access import AuthenticatedRequest, role_required, visible_branches, visible_offices
from samt.actors import Actor
from samt.audit import audit_record
from samt.forms import TOKEN_INVALID, AuditFilterForm, LoginForm, PersianPasswordChangeForm, TokenForm
from samt.jalali import JalaliMonth
from samt.logins import remember_previous_login
from samt.models import BRANCH_ROLES, HQ_ROLES, OFFICE_ROLES, AuditEvent, SmsMessage, User
from samt.pdf import pdf_response, render_pdf
from samt.qr import qr_svg


def health(request: HttpRequest) -> HttpResponse:
    """For the load balancer (and the benchmark's floor): the process answers, nothing else is touched."""
    return HttpResponse("ok", content_type="text/plain")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers ask for /favicon.ico whatever the page links to."""
    return redirect(staticfiles_storage.url("samt/favicon.ico"), permanent=True)


def public_home(request: HttpRequest) -> HttpResponse:
    # Arriving from a poster's QR (samt:scan), the page names the place whose poster it was.
    place = outreach.place_for_tag(request.GET.get("src", ""))
    return render(request, "samt/public_home.html", {"kit": outreach.kit_for(place) if place else None})


@require_safe
def scan(request: HttpRequest, tag: str) -> HttpResponse:
    """Where a poster's or brochure's QR lands: counts a scan of the place the tag names, then shows the public
    page. A tag of no branch or open office counts nothing and still lands on the page (an old poster)."""
    place = outreach.place_for_tag(tag)
    if place is None:
        return redirect("samt:public_home")
    if request.method == "GET":  # a link preview's HEAD is not a person reading the poster
        outreach.scan_record(place=place)
    return redirect(f"{reverse('samt:public_home')}?src={outreach.place_tag(place)}")


@require_safe
def find_branch(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    return render(request, "samt/find_branch.html", {"query": query,
                                                     "directory": outreach.branch_directory(query)})


KIT_READERS = (*BRANCH_ROLES, *OFFICE_ROLES, *HQ_ROLES)


@role_required(*KIT_READERS)
def outreach_kits(request: AuthenticatedRequest) -> HttpResponse:
    """The kits the reader may download: a branch's staff their branch's, an office's operators their office's,
    HQ its province's."""
    month = JalaliMonth.current()
    return render(request, "samt/outreach/kits.html", {"rows": outreach.kits_for(request.user, month),
                                                       "month": month, "kinds": outreach.KITS.items()})


@role_required(*KIT_READERS)
def outreach_kit(request: AuthenticatedRequest, tag: str, kind: str) -> HttpResponse:
    if kind not in outreach.KITS:
        raise Http404
    place = outreach.place_for_user_or_404(request.user, tag)
    pdf = render_pdf(f"samt/outreach/{kind}.html", {"kit": outreach.kit_for(place)})
    return pdf_response(pdf, f"{kind}-{tag}.pdf")


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        previous = form.get_user().last_login  # the sign-in below overwrites it
        response = super().form_valid(form)
        remember_previous_login(self.request, previous)
        with transaction.atomic():
            audit_record(actor=Actor.from_request(self.request), action="auth.login", subject=form.get_user())
        return response

    def get_default_redirect_url(self) -> str:
        return reverse("samt:home")


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Sends each role to its own home page."""
    user = request.user
    if user.membership_or_none is None and user.is_superuser:
        return redirect("admin:index")
    return redirect(settings.SAMT_ROLE_HOME_URLS[user.role])


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    form_class = PersianPasswordChangeForm
    success_url = reverse_lazy("samt:home")

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        forced = getattr(self.request.user, "must_change_password", False)  # behind login_required
        return {**super().get_context_data(**kwargs), "forced": forced}

    def form_valid(self, form: PersianPasswordChangeForm) -> HttpResponse:
        # The form's save() writes the whole user row, so the flag is cleared in the same UPDATE as the hash.
        form.user.must_change_password = False
        with transaction.atomic():
            response = super().form_valid(form)
            audit_record(actor=Actor.from_request(self.request), action="auth.password_changed", subject=form.user)
        messages.success(self.request, "گذرواژه شما تغییر کرد.")
        return response


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("samt:home")


ENROL_KEY = "samt_otp_enrol_key"


def _enrolling_device(request: AuthenticatedRequest) -> TOTPDevice:
    """The device being enrolled: the unconfirmed one a wrong code left behind, else one not yet saved whose key
    waits in the session. Showing the QR code writes no device; the first code typed (right or wrong) saves it."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is not None:
        return device
    key = request.session.get(ENROL_KEY)
    if key is None:
        key = request.session[ENROL_KEY] = default_key()
    return TOTPDevice(user=request.user, name="authenticator", confirmed=False, key=key)


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: AuthenticatedRequest) -> HttpResponse:
    """First login of a staff member: show a QR code for an authenticator app and confirm one code."""
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect(f"{reverse('samt:otp_verify')}?next={_safe_next(request)}")
    device = _enrolling_device(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_record(actor=Actor.from_request(request), action="auth.otp_enrolled", subject=user)
            otp_login(request, device)
            request.session.pop(ENROL_KEY, None)
            messages.success(request, "تأیید دومرحله‌ای فعال شد.")
            return redirect(_safe_next(request))
        form.add_error("token", TOKEN_INVALID)
    secret = base64.b32encode(device.bin_key).decode()
    context = {"form": form, "qr_svg": qr_svg(device.config_url, scale=5), "secret": secret}
    return render(request, "registration/otp_enrol.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: AuthenticatedRequest) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect(f"{reverse('samt:otp_enrol')}?next={_safe_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", TOKEN_INVALID)
    return render(request, "registration/otp_verify.html", {"form": form})


def _audit_events_for(user: User) -> QuerySet[AuditEvent]:
    membership = user.membership_or_none
    events = AuditEvent.objects.select_related("branch", "office")
    if membership is None:
        return events.none()
    if membership.province_id is None:
        return events
    return events.filter(
        Q(branch__in=visible_branches(user)) | Q(office__in=visible_offices(user)) | Q(province=membership.province_id)
    )


@role_required(*HQ_ROLES)
def audit_list(request: AuthenticatedRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, branches=visible_branches(request.user),
                           offices=visible_offices(request.user))
    events = _audit_events_for(request.user)
    if form.is_valid():
        events = _filter_events(events, form.cleaned_data)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "samt/audit_list.html", {"form": form, "page": page})


def _filter_events(events: QuerySet[AuditEvent], data: dict[str, Any]) -> QuerySet[AuditEvent]:
    if data["group"]:
        events = events.filter(action__startswith=f"{data['group']}.")
    if data["action"]:
        events = events.filter(action__icontains=data["action"])
    if data["person"]:
        # What the person did (their username is their national code) or what names them.
        events = events.filter(Q(actor_label=data["person"]) | Q(subject_label__contains=data["person"]))
    if data.get("province"):
        events = events.filter(Q(province=data["province"]) | Q(branch__province=data["province"])
                               | Q(office__province=data["province"]))
    if data["actor"]:
        events = events.filter(actor_label__iexact=data["actor"])
    if data["subject"]:
        events = events.filter(Q(subject_id=data["subject"]) | Q(subject_label__icontains=data["subject"]))
    if data["branch"]:
        events = events.filter(branch=data["branch"])
    if data["office"]:
        events = events.filter(office=data["office"])
    if data["since"]:
        events = events.filter(at__date__gte=data["since"])
    if data["until"]:
        events = events.filter(at__date__lte=data["until"])
    return events


def sms_outbox(request: HttpRequest) -> HttpResponse:
    """The development stand-in for people's phones. Absent unless SMS_OUTBOX_PAGE is on."""
    if not settings.SAMT_SMS_OUTBOX_PAGE:
        raise Http404
    to = request.GET.get("to", "").strip()
    messages_sent = SmsMessage.objects.all()
    if to:
        messages_sent = messages_sent.filter(to=to)
    return render(request, "samt/sms_outbox.html", {"sms_list": messages_sent[:100], "to": to})
