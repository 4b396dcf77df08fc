"""gunicorn settings for samt's production stack (read by `make serve`, the systemd unit and `make bench`).

Every figure can be overridden from the environment, so one file serves a 2-core test box and a larger server.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{_int('PORT', 8000)}")
wsgi_app = "samt.wsgi:application"

# One process per core, a few threads each: a request spends much of its time waiting on PostgreSQL (and a
# payment on the PSP), and threads share one process's memory, where processes would not.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count())
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)

# A worker is replaced after about this many requests, so memory a long run gathers (PDF rendering, for one)
# is given back. The jitter keeps the workers from restarting together and leaving no one to answer.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", max(1, max_requests // 10))

# The PSP calls are bounded at PSP_TIMEOUT_SECONDS (10 s by default); a request longer than this is stuck.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Browsers keep their connection to nginx; nginx keeps a few to us.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# The application is loaded once in the master and forked, so the workers share its pages and a recycled worker
# starts at once. Django opens no database connection at import, so nothing is shared that must not be.
preload_app = True

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "samt"
# gunicorn's control socket lives at one path per user, so a second instance on the same host would take it over;
# systemd and signals are how samt's servers are managed.
control_socket_disable = True
