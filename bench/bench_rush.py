"""Month-end rush: many logged-in insured persons issuing slips at once, against a real HTTP server.

Measures slips issued per second and the p95 latency of the issue request, beside the same server answering a
minimal Django view (/healthz/) as the floor, and prints the ratio. A benchmark, not a test: it asserts nothing.

    make bench                      # PostgreSQL when DATABASE_URL is set (a fresh <name>_rush database)
    python bench/bench_rush.py --users 16 --rounds 20
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_support import ROOT, fresh_database, national_code

PASSWORD = "rush-bench-password-1405"


def make_people(count: int) -> list[str]:
    """Insured persons with a contract paid up to last month, and a login each; returns their usernames."""
    from django.contrib.auth.hashers import make_password

    from insured.models import CoveredMonth, InsuredPerson
    from insured.services import ContractData, PersonData, insured_register
    from samt.actors import Actor
    from samt.jalali import JalaliMonth
    from samt.models import Branch, User

    branch = Branch.objects.get(code="2104")
    current = JalaliMonth.current()
    password = make_password(PASSWORD)
    usernames = []
    for serial in range(1, count + 1):
        code = national_code(700_000 + serial)
        person = PersonData(national_code=code, insurance_number=f"{700_000 + serial:08d}", first_name="مریم",
                            last_name="رضایی", father_name="علی", birth_date=date(1985, 1, 1), gender="F",
                            mobile="09120000000", address="تهران")
        data = ContractData(rate_code="01", wage_ratio_hundredths=150, first_month=JalaliMonth(current.year, 1),
                            treatment=False)
        contract = insured_register(actor=Actor.system("bench"), person=person, contract=data, branch_id=branch.pk,
                                    now=data.first_month.starts_at)
        CoveredMonth.objects.bulk_create(
            CoveredMonth(contract=contract, month=month, premium=1, amount_paid=1, paid_on=month.last_day)
            for month in JalaliMonth(current.year, 1).through(current.previous())
        )
        user = User.objects.create(username=code, password=password)
        InsuredPerson.objects.filter(pk=contract.insured_id).update(user=user)
        usernames.append(code)
    return usernames


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    # runserver starts a thread per request; persistent connections would pile up one per thread.
    env = {**os.environ, "DEBUG": "1", "PSP_SIMULATOR": "0", "DB_CONN_MAX_AGE": "0"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(ROOT / "var" / "bench-server.log").open("w"),
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


class Browser:
    """One logged-in person: a cookie jar and the CSRF token Django gave them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as answer:
            return answer.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> int:
        fields = {"csrfmiddlewaretoken": self.csrf(), **fields}
        request = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(fields).encode(),
                                         headers={"Referer": self.base + path})
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status
        except urllib.error.HTTPError as redirect:
            return redirect.code

    def csrf(self) -> str:
        return next(cookie.value or "" for cookie in self.jar if cookie.name == "csrftoken")

    def log_in(self, username: str) -> None:
        self.get("/login/")
        assert self.post("/login/", {"username": username, "password": PASSWORD}) == 302


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def run_threads(browsers: list[Browser], rounds: int, step: Callable[[Browser, int], float]
                ) -> tuple[float, list[float]]:
    timings: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(browsers) + 1)

    def work(browser: Browser) -> None:
        barrier.wait()
        mine = []
        for index in range(rounds):
            mine.append(step(browser, index))
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=work, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, timings


def floor_step(browser: Browser, index: int) -> float:
    started = time.perf_counter()
    browser.get("/healthz/")
    return time.perf_counter() - started


def issue_step(browser: Browser, index: int) -> float:
    """Quote to the last possible month, then issue: what a person does at the end of the month."""
    page = browser.get("/me/quote/")
    key, end = _input(page, "request_key", "[0-9a-f]+"), _input(page, "end", "[0-9]+")
    started = time.perf_counter()
    status = browser.post("/me/slips/issue/", {"end": end, "request_key": key})
    elapsed = time.perf_counter() - started
    if status != 302:
        raise SystemExit(f"issuing answered {status}")
    return elapsed


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    url = fresh_database("rush")
    usernames = make_people(args.users)
    port = free_port()
    server = start_server(port)
    try:
        base = f"http://127.0.0.1:{port}"
        browsers = [Browser(base) for _ in usernames]
        for browser, username in zip(browsers, usernames, strict=True):
            browser.log_in(username)
        floor_seconds, floor = run_threads(browsers, args.rounds, floor_step)
        issue_seconds, issues = run_threads(browsers, args.rounds, issue_step)
    finally:
        server.terminate()
        server.wait()

    from insured.models import Slip

    slips = Slip.objects.count()
    floor_rate = len(floor) / floor_seconds
    issue_rate = len(issues) / issue_seconds
    print(f"database: {url.split('@')[-1]}  users: {args.users}  rounds each: {args.rounds}")
    print(f"floor  /healthz/      {floor_rate:8.1f} req/s   p95 {p95(floor) * 1000:7.1f} ms")
    print(f"issue  /me/slips/issue/ {issue_rate:6.1f} slips/s p95 {p95(issues) * 1000:7.1f} ms  ({slips} slips made)")
    print(f"ratio  issuing is {floor_rate / issue_rate:.1f}× slower than the floor "
          f"(p95 {p95(issues) / p95(floor):.1f}×)")


if __name__ == "__main__":
    main()


def _input(page: str, name: str, pattern: str) -> str:
    found = re.search(rf'name="{name}" value="({pattern})"', page)
    if found is None:
        raise SystemExit(f"the quote page has no {name} field: is the portal serving the right pages?")
    return found.group(1)
