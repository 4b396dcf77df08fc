"""Every URL of the project, walked: the only views exempt from CSRF are the bank's way back to us and the PSP
simulator's endpoints that a PSP answers from another site or server. Anything else exempt is a hole."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

# Named "namespace:name" so a new exemption, or a moved one, fails here and is looked at.
ALLOWED = {
    # The PSP sends the payer's browser back here with a POST (v3.3) or GET (v4.1) from its own site.
    "payments:callback",
    # The simulator stands in for SEP: these are SEP's server-to-server web services the adapter calls ...
    "psp_simulator:token",
    "psp_simulator:receipt",
    "psp_simulator:verify",
    "psp_simulator:reverse",
    # ... SEP's payment page, which the merchant's site posts the token to from another origin ...
    "psp_simulator:payment_page",
    # ... Mellat's SOAP web service and its startpay page, the same two roles for the second PSP ...
    "psp_simulator:mellat_service",
    "psp_simulator:mellat_payment_page",
    # ... and the simulator's JSON test-control API that tests and tools call without a browser session.
    "psp_simulator:api_settings",
    "psp_simulator:api_clock",
    "psp_simulator:api_sweep",
    "psp_simulator:api_reset",
    "psp_simulator:api_pay",
    "psp_simulator:api_replay",
}


def walk(patterns, namespace: str = "", prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else ""
            yield name, prefix + str(entry.pattern), entry.callback


def test_the_only_csrf_exempt_views_are_the_allowed_ones(settings):
    assert settings.SAMT_PSP_SIMULATOR, "the simulator's URLs must be mounted for this walk to see them"
    found = list(walk(get_resolver().url_patterns))
    exempt = {(name or route) for name, route, view in found if getattr(view, "csrf_exempt", False)}
    assert exempt == ALLOWED
    assert len(found) > 60  # the walk really went through every app


def test_the_portal_pages_around_a_payment_keep_their_csrf_check():
    names = {name: view for name, _, view in walk(get_resolver().url_patterns)}
    for name in ("payments:pay_slip", "payments:pay_debt_slip", "payments:pay_office_slip", "payments:result",
                 "payments:receipt_pdf", "psp_simulator:card_page", "psp_simulator:control_settings"):
        assert not getattr(names[name], "csrf_exempt", False), name
