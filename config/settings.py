"""One settings file, read from the environment. SQLite unless DATABASE_URL says otherwise."""

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bilan.lib.crypto import MasterKey, generate_master_key, parse_master_keys

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
# Plain HTTP on this machine only (bin/run, bin/test and the test runner set it): no TLS redirect,
# no secure-only cookies, no HSTS, and per-checkout secrets generated under var/secrets/.
LOCAL_HTTP = env_bool("BILAN_LOCAL_HTTP", False)
PRODUCTION = not DEBUG and not LOCAL_HTTP


def _local_secret(name: str) -> str:
    """A random secret kept under var/secrets/ (0600), created on first use: a local run never signs
    sessions or hashes addresses with a key that is published in the source."""
    folder = BASE_DIR / "var" / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _secret(name: str) -> str:
    """SECRET_KEY and IP_HASH_KEY: from the environment; in production a missing, short or
    published key refuses to start (issue 11), locally a generated one is used."""
    value = os.environ.get(name, "")
    if value and not value.startswith("dev-only-"):
        if PRODUCTION and len(value) < 50:
            raise ImproperlyConfigured(
                f"{name} must be at least 50 random characters in production."
            )
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} is not set (or is a development key) and DEBUG is off: set {name} to a random "
            "secret of 50+ characters (README « Production »), or BILAN_LOCAL_HTTP=1 for a local run."
        )
    return _local_secret(name.lower())


def _master_keys() -> list[MasterKey]:
    """The master keys that wrap every bilan's data key (issue 16), current one first: from
    BILAN_MASTER_KEYS (« id:base64,id:base64 »); in production a missing or malformed value
    refuses to start, locally a generated key under var/secrets/ is used."""
    value = os.environ.get("BILAN_MASTER_KEYS", "")
    if not value:
        if PRODUCTION:
            raise ImproperlyConfigured(
                "BILAN_MASTER_KEYS is not set and DEBUG is off: set it to « id:base64 » with a "
                "32-byte key (`manage.py rotate_master_key --generate` prints one; README "
                "« Production »), or BILAN_LOCAL_HTTP=1 for a local run. Without it no content "
                "can be read or written."
            )
        folder = BASE_DIR / "var" / "secrets"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / "bilan_master_keys"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(generate_master_key("local1"))
        value = path.read_text().strip()
    try:
        return parse_master_keys(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{exc} Bilan refuses to start with it.") from exc


SECRET_KEY = _secret("SECRET_KEY")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
# Client addresses are kept only as HMACs under this key of their own (attendance, audit trail).
IP_HASH_KEY = _secret("IP_HASH_KEY")
# Content at rest (issue 16): the master keys, and the key store holding each bilan's wrapped
# data key. The key store is outside the database on purpose: a database dump or backup holds
# no key, so destroying a bilan's key file makes every earlier dump of its content unreadable.
# Back it up on its own, with a short retention (README « Production »).
BILAN_MASTER_KEYS = _master_keys()
BILAN_KEYS_ROOT = Path(os.environ.get("BILAN_KEYS_ROOT", BASE_DIR / "var" / "keys"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_q",
    # Login hardening (issue 11): lockout (axes), TOTP and recovery codes (django-otp).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "bilan.accounts",
    "bilan.organisations",
    "bilan.bilans",
    "bilan.entretiens",
    "bilan.compliance",
    "bilan.portal",
    "bilan.assessments",
    "bilan.exercises",
    "bilan.exchanges",
    "bilan.documents",
    "bilan.careers",
    "bilan.followup",
    "bilan.billing",
    "bilan.lifecycle",  # retention, destruction, GDPR requests and registers (issue 16)
    "bilan.quality",
    "bilan.funding",
    "bilan.demo",  # manage.py demo and the test scenario: above every feature
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Security headers (issue 11), after WhiteNoise so static files keep their caching:
    # the CSP (django-csp), then Permissions-Policy and no-store (see the headers block).
    "csp.middleware.CSPMiddleware",
    "bilan.lib.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bilan.accounts.middleware.IdleSessionMiddleware",  # right after the sessions
    "bilan.lib.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bilan.organisations.middleware.MembershipMiddleware",
    "bilan.accounts.middleware.MfaRequiredMiddleware",  # after the membership is known
    "axes.middleware.AxesMiddleware",
    # Audit trail (issue 11): channel and hashed IP of every audit row, refused reads logged.
    "bilan.compliance.middleware.AuditOriginMiddleware",
    # A changed information notice is shown again at the next login (issue 16, REQ-58).
    "bilan.lifecycle.middleware.NoticeMiddleware",
    # SQLite (issue 11): a view that met « database is locked » runs once more. Keep it last.
    "bilan.lib.sqlite.SqliteLockRetryMiddleware",
]

# ---- Security headers (issue 11) ---------------------------------------------------
# One policy for every page: nothing inline (scripts, styles, handlers all live in static/),
# nothing from another origin, no framing. Uploaded files keep the stricter `sandbox` CSP
# that bilan.lib.uploads.protect_upload sets (the middleware never replaces a CSP header).
# Permissions-Policy and `Cache-Control: no-store` come from
# bilan.lib.middleware.SecurityHeadersMiddleware.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # drawn signatures are shown as data: URLs
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
# Issue 17: a refused form shows a French page in the site's layout, with a way back.
CSRF_FAILURE_VIEW = "bilan.accounts.csrf.csrf_failure"
# The API's docs page uses ninja's vendored Swagger UI (static files, no inline script) only
# when "ninja" is an installed app; otherwise it loads it from a CDN with an inline script,
# which the CSP above refuses.
INSTALLED_APPS += ["ninja"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "bilan.organisations.context_processors.membership",
                "bilan.funding.context_processors.qualiopi_alert",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'bilan.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
# WAL lets the web server and the worker read while one writes.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,  # seconds a write waits for the lock before « database is locked »
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},  # CNIL recommendation for password-only logins
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login hardening (issue 11): axes first, so a locked account is refused before any check.
AUTHENTICATION_BACKENDS = [
    "bilan.accounts.backends.ThrottledBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# 5 failures per account, and 5 per client address (password spraying across accounts),
# lock for 15 minutes; attempts are rows in the database, shared by every gunicorn worker.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_USERNAME_CALLABLE = "bilan.accounts.throttle.axes_username"
# The e-mail counters (login link, reset) live in the database so every worker sees them.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "bilan_cache",
    }
}
MAIL_LIMIT_PER_ADDRESS = 3  # login-link and reset e-mails per address per 15 minutes
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))
# Staff (admins, consultants) must enrol a TOTP device after this many days.
MFA_GRACE_DAYS = int(os.environ.get("MFA_GRACE_DAYS", "14"))
OTP_TOTP_ISSUER = "Bilan"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # invitation and reset links live three days

# Session expiry: an idle session ends after SESSION_IDLE_MINUTES (REQ-54).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "60")) * 60
# Issue 18: the expiry moves forward at most once a minute (IdleSessionMiddleware), not with
# a session write and commit on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_IDLE_REFRESH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it
WHITENOISE_USE_FINDERS = True  # serve static/ even before collectstatic (tests, first run)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Rendered synthèses live outside MEDIA_ROOT: no URL serves them, only the checked views.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private"))
# Files at rest (issue 11): every stored file (uploads, rendered documents, both storages) is
# readable by the application's user only, in folders only it can enter.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# E-mail: console by default, SMTP when EMAIL_HOST is set.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))  # seconds; a silent SMTP server fails
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Bilan <no-reply@bilan.localhost>")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
    )

# Background work: django-q2 with the database as broker (no extra server); `manage.py qcluster`
# is the worker, started by bin/run. Scheduled jobs (reminders) are rows of django_q.Schedule.
Q_CLUSTER = {
    "name": "bilan",
    "orm": "default",
    "workers": int(os.environ.get("Q_WORKERS", "1")),
    "timeout": 120,
    "retry": 300,
    "catch_up": False,
    "sync": env_bool("Q_SYNC", False),
    "poll": 2,
}

# A signature collected this long after the entretien ended is flagged « régularisation » (REQ-21).
ATTENDANCE_REGULARISATION_HOURS = int(os.environ.get("ATTENDANCE_REGULARISATION_HOURS", "24"))

# The entretien de suivi is booked this many days after closing (seed 000: about six months).
SUIVI_DELAY_DAYS = int(os.environ.get("SUIVI_DELAY_DAYS", "182"))

# The information notice shown before consent (REQ-2, REQ-58); bump on every change.
INFORMATION_NOTICE_VERSION = os.environ.get("INFORMATION_NOTICE_VERSION", "2026-11")

# Worker heartbeat (issue 11, item 15): the django-q2 worker writes a heartbeat every minute
# (schedule « bilan-worker-heartbeat », bilan/worker); staff pages warn after 3 minutes of silence.
# Sub-processors the operator declares (REQ-48), listed in the registers (issue 16): a JSON list
# of {"name", "service", "location", "guarantees"}, e.g. the host, the e-mail relay, the video.
SUBPROCESSORS = json.loads(os.environ.get("SUBPROCESSORS", "[]"))

INSTALLED_APPS += ["bilan.worker"]
TEMPLATES[0]["OPTIONS"]["context_processors"].append(  # type: ignore[index]  # a literal dict of lists
    "bilan.worker.context_processors.worker"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Transport security (issue 11): on by default whenever DEBUG is off, unless BILAN_LOCAL_HTTP says
# this is a plain-HTTP run on this machine. Behind the reverse proxy of README « Production ».
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [SITE_URL] if SITE_URL.startswith("https://") else []
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading commits the whole domain to HTTPS in browsers for months: the operator's choice
    # (SECURE_HSTS_PRELOAD=true), so check --deploy's reminder about it is silenced while it is off.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# The reverse proxy terminates TLS: trust its X-Forwarded-Proto (it must overwrite the header),
# and take the client address from the last TRUSTED_PROXY_COUNT hops of X-Forwarded-For.
if env_bool("TRUST_X_FORWARDED_PROTO", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1" if PRODUCTION else "0"))
AXES_CLIENT_IP_CALLABLE = "bilan.lib.net.client_ip"
