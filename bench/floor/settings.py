"""The floor of bench/pages.py: a bare Django page under the same database settings and the
middleware that makes sense for any Django site (security, sessions, common, CSRF, auth,
messages, clickjacking), without Bilan's apps. One query, a 20-row template."""

from __future__ import annotations

from pathlib import Path

from config.settings import DATABASES, SECRET_KEY  # the same database, the same secret

__all__ = ["DATABASES", "SECRET_KEY"]

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bench.floor.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent],
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
USE_TZ = True
WSGI_APPLICATION = "bench.floor.urls.application"
