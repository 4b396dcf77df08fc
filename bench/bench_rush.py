"""Month-end rush on the production stack: issuing and paying slips against a minimal view, interleaved.

    make bench [PORT=8000] [BENCH_USERS=32] [BENCH_ROUNDS=5] [BENCH_THINK=1.0]   # PostgreSQL at DATABASE_URL
    python bench/bench_rush.py --port 8000 --users 32 --rounds 5 --payers 8 --memory-requests 5000 [--think 1.0]

What it starts: the portal as `make serve` runs it (gunicorn with gunicorn.conf.py, WhiteNoise, DEBUG off,
persistent database connections) on PORT, and the PSP simulator as the bank on PORT+1. Both run under a virtual
clock at the 5th of Farvardin of the current Jalali year, so every person can issue a twelve-month slip (to
Esfand) whatever today's month is. Every simulated browser keeps its HTTP connection open.

Each round runs, one after the other, so that the machine's load drifts over all of them alike:
- floor: every user asks for /healthz/ (a logged-in minimal view) `--requests` times;
- issue: every user posts a twelve-month slip `--requests` times (a fresh form key each; only the POST is timed,
  no quote page is fetched or counted);
- pay: `--payers` other users each issue a one-month slip (not timed) and pay it through the PSP: the portal's
  hand-off, the bank's pages (not the portal's to time), the callback (which verifies with the bank) and the
  result page.
With `--think 1.0` every user waits about a second (0.5–1.5 s) before each request: the latency people see at
the rush rather than the most the stack can do (throughput then follows the think time, not the server).
Every simulated person has an address of their own (X-Real-IP from the "proxy" at 127.0.0.1, as nginx sends
it), so the per-address throttles and the lockout count each person at their production limits.
Then `--memory-requests` requests (a slip PDF every fifth) by the issuing users, printing each worker's resident
memory as it goes: max_requests in gunicorn.conf.py replaces a worker before it grows.

Prints throughput, p50 and p95 of each workload and its ratio to the floor, and what each request cost in CPU time:
in the portal's workers, in PostgreSQL, in the bank's workers and in this client (from /proc, reaped workers and
backends included), and how busy that kept the machine's cores. A ratio of throughputs is a ratio of those costs
once the cores are busy. A benchmark, not a test: on a shared machine the figures move with the load average,
which it prints.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_support import ROOT, fresh_database, load_note, national_code

from samt.tests.stack import Answer, Browser

PASSWORD = "rush-bench-password-1405"


def virtual_now() -> datetime:
    """The 5th of Farvardin of the current Jalali year, 10:00 in Tehran."""
    from samt.jalali import TEHRAN, JalaliMonth

    fifth = JalaliMonth(JalaliMonth.current().year, 1).first_day + timedelta(days=4)
    return datetime(fifth.year, fifth.month, fifth.day, 10, 0, tzinfo=TEHRAN)


def make_people(count: int, first_serial: int) -> list[str]:
    """Insured persons whose contract begins in Farvardin (nothing paid yet), with a login each."""
    from django.contrib.auth.hashers import make_password

    from insured.models import InsuredPerson
    from insured.services import ContractData, PersonData, insured_register
    from samt.actors import Actor
    from samt.jalali import JalaliMonth
    from samt.models import Branch, User

    branch = Branch.objects.get(code="2104")
    current = JalaliMonth.current()
    password = make_password(PASSWORD)
    usernames = []
    for serial in range(first_serial, first_serial + count):
        code = national_code(700_000 + serial)
        person = PersonData(national_code=code, insurance_number=f"{700_000 + serial:08d}", first_name="مریم",
                            last_name="رضایی", father_name="علی", birth_date=datetime(1985, 1, 1).date(),
                            gender="F", mobile=f"0912{serial:07d}", address="تهران")
        data = ContractData(rate_code="01", wage_ratio_hundredths=150, first_month=JalaliMonth(current.year, 1),
                            treatment=False)
        contract = insured_register(actor=Actor.system("bench"), person=person, contract=data, branch_id=branch.pk)
        user = User.objects.create(username=code, password=password)
        InsuredPerson.objects.filter(pk=contract.insured_id).update(user=user)
        usernames.append(code)
    return usernames


def generous_test_cards() -> None:
    """The simulator's approving card pays every slip of the run (its balance and daily limit are a bank's)."""
    from payments.simulator.models import TestCard

    TestCard.objects.update(balance_rial=10**15, daily_limit_rial=10**15)


# The servers --------------------------------------------------------------------------------------------------

CLOCK_SERVER = """
import sys, time_machine
from datetime import datetime, timedelta
time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=True).start()
sys.argv = ["gunicorn", *sys.argv[2:]]
from gunicorn.app.wsgiapp import run
run()
"""


def start(port: int, env: dict[str, str], now: datetime, log: Path) -> subprocess.Popen[bytes]:
    from samt.tests.stack import wait_until_up

    server = subprocess.Popen(
        [sys.executable, "-c", CLOCK_SERVER, now.isoformat(), "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env={**env, "PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )
    wait_until_up(f"http://127.0.0.1:{port}/healthz/", server, log)
    return server


def start_servers(port: int, database_url: str, now: datetime) -> tuple[subprocess.Popen[bytes], ...]:
    from samt.tests.stack import TEST_ONLY, production_env

    var = ROOT / "var"
    static_root = var / "bench-static"
    # As behind nginx: each browser's own address comes in X-Real-IP from the proxy at 127.0.0.1, so the lockout and
    # the per-address throttles count each person, at their production limits.
    env = production_env(database_url=database_url, static_root=static_root,
                         extra={"PSP_BASE_URL": f"http://127.0.0.1:{port + 1}/psp", "PSP_TERMINAL_ID": "10012345",
                                "CLIENT_IP_HEADER": "HTTP_X_REAL_IP", "TRUSTED_PROXIES": "127.0.0.1"})
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    clean = {key: value for key, value in os.environ.items() if key not in TEST_ONLY}
    # The bank in two processes, like the portal: the payers' card pages and the portal's server-to-server calls
    # should not queue behind one Python process (its state is in the database).
    bank_env = {**clean, "DEBUG": "1", "PSP_SIMULATOR": "1", "DATABASE_URL": database_url,
                "ALLOWED_HOSTS": "127.0.0.1,localhost", "GUNICORN_ACCESS_LOG": "", "WEB_CONCURRENCY": "2",
                "GUNICORN_THREADS": "8"}
    bank = start(port + 1, bank_env, now, var / "bench-psp.log")
    portal = start(port, env, now, var / "bench-portal.log")
    return portal, bank


def worker_memory(master: int) -> dict[int, float]:
    """Resident memory (MiB) of each gunicorn worker of `master`."""
    sizes = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != master:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        rss = re.search(r"VmRSS:\s+(\d+) kB", status)
        if rss:
            sizes[int(stat.parent.name)] = int(rss.group(1)) / 1024
    return sizes


# The journeys -------------------------------------------------------------------------------------------------

def log_in(browser: Browser, base: str, username: str) -> None:
    browser.get(f"{base}/login/")
    answer = browser.post(f"{base}/login/", {"username": username, "password": PASSWORD})
    if answer.status != 302:
        raise SystemExit(f"login of {username} answered {answer.status}")


def issue(browser: Browser, base: str, end: int) -> tuple[float, str]:
    """One slip to `end`; returns the seconds of the POST alone and the slip's number."""
    started = time.perf_counter()
    answer = browser.post(f"{base}/me/slips/issue/", {"end": str(end), "request_key": uuid.uuid4().hex})
    elapsed = time.perf_counter() - started
    # The slip page the redirect leads to would show the "issued" message and so drop it from the messages cookie;
    # the benchmark does not fetch that page, so it drops the cookie itself (else it would grow with every slip).
    browser.jar(urllib.parse.urlsplit(base).netloc).pop("messages", None)
    number = re.fullmatch(r"/me/slips/(\d+)/", answer.location or "")
    if answer.status != 302 or number is None:
        raise SystemExit(f"issuing answered {answer.status} {answer.location}: {answer.body[:300]}")
    return elapsed, number.group(1)


def timed(call: Callable[[], Answer]) -> tuple[float, Answer]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def pay(browser: Browser, base: str, number: str) -> dict[str, float]:
    """The payment round trip of slip `number`; the seconds of each of the portal's requests and of the whole.
    The bank's own pages are the simulator's, not the portal's to time."""
    from payments.simulator.fixtures import CARDS
    from samt.tests.stack import pay_at_bank

    began = time.perf_counter()
    seconds, hand_off = timed(lambda: browser.post(f"{base}/pay/slip/{number}/"))
    if hand_off.status != 200:
        raise SystemExit(f"the hand-off answered {hand_off.status}: {hand_off.body[:300]}")
    method, callback, fields = pay_at_bank(browser, hand_off.body, referer=f"{base}/me/slips/{number}/",
                                           card=CARDS[0])
    callback_seconds, back = timed(lambda: browser.request(method, callback, fields))
    result_seconds, result = timed(lambda: browser.get(urljoin(base + "/", back.location)))
    if "پرداخت با موفقیت انجام شد" not in result.body:
        raise SystemExit(f"the payment of {number} did not succeed: {result.body[:400]}")
    return {"hand-off": seconds, "callback": callback_seconds, "result": result_seconds,
            "round trip": time.perf_counter() - began}


def urljoin(base: str, location: str) -> str:
    from urllib.parse import urljoin as join

    return join(base, location)


# Measuring ----------------------------------------------------------------------------------------------------

CPU_PARTS = ("portal", "database", "bank", "client")


class CpuMeter:
    """CPU seconds used so far by each part of the stack on this machine. A process's own time plus the time of
    the children it has reaped: a worker gunicorn replaced and a PostgreSQL backend that ended still count."""

    def __init__(self, portal: int, bank: int) -> None:
        self.masters = {"portal": portal, "bank": bank}
        self.tick = os.sysconf("SC_CLK_TCK")

    def sample(self) -> dict[str, float]:
        used = dict.fromkeys(CPU_PARTS, 0.0)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            name, fields = text.split("(", 1)[1].rsplit(")", 1)[0], text.rsplit(")", 1)[1].split()
            pid, parent = int(stat.parent.name), int(fields[1])
            part = next((part for part, master in self.masters.items() if master in (pid, parent)), None)
            if part is None and name == "postgres":
                part = "database"
            if part is not None:
                used[part] += sum(int(value) for value in fields[11:15]) / self.tick
        own = os.times()
        used["client"] = own.user + own.system
        # The time the virtual machine's host ran something else on our cores (steal): none of ours, but a request
        # waited for it.
        used["stolen"] = int(Path("/proc/stat").read_text().split()[8]) / self.tick
        return used


class Workload:
    def __init__(self, name: str) -> None:
        self.name = name
        self.seconds = 0.0  # wall clock while it ran
        self.count = 0
        self.latencies: dict[str, list[float]] = {}
        self.cpu = dict.fromkeys((*CPU_PARTS, "stolen"), 0.0)  # CPU seconds used while it ran

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def measure(self, meter: CpuMeter, run: Callable[[], float]) -> None:
        """Run one phase (`run` returns its wall-clock seconds) and add its time and CPU to this workload."""
        before = meter.sample()
        self.seconds += run()
        after = meter.sample()
        for part in self.cpu:
            self.cpu[part] += after[part] - before[part]

    def cpu_line(self, unit: str) -> str:
        """Milliseconds of CPU per request (or round trip) in each part, how busy the stack kept the cores and how
        much of them the host took."""
        spent = ", ".join(f"{part} {self.cpu[part] / self.count * 1000:.1f}" for part in CPU_PARTS if self.cpu[part])
        cores = self.seconds * (os.cpu_count() or 1)
        busy = sum(self.cpu[part] for part in CPU_PARTS) / cores
        return f"CPU ms per {unit}: {spent}; cores {busy:.0%} busy, {self.cpu['stolen'] / cores:.0%} taken by the host"


def client_address(serial: int) -> str:
    """The address of the `serial`th simulated person, as the proxy in front would pass it on."""
    return f"10.{serial // 62500 % 256}.{serial // 250 % 250}.{serial % 250 + 1}"


def run_together(browsers: list[Browser], step: Callable[[Browser, int], None], repeats: int,
                 think: float = 0.0) -> float:
    """Every browser runs `step` `repeats` times, all at once, each time after `think` seconds (± half, at
    random, so the users do not march in step) when think is not 0; returns the wall-clock seconds."""
    barrier = threading.Barrier(len(browsers) + 1)
    failures: list[BaseException] = []

    def work(browser: Browser) -> None:
        barrier.wait()
        try:
            pause = random.Random(id(browser))
            for index in range(repeats):
                if think:
                    time.sleep(think * pause.uniform(0.5, 1.5))
                step(browser, index)
        except BaseException as failure:  # reported after the phase
            failures.append(failure)

    threads = [threading.Thread(target=work, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def describe(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:6.1f} ms  p95 {percentile(values, 0.95) * 1000:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--users", type=int, default=32, help="concurrent issuing users (connections)")
    parser.add_argument("--payers", type=int, default=8, help="concurrent paying users")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=5, help="requests per user per round and workload")
    parser.add_argument("--memory-requests", type=int, default=5000)
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds each user waits (± half) before each request of the floor, issue and pay "
                             "phases; 0 measures throughput, 1.0 the latency people see at the month-end rush")
    args = parser.parse_args()

    import time_machine

    now = virtual_now()
    traveller = time_machine.travel(now, tick=True)
    traveller.start()
    url = fresh_database("rush")
    issuers = make_people(args.users, 1)
    payers = make_people(args.payers, args.users + 1)
    generous_test_cards()
    from django.db import connections

    connections.close_all()

    from samt.jalali import JalaliMonth
    from samt.tests.stack import stop

    esfand = JalaliMonth.esfand(JalaliMonth.current().year).as_int()
    portal, bank = start_servers(args.port, url, now)
    base = f"http://127.0.0.1:{args.port}"
    sites = {f"127.0.0.1:{args.port}": "portal", f"127.0.0.1:{args.port + 1}": "bank"}
    floor, issuing, paying = Workload("floor"), Workload("issue"), Workload("pay")
    memory: list[tuple[int, dict[int, float]]] = []
    try:
        issue_browsers = [Browser(sites, headers={"X-Real-IP": client_address(n)}) for n in range(len(issuers))]
        pay_browsers = [Browser(sites, headers={"X-Real-IP": client_address(len(issuers) + n)})
                        for n in range(len(payers))]
        for browser, username in [*zip(issue_browsers, issuers, strict=True), *zip(pay_browsers, payers, strict=True)]:
            log_in(browser, base, username)
        lock = threading.Lock()
        last_slip: dict[int, str] = {}
        months_paid: dict[int, int] = {}

        def floor_step(browser: Browser, index: int) -> None:
            seconds, answer = timed(lambda: browser.get(f"{base}/healthz/"))
            if answer.status != 200:
                raise SystemExit(f"/healthz/ answered {answer.status}")
            with lock:
                floor.add("healthz", seconds)

        def issue_step(browser: Browser, index: int) -> None:
            seconds, number = issue(browser, base, esfand)
            with lock:
                issuing.add("issue", seconds)
                last_slip[id(browser)] = number

        def pay_step(browser: Browser, index: int) -> None:
            # A fresh one-month slip for the person's first unpaid month (not timed), then its payment.
            month = months_paid.get(id(browser), 0) + 1
            _, number = issue(browser, base, JalaliMonth.current().year * 100 + month)
            timings = pay(browser, base, number)
            months_paid[id(browser)] = month
            with lock:
                for kind, seconds in timings.items():
                    paying.add(kind, seconds)

        # Warm up: every worker thread opens its database connection and loads its caches.
        run_together(issue_browsers, floor_step, 2)
        floor.latencies.clear()
        memory.append((0, worker_memory(portal.pid)))
        meter = CpuMeter(portal.pid, bank.pid)
        for _ in range(args.rounds):
            floor.measure(meter, lambda: run_together(issue_browsers, floor_step, args.requests, args.think))
            issuing.measure(meter, lambda: run_together(issue_browsers, issue_step, args.requests, args.think))
            # A payer pays one month each round: at most twelve rounds of payments a year.
            if paying.count < 12 * args.payers:
                paying.measure(meter, lambda: run_together(pay_browsers, pay_step, 1, args.think))
                paying.count += args.payers
        floor.count = len(floor.latencies["healthz"])
        issuing.count = len(issuing.latencies["issue"])

        served = sum(len(values) for w in (floor, issuing, paying) for values in w.latencies.values())
        memory.append((served, worker_memory(portal.pid)))
        if args.memory_requests:
            def memory_step(browser: Browser, index: int) -> None:
                number = last_slip[id(browser)]
                path = f"/me/slips/{number}/pdf/" if index % 5 == 0 else ("/me/", "/me/slips/", "/healthz/")[index % 3]
                answer = browser.get(base + path)
                if answer.status != 200:
                    raise SystemExit(f"{path} answered {answer.status}")

            per_user = max(1, args.memory_requests // len(issue_browsers) // 5)
            for _ in range(5):
                run_together(issue_browsers, memory_step, per_user)
                served += per_user * len(issue_browsers)
                memory.append((served, worker_memory(portal.pid)))
    finally:
        stop(portal)
        stop(bank)

    from insured.models import Slip

    print(f"database: {url.rsplit('/', 1)[-1]}; virtual clock {now:%Y-%m-%d} (Farvardin); {load_note()}")
    print(f"stack: gunicorn {os.environ.get('WEB_CONCURRENCY', os.cpu_count())} workers × "
          f"{os.environ.get('GUNICORN_THREADS', '4')} threads, DEBUG off, port {args.port}; {args.users} issuing users "
          f"and {args.payers} payers, {args.rounds} interleaved rounds, "
          f"{f'{args.think:g} s think time (±50 %)' if args.think else 'no think time'}; "
          f"{Slip.objects.count()} slips made")
    floor_p50 = statistics.median(floor.latencies["healthz"])
    print(f"floor  GET /healthz/              {floor.rate():7.1f} req/s    {describe(floor.latencies['healthz'])}")
    print(f"       {floor.cpu_line('request')}")
    print(f"issue  POST /me/slips/issue/ (12 months) {issuing.rate():6.1f} slips/s  "
          f"{describe(issuing.latencies['issue'])}  = {issuing.rate() / floor.rate():.0%} of the floor's throughput")
    print(f"       {issuing.cpu_line('slip')}")
    print(f"pay    {paying.count} round trips, {paying.rate():.1f} payments/s with {args.payers} payers")
    print(f"       {paying.cpu_line('round trip (with its untimed one-month slip)')}")
    for kind in ("hand-off", "callback", "result", "round trip"):
        values = paying.latencies[kind]
        ratio = statistics.median(values) / floor_p50
        print(f"       {kind:<11} {describe(values)}  = {ratio:.1f}× the floor's p50")
    print("memory of each portal worker (MiB) after N requests (workers are replaced after max_requests ± jitter):")
    for served, sizes in memory:
        print(f"  {served:6,} requests: " + ", ".join(f"pid {pid} {size:.0f}" for pid, size in sorted(sizes.items())))


if __name__ == "__main__":
    main()
