"""Settings for samt.

Every difference between a developer's machine and production comes from environment variables read
through the small helpers below; nothing else changes between the two.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# A development key is accepted only in DEBUG, so a production server can never start with it.
_DEV_SECRET_KEY = "dev-only-insecure-key-never-used-in-production"
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "samt",
    "insured",
    "branches",
    "brokers",
    "payments",
    "payments.simulator",
    "hq",
    "simulation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "samt.middleware.SecurityHeadersMiddleware",
    # Static files are answered before sessions or the database are touched (fingerprinted, pre-compressed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "samt.middleware.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "samt.middleware.SecondFactorRequiredMiddleware",
    "samt.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last so it sees the outcome of the login view.
    "axes.middleware.AxesMiddleware",
]

# Everything from this server only. No inline script and no style attribute (the templates have none: a test walks
# them, and the browser tests and the crawl fail on a refusal); images also as data: URIs, which Bootstrap's icons
# (a select's arrow, the close button) are. No plugins, no framing, no <base> pointing elsewhere. form-action is
# left open on purpose: the payment hand-off posts the browser to the bank's own page.
SAMT_CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
                                "frame-ancestors 'none'")
# No page uses any of the browser's powerful features.
SAMT_PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
                           "microphone=(), payment=(), usb=()")

ROOT_URLCONF = "samt.urls"
WSGI_APPLICATION = "samt.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "samt.context_processors.portal",
            ],
            "builtins": ["samt.templatetags.samt_format"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'samt.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every app server, so whatever is kept in it (throttles, counters, cached versions) holds
# across servers: the database's samt_cache table (`manage.py createcachetable`, which make migrate, make serve,
# the systemd unit and the test run call) unless CACHE_URL names a Redis server.
CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL.startswith(("redis://", "rediss://"))
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "samt_cache"}
    )
}
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("CACHE_URL must be a redis:// or rediss:// address (or empty for the database).")

AUTH_USER_MODEL = "samt.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked (username, address) before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the membership with the user (samt/backends.py). Sessions name the backend
    # that signed them in: ones signed in by "django.contrib.auth.backends.ModelBackend" before this setting
    # must sign in again once.
    "samt.backends.MembershipModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "samt.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "samt.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "samt.passwords.CommonPasswordValidator"},
    {"NAME": "samt.passwords.NumericPasswordValidator"},
    {"NAME": "samt.passwords.NotTheCurrentPasswordValidator"},
]
LOGIN_URL = "samt:login"
LOGIN_REDIRECT_URL = "samt:home"
LOGOUT_REDIRECT_URL = "samt:public_home"

# Where each role lands after login. The kernel knows roles, not apps: this map is project glue.
SAMT_ROLE_HOME_URLS = {
    "insured": "insured:home",
    "technical_staff": "branches:home",
    "branch_head": "branches:home",
    "secretariat": "branches:home",
    "broker_operator": "brokers:home",
    "hq": "hq:home",
    "hq_technical": "hq:technical_home",
    "broker_affairs": "hq:broker_affairs_home",
    "data_processing": "hq:data_processing_home",
}

# Sessions end after half an hour without a request; a shared counter PC must not stay logged in. The session is
# saved again at most once a minute when nothing in it changed (samt.middleware.IdleSessionMiddleware).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Lockout is per (username, address): a stranger typing a citizen's number elsewhere cannot lock them out,
# and the cool-off is finite so a lockout never needs a branch visit.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "samt.net.client_ip"
AXES_USERNAME_CALLABLE = "samt.forms.login_username"
AXES_VERBOSE = False
# The address header our reverse proxy sets (HTTP_X_REAL_IP, or HTTP_X_FORWARDED_FOR); empty means REMOTE_ADDR.
# It is believed only on a connection from one of the trusted proxies (addresses or networks) or a unix socket.
SAMT_CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER")
SAMT_TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")

OTP_TOTP_ISSUER = "samt"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "fa-ir"
LANGUAGES = [("fa", "فارسی")]
# The site's own wording for a few of Django's messages (locale/fa/LC_MESSAGES/django.po).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Production serves what collectstatic wrote: every file named by its content hash (cached for a year, immutable)
# with a brotli and a gzip copy beside it. Development serves static/ as it is, so no collectstatic is needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
WHITENOISE_MAX_AGE = 0 if DEBUG else 3600
# In development (and the test run, where Django turns settings.DEBUG off) WhiteNoise reads static/ directly.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# Where the worker hands queued SMS: the development outbox (nothing leaves the machine) or a real provider's
# adapter (docs/sms.md). The provider is called only by `manage.py worker`, never inside a request.
SAMT_SMS_BACKEND = env_str("SMS_BACKEND", "samt.sms.OutboxBackend")
# The portal's public address, for links that leave without a request to build them from (the pay link in an SMS).
SAMT_SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "https://samt.invalid").rstrip("/")
# Texts to one phone in one Tehran day beyond this are kept but not sent: a loop or an abuser cannot flood anyone.
SAMT_SMS_DAILY_CAP = env_int("SMS_DAILY_CAP", 10)
# Kavenegar (SMS_BACKEND=samt.sms_kavenegar.KavenegarBackend): the API key from the provider's panel, the line
# number to send from (empty: the account's default line), and the API's address.
SAMT_KAVENEGAR = {
    "API_KEY": env_str("KAVENEGAR_API_KEY"),
    "SENDER": env_str("KAVENEGAR_SENDER"),
    "BASE_URL": env_str("KAVENEGAR_BASE_URL", "https://api.kavenegar.com/v1"),
    "TIMEOUT_SECONDS": env_int("KAVENEGAR_TIMEOUT_SECONDS", 10),
}
# The outbox page shows every stored SMS, so it exists only where messages are fake.
SAMT_SMS_OUTBOX_PAGE = env_bool("SMS_OUTBOX_PAGE", DEBUG)

# Payments: the gateway adapters, in failover order, each with its WEIGHT (share of first attempts; 0 = standby).
# In development the default is our own PSP simulator, served by this same process under /psp/, with a terminal
# of each PSP; set PSP_BASE_URL and PSP_TERMINAL_ID (and PSP2_*) to go live. The second gateway is configured
# only when its terminal is, so production runs on one until a second contract is signed.
SAMT_PAYMENT_GATEWAYS = [
    {
        "ADAPTER": env_str("PSP_ADAPTER", "payments.gateways.sep.SepGateway"),
        "WEIGHT": env_int("PSP_WEIGHT", 1),
        "BASE_URL": env_str("PSP_BASE_URL", "http://127.0.0.1:8000/psp" if DEBUG else ""),
        "TERMINAL_ID": env_str("PSP_TERMINAL_ID", "10012345" if DEBUG else ""),
        "TIMEOUT_SECONDS": env_int("PSP_TIMEOUT_SECONDS", 10),
        # The PSP's transaction report for reconcile_report; empty means the simulator's path under BASE_URL.
        "REPORT_URL": env_str("PSP_REPORT_URL", ""),
    },
]
if env_str("PSP2_TERMINAL_ID", "20012345" if DEBUG else ""):
    SAMT_PAYMENT_GATEWAYS.append({
        "ADAPTER": env_str("PSP2_ADAPTER", "payments.gateways.mellat.MellatGateway"),
        "WEIGHT": env_int("PSP2_WEIGHT", 0),
        "BASE_URL": env_str("PSP2_BASE_URL", "http://127.0.0.1:8000/psp" if DEBUG else ""),
        "TERMINAL_ID": env_str("PSP2_TERMINAL_ID", "20012345" if DEBUG else ""),
        "USERNAME": env_str("PSP2_USERNAME", "samt" if DEBUG else ""),
        "PASSWORD": env_str("PSP2_PASSWORD", "samt-simulator" if DEBUG else ""),
        "TIMEOUT_SECONDS": env_int("PSP_TIMEOUT_SECONDS", 10),
        "REPORT_URL": env_str("PSP2_REPORT_URL", ""),
    })
# A gateway whose token service failed this many times in a row is skipped for the cool-off period.
SAMT_PAYMENT_FAILOVER = {
    "FAILURES_BEFORE_COOL_OFF": env_int("PSP_FAILURES_BEFORE_COOL_OFF", 3),
    "COOL_OFF_SECONDS": env_int("PSP_COOL_OFF_SECONDS", 300),
}
# The simulator approves made-up cards: a system check refuses to let it run without DEBUG.
SAMT_PSP_SIMULATOR = env_bool("PSP_SIMULATOR", DEBUG)

# Requests per client address per window, counted in the database (samt/throttle.py) so that every app server
# shares the count: (hits, seconds). The public slip check, the PSP's way back and the payment result page.
SAMT_THROTTLES = {
    "verify": (env_int("THROTTLE_VERIFY_HITS", 20), 600),
    "payment_callback": (env_int("THROTTLE_CALLBACK_HITS", 30), 600),
    "payment_result": (env_int("THROTTLE_RESULT_HITS", 120), 600),
    # The pay-a-slip page without a login: per address, and per slip (a slip number tried with many national codes
    # from many addresses).
    "pay_public": (env_int("THROTTLE_PAY_PUBLIC_HITS", 30), 600),
    "pay_public_slip": (env_int("THROTTLE_PAY_PUBLIC_SLIP_HITS", 10), 600),
}

# Production hardening: everything below is on unless DEBUG.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# COOKIES_SECURE=0 only for a plain-HTTP trial of the production stack on 127.0.0.1 (make serve, make bench).
SESSION_COOKIE_SECURE = env_bool("COOKIES_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("COOKIES_SECURE", not DEBUG)
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
# PSPs refuse a payment page opened without a Referer naming our origin (payments.md §2.2).
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint reports every rendering step at INFO; only its warnings are worth a line.
    "loggers": {name: {"level": "WARNING"} for name in ("axes", "weasyprint", "fontTools")},
}
