"""The production stack as separate processes, for the tests and benchmarks that must see it as it is deployed:
gunicorn with gunicorn.conf.py and WhiteNoise, DEBUG off, over plain HTTP on 127.0.0.1.

A portal started with DEBUG off has no PSP simulator (a system check forbids it), so the journeys that pay start
the simulator as a server of its own (`start_simulator`) and point the portal's PSP_BASE_URL at it, the way a
real deployment points at the bank.
"""

from __future__ import annotations

import html
import http.client
import http.cookies
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
TEST_SECRET_KEY = "stack-test-key-8d3f0a1c9e7b5d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f"
# Variables of the test process that a server must not inherit (tests set DEBUG=1 and friends).
TEST_ONLY = {"DEBUG", "SECRET_KEY", "SMS_OUTBOX_PAGE", "DJANGO_ALLOW_ASYNC_UNSAFE", "PSP_SIMULATOR",
             "PSP_BASE_URL", "PYTEST_CURRENT_TEST"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def live_database_url() -> str:
    """pytest's PostgreSQL test database, for a server in another process (data committed by a transactional test)."""
    from django.db import connection

    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
            f"/{settings['NAME']}")


def production_env(*, database_url: str, static_root: Path, extra: Mapping[str, str] | None = None
                   ) -> dict[str, str]:
    """The environment of a production server on plain HTTP at 127.0.0.1 (no TLS proxy in front)."""
    clean = {key: value for key, value in os.environ.items() if key not in TEST_ONLY}
    return {
        **clean,
        "DEBUG": "0",
        "SECRET_KEY": TEST_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(static_root),
        "SECURE_SSL_REDIRECT": "0",
        "COOKIES_SECURE": "0",
        "GUNICORN_ACCESS_LOG": "",
        **(extra or {}),
    }


def collect_static(env: Mapping[str, str]) -> None:
    """collectstatic as `make serve` runs it: fingerprinted names, brotli and gzip copies, the manifest."""
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=dict(env),
                   check=True, timeout=300)


def start_server(port: int, env: Mapping[str, str], *, log: Path, extra_args: tuple[str, ...] = ()
                 ) -> subprocess.Popen[bytes]:
    """gunicorn with the repository's config on 127.0.0.1:port; returns once /healthz/ answers."""
    server = subprocess.Popen(
        [str(GUNICORN), "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", *extra_args],
        cwd=ROOT, env={**env, "PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=log.open("ab"),
    )
    wait_until_up(f"http://127.0.0.1:{port}/healthz/", server, log)
    return server


def start_simulator(port: int, *, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    """The PSP simulator standing in for the bank: the same project with DEBUG and the simulator on, one worker."""
    clean = {key: value for key, value in os.environ.items() if key not in TEST_ONLY}
    env = {**clean, "DEBUG": "1", "PSP_SIMULATOR": "1", "DATABASE_URL": database_url,
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "GUNICORN_ACCESS_LOG": "", "WEB_CONCURRENCY": "1",
           "GUNICORN_THREADS": "8"}
    return start_server(port, env, log=log)


def wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited ({server.returncode}); see {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise RuntimeError(f"the server did not answer {url} within {seconds} s; see {log}")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: str) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    """One person's browser over plain HTTP/1.1: a kept-alive connection per server and cookies per site.

    `sites` maps "host:port" to a site name, so two app servers of one portal share the portal's cookies (as
    they share a host name behind nginx) while the PSP simulator keeps its own. Redirects are not followed: the
    caller times each request on its own. `headers` go with every request (a benchmark's browsers each send the
    address a reverse proxy in front would have heard them from)."""

    def __init__(self, sites: dict[str, str] | None = None, timeout: float = 60,
                 headers: dict[str, str] | None = None) -> None:
        self.sites = sites or {}
        self.timeout = timeout
        self.headers = headers or {}
        self.connections: dict[str, http.client.HTTPConnection] = {}
        self.cookies: dict[str, dict[str, str]] = {}

    def site(self, netloc: str) -> str:
        return self.sites.get(netloc, netloc)

    def jar(self, netloc: str) -> dict[str, str]:
        return self.cookies.setdefault(self.site(netloc), {})

    def request(self, method: str, url: str, fields: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        parts = urllib.parse.urlsplit(url)
        jar = self.jar(parts.netloc)
        body = None
        sent = {"Host": parts.netloc, **self.headers, **(headers or {})}
        if method == "POST":
            fields = dict(fields or {})
            if "csrftoken" in jar:
                fields.setdefault("csrfmiddlewaretoken", jar["csrftoken"])
            body = urllib.parse.urlencode(fields).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if jar:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):
            connection = self.connections.get(parts.netloc)
            if connection is None:
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
                self.connections[parts.netloc] = connection
            try:
                connection.request(method, path, body=body, headers=sent)
                response = connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed a kept-alive connection (a recycled worker): one new connection, once.
                connection.close()
                del self.connections[parts.netloc]
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    jar.pop(name, None)
                else:
                    jar[name] = morsel.value
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data.decode(errors="replace"))

    def get(self, url: str, **headers: str) -> Answer:
        return self.request("GET", url, headers=headers)

    def post(self, url: str, fields: dict[str, str] | None = None, **headers: str) -> Answer:
        return self.request("POST", url, fields, headers)

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()
        self.connections.clear()


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def hand_off_form(page: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the portal's auto-submitting form to the bank."""
    form = re.search(r'<form method="\w+" action="([^"]+)" id="psp-hand-off"', page)
    if form is None:
        raise AssertionError(f"no hand-off form on the page: {page[:500]}")
    return html.unescape(form.group(1)), {html.unescape(k): html.unescape(v) for k, v in HIDDEN.findall(page)}


def pay_at_bank(browser: Browser, page: str, *, referer: str,
                card: dict[str, object]) -> tuple[str, str, dict[str, str]]:
    """The payer's steps at the PSP simulator, from the portal's hand-off page to the bank's receipt page, with a
    test card's static second password. Returns how the bank sends the payer back: (method, URL, fields)."""
    action, fields = hand_off_form(page)
    entry = browser.post(action, fields, Referer=referer)
    card_page = urllib.parse.urljoin(action, entry.location)
    browser.get(card_page)
    paid = browser.post(card_page, {"action": "pay", "pan": str(card["pan"]), "cvv2": str(card["cvv2"]),
                                    "expiry_month": str(card["expiry_month"]),
                                    "expiry_year": str(card["expiry_year"])[-2:], "pin2": str(card["pin2"])})
    receipt = browser.get(urllib.parse.urljoin(card_page, paid.location)).body
    link = re.search(r'href="([^"]+)" data-callback', receipt)
    if link:
        return "GET", html.unescape(link.group(1)), {}
    form = re.search(r'<form method="post" action="([^"]+)" data-callback.*?</form>', receipt, re.S)
    if form is None:
        raise AssertionError(f"the bank's receipt page has no way back: {receipt[:800]}")
    return "POST", html.unescape(form.group(1)), {html.unescape(k): html.unescape(v)
                                                  for k, v in HIDDEN.findall(form.group(0))}
