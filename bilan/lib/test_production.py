"""Production settings (issue 11 item 5): the documented environment passes `check --deploy` at
warning level, missing or published secrets refuse to start, and transport security is on by
default once DEBUG is off (only BILAN_LOCAL_HTTP, which bin/run and the suite set, turns it off)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, RequestFactory, override_settings

from bilan.lib.crypto import generate_master_key
from bilan.lib.net import client_ip
from bilan.lib.supervise import ROOT


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The environment README « Production » documents, on a throw-away SQLite file."""
    local_only = {"BILAN_LOCAL_HTTP", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in local_only}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        IP_HASH_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="bilan.example.org",
        SITE_URL="https://bilan.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        BILAN_MASTER_KEYS=generate_master_key("prod1"),
        BILAN_KEYS_ROOT=str(tmp_path / "keys"),
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_at_warning_level_with_the_documented_environment(
    tmp_path: Path,
) -> None:
    done = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_turns_on_transport_security_by_default(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_PROXY_SSL_HEADER, "
        "s.CSRF_TRUSTED_ORIGINS, s.TRUSTED_PROXY_COUNT)"
    )
    done = manage(production_env(tmp_path), "shell", "-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == (
        "True True True 31536000 True ('HTTP_X_FORWARDED_PROTO', 'https') "
        "['https://bilan.example.org'] 1"
    )
    local = manage(
        production_env(tmp_path, BILAN_LOCAL_HTTP="1"),
        "shell",
        "-c",
        code.replace("s.SECURE_SSL_REDIRECT", "getattr(s, 'SECURE_SSL_REDIRECT', False)"),
    )
    assert local.returncode == 0, local.stderr
    assert local.stdout.strip().splitlines()[-1].startswith("False False False 0 ")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SECRET_KEY", None, "SECRET_KEY is not set"),
        ("SECRET_KEY", "dev-only-insecure-key-change-me-in-production", "SECRET_KEY is not set"),
        ("SECRET_KEY", "short-key", "SECRET_KEY must be at least 50"),
        ("IP_HASH_KEY", None, "IP_HASH_KEY is not set"),
    ],
)
def test_production_refuses_to_start_without_its_own_secrets(
    tmp_path: Path, variable: str, value: str | None, message: str
) -> None:
    env = production_env(tmp_path)
    if value is None:
        del env[variable]
    else:
        env[variable] = value
    done = manage(env, "check")
    assert done.returncode != 0
    assert message in done.stderr


def test_a_local_run_uses_generated_secrets_not_the_published_ones() -> None:
    from django.conf import settings

    assert not settings.SECRET_KEY.startswith("dev-only-")
    assert not settings.IP_HASH_KEY.startswith("dev-only-")
    assert settings.SECRET_KEY != settings.IP_HASH_KEY
    assert len(settings.SECRET_KEY) >= 50


@pytest.mark.django_db
def test_plain_http_is_redirected_and_https_gets_hsts_behind_the_proxy() -> None:
    with override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_HSTS_SECONDS=31536000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    ):
        plain = Client().get("/compte/connexion/")
        assert plain.status_code == 301
        assert plain["Location"].startswith("https://")
        secure = Client().get("/compte/connexion/", HTTP_X_FORWARDED_PROTO="https")
        assert secure.status_code == 200
        assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_client_address_is_taken_from_the_trusted_proxy_hops_only() -> None:
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    with override_settings(TRUSTED_PROXY_COUNT=0):
        assert client_ip(request) == "127.0.0.1"
    with override_settings(TRUSTED_PROXY_COUNT=1):
        # The left part is whatever the client sent; only our proxy's hop is believed.
        assert client_ip(request) == "203.0.113.9"
    with override_settings(TRUSTED_PROXY_COUNT=2):
        assert client_ip(request) == "6.6.6.6"
    with override_settings(TRUSTED_PROXY_COUNT=3):
        assert client_ip(request) == "127.0.0.1"  # fewer hops than proxies: the peer
