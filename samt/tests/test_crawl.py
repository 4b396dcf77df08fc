"""The crawl of the whole portal (issue 15): every demo account, every page reachable from its home, two widths.

It loads the demo data (`seed_demo`), signs in as every account the demo holds (read from the database, so an
account or role added to the demo is crawled without touching this file), walks the pages reachable from each
home by following links and submitting GET forms, takes the main journeys' happy paths (an insured issues and
pays a slip; a broker operator serves a walk-in; branch staff issue a slip at the counter), submits each POST
form once with its required fields empty to see its errors, and checks every page at 1366 px and 360 px and
every PDF it meets (see crawl_support for the rules). A page shape (ids taken out of the URL) is checked again
for another account of the same role only when it offers other ways on, and axe runs on a role's first page of
each shape, which keeps the run to a few minutes however much data the demo holds.
"""

from __future__ import annotations

import io
import os
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Error as PlaywrightError

from brokers.models import WalkInSession
from insured import ledger
from insured.models import Channel, InsuredPerson
from insured.slips import slip_quote
from payments.simulator.fixtures import CARDS
from payments.simulator.fixtures import install as install_the_simulated_bank
from samt.errors import DomainError
from samt.jalali import JalaliMonth
from samt.management.commands.seed_demo import DEMO_PASSWORD
from samt.models import Branch, Role, SmsMessage, User
from samt.persian import normalize_digits
from samt.tests.browser_support import log_in
from samt.tests.crawl_support import (
    WIDTHS,
    Findings,
    check_form_errors,
    check_html,
    check_pdf,
    check_rendered,
    url_pattern,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not pages of the portal: the PSP simulator stands in for the bank, the admin is Django's own, and signing out
# would end the walk.
SKIP = re.compile(r"^/(psp|admin|logout|static)/")
PHONE_ROLES = {"anonymous", Role.INSURED}
ASSETS = {"stylesheet", "script", "image", "font", "media"}

LINKS = """() => [...document.querySelectorAll('a[href]')].map(a => a.href)"""
GET_FORMS = """(fills) => [...document.querySelectorAll('form')]
  .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'get' && f.querySelector('input, select'))
  .map(f => { const to = new URL(f.getAttribute('action') || location.href, location.href);
              const data = new FormData(f);
              for (const [name, value] of Object.entries(fills)) {
                if (data.has(name) && !data.get(name)) data.set(name, value);
              }
              return to.origin + to.pathname + '?' + new URLSearchParams(data); })"""
# POST forms that ask for something: at least one required field a person types or picks.
ASKING_FORMS = """() => [...document.querySelectorAll('main form[method=post], main form[method=POST]')]
  .map((f, i) => [i, f.querySelector('[required]:not([type=hidden]):not([type=checkbox]):not([type=radio])')])
  .filter(([i, field]) => field && field.checkVisibility()).map(([i]) => i)"""
# The main journeys' happy paths: a POST form whose action matches is sent once per role, with these values (a
# callable gets the crawl), and the walk goes on from where it leads. The bank's own pages in between are driven
# by pay_at_the_bank.
HAPPY_PATHS: list[tuple[re.Pattern[str], Callable[[Crawl, str], dict[str, str | bool]]]] = [
    (re.compile(r"/me/slips/issue/$"), lambda crawl, action: {}),
    (re.compile(r"/branch/[^/]+/insured/[0-9]+/slip/issue/$"), lambda crawl, action: {}),
    (re.compile(r"/branch/[^/]+/contracts/[^/]+/statements/[0-9]+/debt-slip/$"), lambda crawl, action: {}),
    (re.compile(r"/broker/walk-in/$"), lambda crawl, action: crawl.walk_in),
    (re.compile(r"/broker/walk-in/[^/]+/send-code/$"), lambda crawl, action: {}),
    (re.compile(r"/broker/walk-in/[^/]+/verify-code/$"), lambda crawl, action: {"code": presence_code(action)}),
    (re.compile(r"/broker/walk-in/[^/]+/card-check/$"),
     lambda crawl, action: {"card_serial": "1A2B3C4D5E", "confirmed": True}),
    (re.compile(r"/broker/walk-in/[^/]+/issue/$"), lambda crawl, action: {}),
    (re.compile(r"/pay/slip/[^/]+/$"), lambda crawl, action: {}),
    (re.compile(r"/pay/debt/[^/]+/$"), lambda crawl, action: {}),
    (re.compile(r"/pay/office/slip/[^/]+/$"), lambda crawl, action: {}),
]
# What a search form is sent with: every demo national code starts with 00, so a branch's search lists its people.
SEARCH_FILLS = {"q": "00"}
POST_FORMS = "main form[method=post], main form[method=POST]"
FORM_ACTIONS = f"""() => [...document.querySelectorAll('{POST_FORMS}')]
  .map(f => new URL(f.getAttribute('action') || location.href, location.href).href)"""
SEND_FORM = f"""([i, values]) => {{
  const form = document.querySelectorAll('{POST_FORMS}')[i];
  for (const [name, value] of Object.entries(values)) {{
    const el = form.elements[name];
    if (el.type === 'checkbox') el.checked = value; else el.value = value;
  }}
  form.requestSubmit();
}}"""
SUBMIT_EMPTY = """(i) => {
  const form = document.querySelectorAll('main form[method=post], main form[method=POST]')[i];
  form.noValidate = true;
  for (const el of form.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea'))
    el.value = '';
  form.requestSubmit();
}"""


@dataclass
class Crawl:
    base: str
    findings: Findings = field(default_factory=Findings)
    phones: list[str] = field(default_factory=list)
    visited: set[tuple[str, str]] = field(default_factory=set)
    checked: set[tuple[str, str]] = field(default_factory=set)
    signatures: set[tuple[str, str, frozenset[str]]] = field(default_factory=set)
    documents: set[tuple[str, str]] = field(default_factory=set)
    forms_tried: set[str] = field(default_factory=set)
    happy_done: set[tuple[str, str]] = field(default_factory=set)
    walk_in: dict[str, str | bool] = field(default_factory=dict)

    def path(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def is_ours(self, url: str) -> bool:
        return url.startswith(self.base) and not SKIP.match(urlsplit(url).path)

    def check_page(self, page, where: str, html: str | None, *, role: str, axe: bool = True) -> None:
        self.findings.pages += 1
        if html is not None:
            check_html(html, self.findings, where)
        # The insured and the public read the portal on phones; staff work at a desk, where a wide table may
        # scroll inside its box.
        on_phones = role in PHONE_ROLES
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            check_rendered(page, self.findings, f"{where} @{width}", allowed=set(), run_axe=axe, tables_fit=on_phones)
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})

    def check_here(self, page, who: str, role: str) -> None:
        """The page a journey brought the browser to."""
        self.check_page(page, f"{who} {self.path(page.url)}", page.content(), role=role)

    def walk(self, page, who: str, role: str, start: list[str]) -> None:
        """Breadth first from `start` (the account's landing page first). A page is checked when its role has not
        yet seen one of its shape offering the same ways on (links and forms): two insured persons' quote pages
        are both checked when one offers to issue and the other explains why not, but not a second slip page."""
        queue = deque(start)
        while queue:
            url = queue.popleft().split("#")[0]
            if not self.is_ours(url):
                continue
            parts = urlsplit(url)
            shape = url_pattern(parts.path, parts.query)
            if (who, shape) in self.visited:
                continue
            self.visited.add((who, shape))
            if re.search(r"(\.pdf|/pdf/|/csv/)$", parts.path):
                if (role, shape) not in self.documents:
                    self.documents.add((role, shape))
                    self.document(page, who, url)
                continue
            try:
                response = page.goto(url)
            except PlaywrightError as error:  # a file to save (CSV, spreadsheet): fetched, not displayed
                if "Download is starting" not in str(error):
                    raise
                self.document(page, who, url)
                continue
            if os.environ.get("SAMT_CRAWL_VERBOSE"):
                print(who, url)
            if response is None or not response.ok:
                self.findings.add("broken link", f"{who} {self.path(url)}", response and response.status)
                continue
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            landed = urlsplit(page.url)
            shape = url_pattern(landed.path, landed.query)  # where a redirect led
            self.visited.add((who, shape))
            links = page.evaluate(LINKS) + page.evaluate(GET_FORMS, SEARCH_FILLS)
            ways = {url_pattern(urlsplit(u).path, urlsplit(u).query) for u in links + page.evaluate(FORM_ACTIONS)}
            signature = (role, shape, frozenset(ways))
            if signature in self.signatures:
                continue
            self.signatures.add(signature)
            first_of_shape = (role, shape) not in self.checked
            self.checked.add((role, shape))
            self.check_page(page, f"{who} {self.path(page.url)}", response.text(), role=role, axe=first_of_shape)
            queue.extend(links)
            self.try_forms(page, who, role, page.url)
            queue.extend(self.happy_path(page, who, role, page.url))

    def happy_path(self, page, who: str, role: str, url: str) -> list[str]:
        """Sends, page after page, each happy-path form not yet sent by the role (the lookup leads to the code,
        the code to the quote, the quote to the slip, the slip to the bank); returns the links on the way."""
        if page.url != url:
            page.goto(url)
        links: list[str] = []
        while form := self.next_happy_form(page, role):
            index, action, values = form
            with page.expect_navigation():
                page.evaluate(SEND_FORM, [index, values(self, action)])
            if page.locator("form[data-auto-submit]").count():  # our hand-off to the bank
                page.wait_for_url(re.compile(r".*/psp/.*"))
            if "/psp/" in page.url:
                pay_at_the_bank(page)
            self.check_here(page, who, role)
            links += [page.url, *page.evaluate(LINKS)]
        return links

    def next_happy_form(self, page, role: str) -> tuple[int, str, Callable[[Crawl, str], dict]] | None:
        for index, action in enumerate(page.evaluate(FORM_ACTIONS)):
            for pattern, values in HAPPY_PATHS:
                if pattern.search(urlsplit(action).path) and (role, pattern.pattern) not in self.happy_done:
                    self.happy_done.add((role, pattern.pattern))
                    return index, action, values
        return None

    def try_forms(self, page, who: str, role: str, url: str) -> None:
        """Each POST form that asks for something, once, with its required fields empty: its errors are shown
        in Persian, tied to their fields, announced, with the focus on the first."""
        for index in page.evaluate(ASKING_FORMS):
            if page.url != url:
                page.goto(url)
            action = page.evaluate("(i) => new URL(document.querySelectorAll('main form[method=post], "
                                   "main form[method=POST]')[i].getAttribute('action') || location.href, "
                                   "location.href).href", index)
            key = f"{role} {url_pattern(urlsplit(action).path, '')}"
            if key in self.forms_tried:
                continue
            self.forms_tried.add(key)
            with page.expect_navigation():
                page.evaluate(SUBMIT_EMPTY, index)
            where = f"{who} {self.path(url)} (form sent empty)"
            self.check_page(page, where, page.content(), role=role)
            check_form_errors(page, self.findings, where)

    def document(self, page, who: str, url: str) -> None:
        where = f"{who} {self.path(url)}"
        response = page.request.get(url)
        is_pdf = response.headers.get("content-type", "").split(";")[0] == "application/pdf"
        if not response.ok or (re.search(r"(\.pdf|/pdf/)$", urlsplit(url).path) and not is_pdf):
            self.findings.add("broken link", where, f"{response.status} {response.headers.get('content-type')}")
            return
        if not is_pdf:
            return  # a CSV or another file to save: it is there, which is all the crawl can say of it
        # The document's own number is in its URL (…/<number>/pdf/ or …/<number>/letter.pdf): it must be printed
        # as it reads. Keys that are not printed (UUIDs) are left out.
        segments = [s for s in urlsplit(url).path.split("/") if re.fullmatch(r"[0-9A-Za-z-]{4,20}", s)]
        references = [s for s in segments if re.search(r"[0-9]", s) and not re.fullmatch(r"[0-9]{4}", s)][-1:]
        check_pdf(response.body(), self.findings, where, references=references, phones=self.phones)


def pay_at_the_bank(page) -> None:
    """The simulated bank's card page, with the card it approves, and back to the portal."""
    card = CARDS[0]
    page.wait_for_selector("#id_pan")
    page.fill("#id_pan", card["pan"])
    page.fill("#id_cvv2", card["cvv2"])
    page.fill("#id_expiry_month", str(card["expiry_month"]))
    page.fill("#id_expiry_year", str(card["expiry_year"])[-2:])
    page.fill("#id_pin2", card["pin2"])
    with page.expect_navigation():
        page.get_by_role("button", name="پرداخت", exact=True).click()
    with page.expect_navigation(url=re.compile(r".*/pay/result/.*")):
        page.get_by_text("بازگشت به سایت پذیرنده", exact=True).click()


def presence_code(action: str) -> str:
    """The code the insured reads out from their phone: the last SMS to the walk-in's mobile."""
    key = urlsplit(action).path.split("/")[-3]
    mobile = WalkInSession.objects.get(key=key).code_mobile
    return re.search(r"(?<![0-9])[0-9]{6}(?![0-9])", normalize_digits(SmsMessage.objects.filter(to=mobile)
                                                                       .latest("created_at").text))[0]


def a_walk_in() -> dict[str, str | bool]:
    """The broker's lookup values: the first demo person a broker may issue a slip for today."""
    current = JalaliMonth.current()
    for person in InsuredPerson.objects.order_by("national_code"):
        contract = ledger.active_contract(person.pk)
        if contract is None:
            continue
        try:
            slip_quote(contract, ledger.standing(contract, current).latest_end, channel=Channel.BROKER)
        except DomainError:
            continue
        return {"national_code": person.national_code, "insurance_number": person.insurance_number}
    return {}


def sign_in(page, base: str, user: User, password: str) -> None:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    code = None
    if device is not None:
        def code() -> str:
            totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
            return f"{totp.token():0{device.digits}d}"
    log_in(page, base, user.username, password, code=code)


def watch_assets(page, crawl: Crawl, who: str) -> None:
    def on_response(response) -> None:
        if response.request.resource_type in ASSETS and response.status >= 400:
            crawl.findings.add("asset", f"{who} {crawl.path(page.url)}", f"{response.status} {response.url}")

    def on_failed(request) -> None:
        if request.resource_type in ASSETS:
            crawl.findings.add("asset", f"{who} {crawl.path(page.url)}", f"failed {request.url}")

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            crawl.findings.add("content security policy", f"{who} {crawl.path(page.url)}", message.text)

    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("console", on_console)


def demo_accounts() -> list[User]:
    """Every account the demo data made, staff roles first, then the insured persons (ordered by username)."""
    return sorted(User.objects.filter(is_active=True), key=lambda u: (u.membership_or_none is None, u.username))


def test_every_demo_account_sees_a_clean_portal(browser, live_server, settings):
    settings.DEBUG = True  # seed_demo refuses to publish demo passwords anywhere else
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    install_the_simulated_bank(apps)
    settings.SAMT_PAYMENT_GATEWAYS = [{**gateway, "BASE_URL": f"{live_server.url}/psp"}
                                      for gateway in settings.SAMT_PAYMENT_GATEWAYS]
    crawl = Crawl(base=live_server.url, phones=[b.phone for b in Branch.objects.all() if b.phone],
                  walk_in=a_walk_in())

    public = browser.new_context(locale="fa-IR").new_page()
    watch_assets(public, crawl, "anonymous")
    favicon = public.request.get(f"{live_server.url}/favicon.ico")
    if not favicon.ok:
        crawl.findings.add("asset", "anonymous /favicon.ico", favicon.status)
    crawl.walk(public, "anonymous", "anonymous", [f"{live_server.url}/", f"{live_server.url}/login/"])
    public.context.close()

    accounts = demo_accounts()
    if only := os.environ.get("SAMT_CRAWL_ONLY"):  # while fixing a page: SAMT_CRAWL_ONLY=staff_2104,0042167353
        accounts = [user for user in accounts if user.username in only.split(",")]
    for user in accounts:
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 800}, locale="fa-IR")
        page = context.new_page()
        who = user.username
        watch_assets(page, crawl, who)
        sign_in(page, live_server.url, user, DEMO_PASSWORD)
        crawl.walk(page, who, str(user.role), [page.url, urljoin(live_server.url, "/home/")])
        context.close()

    print(f"crawl: {len(accounts)} accounts, {crawl.findings.pages} page checks, {crawl.findings.pdfs} PDFs, "
          f"happy paths: {sorted(crawl.happy_done)}")
    assert not crawl.findings.lines, crawl.findings.report()
