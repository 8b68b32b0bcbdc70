"""Page speed side by side: Bilan's key pages against a bare Django floor page, in one run.

Run (as root or a user who may start PostgreSQL; needs `apt-get install -y wrk`), with the machine
otherwise idle:

    .venv/bin/python bench/pages.py                     # PostgreSQL 15, demo data, -c8, 8 s a page
    .venv/bin/python bench/pages.py --connections 50    # the 50-connection target
    .venv/bin/python bench/pages.py --sqlite            # the embedded default instead
    .venv/bin/python bench/pages.py --only bilan_page,api_list_bilans --duration 4

What it does: recreates the database `bilan_pages_bench` (BENCH_DATABASE_URL for another server),
migrates it and loads the demo (`manage.py demo`), logs the demo people in (sessions and an API
token made in this process), then starts two gunicorns with the same options (2 sync workers,
DEBUG off): Bilan (config.wsgi) and the floor (bench/floor: one query, a 20-row template, the
same database and the middleware any Django site has). Each key page is fetched once (it must
answer 200, else the run stops), then wrk runs alternately against the floor and each page:

    wrk -t1 -c<connections> -d<duration>s -s bench/pages.lua http://127.0.0.1:<port> -- <path> <headers>

and prints req/s, p50/p95 and the ratio to the mean of the floor runs just before and after it.
Targets (issue 18): every page ≥ 0.3 × the floor, p95 ≤ 50 ms at 8 connections, ≤ 100 ms at 50.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from autosave import PASSWORD, ensure_postgres, free_port, sh  # noqa: E402

DB_NAME = "bilan_pages_bench"
DEFAULT_URL = f"postgres://bilan:{PASSWORD}@127.0.0.1:5432/{DB_NAME}"
TARGET_RATIO = 0.3
TARGET_P95_MS = {8: 50.0, 50: 100.0}


def prepare() -> list[tuple[str, str, list[str]]]:
    """Migrate, load the demo, and return (name, path, headers) for every key page."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from bilan.accounts.models import ApiToken, User
    from bilan.assessments.models import Administration
    from bilan.bilans.models import Bilan
    from bilan.careers.models import Metier
    from bilan.documents.models import Synthese

    call_command("migrate", verbosity=0)
    call_command("demo", verbosity=0)

    def cookie(email: str) -> list[str]:
        client = Client()
        client.force_login(User.objects.get(email=email))
        return [
            f"Cookie: {settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        ]

    consultant = "consultante@demo.test"
    staff, admin = cookie(consultant), cookie("admin@demo.test")
    token = ApiToken.issue(User.objects.get(email=consultant))
    bearer = [f"Authorization: Bearer {token}"]
    mine = Bilan.objects.filter(consultant__email=consultant)
    bilan = max(mine, key=lambda b: b.entretiens.count())
    entretien = bilan.entretiens.order_by("starts_at").first()
    synthese = Synthese.objects.filter(bilan__consultant__email=consultant).first()
    taking = Administration.objects.filter(bilan__consultant__email=consultant).first()
    beneficiary = (
        cookie(taking.bilan.beneficiary.email) if taking else cookie("beneficiaire@demo.test")
    )
    metier = Metier.objects.order_by("code_rome").first()
    assert entretien and synthese and metier, "the demo lacks an entretien, a synthèse or métiers"
    pages = [
        ("login", reverse("accounts:login"), []),
        ("consultant_dashboard", reverse("home"), staff),
        ("admin_dashboard", reverse("home"), admin),
        ("bilan_page", reverse("bilans:detail", args=[bilan.pk]), staff),
        ("conduct_page", reverse("entretiens:conduct", args=[entretien.pk]), staff),
        ("beneficiary_home", reverse("portal:home"), beneficiary),
        (
            "test_page",
            reverse("portal:test_take", args=[taking.pk]) if taking else reverse("portal:tests"),
            beneficiary,
        ),
        ("metier_search", reverse("careers:search") + "?q=comptable", staff),
        ("fiche_metier", reverse("careers:fiche", args=[metier.code_rome]), staff),
        ("synthese_page", reverse("documents:synthese", args=[synthese.bilan_id]), staff),
        ("api_list_bilans", "/api/v1/bilans", bearer),
        ("api_get_bilan", f"/api/v1/bilans/{bilan.pk}", bearer),
        ("api_search_metiers", "/api/v1/metiers?q=comptable", bearer),
    ]
    return pages


def wait_for(url: str, timeout: float = 120) -> None:
    """Until the server answers: one patient request at a time (a short client timeout would
    queue abandoned requests in front of a worker still starting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=max(1.0, deadline - time.monotonic())).read()
            return
        except urllib.error.URLError as exc:
            if isinstance(exc, urllib.error.HTTPError):
                raise SystemExit(f"{url} answered {exc.code}") from exc
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on {url}")


def fetch_ok(base: str, name: str, path: str, headers: list[str]) -> None:
    request = urllib.request.Request(base + path)
    for header in headers:
        key, value = header.split(":", 1)
        request.add_header(key, value.strip())
    opener = urllib.request.build_opener(NoRedirect)
    try:
        status = opener.open(request, timeout=30).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if status != 200:
        raise SystemExit(f"{name} ({path}) answered {status}, not 200: fix the bench first")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def wrk(base: str, path: str, headers: list[str], connections: int, duration: int) -> dict:
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "-s",
        str(ROOT / "bench" / "pages.lua"),
    ]
    out = sh(*cmd, base, "--", path, *headers).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def server(module: str, port: int, env: dict[str, str], workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            module,
            "--config",
            "python:bilan.lib.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            os.environ.get("BENCH_LOG_LEVEL", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--sqlite", action="store_true", help="the embedded default, not PostgreSQL"
    )
    parser.add_argument("--only", default="", help="comma-separated page names")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    if args.sqlite:
        url = f"sqlite:///{tempfile.mkdtemp()}/pages.sqlite3"
    else:
        url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
        ensure_postgres(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "BILAN_LOCAL_HTTP": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "ERROR",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    pages = prepare()
    if args.only:
        wanted = set(args.only.split(","))
        pages = [p for p in pages if p[0] in wanted]

    bilan_port, floor_port = free_port(), free_port()
    bilan = server("config.wsgi:application", bilan_port, env, args.workers)
    floor = server(
        "bench.floor.urls:application",
        floor_port,
        {**env, "DJANGO_SETTINGS_MODULE": "bench.floor.settings"},
        args.workers,
    )
    rows = []
    try:
        bilan_base, floor_base = f"http://127.0.0.1:{bilan_port}", f"http://127.0.0.1:{floor_port}"
        wait_for(bilan_base + pages[0][1] if pages else bilan_base + "/compte/connexion/")
        wait_for(floor_base + "/")
        for name, path, headers in pages:
            fetch_ok(bilan_base, name, path, headers)
        # Warm-up: every worker imports, connects and fills its caches.
        wrk(floor_base, "/", [], args.connections, 2)
        for _, path, headers in pages:
            wrk(bilan_base, path, headers, args.connections, 1)
        before = wrk(floor_base, "/", [], args.connections, args.duration)
        floors = [before["rate"]]
        for name, path, headers in pages:
            page = wrk(bilan_base, path, headers, args.connections, args.duration)
            after = wrk(floor_base, "/", [], args.connections, args.duration)
            floors.append(after["rate"])
            rows.append((name, page, (before["rate"] + after["rate"]) / 2))
            before = after
    finally:
        for process in (bilan, floor):
            process.send_signal(signal.SIGTERM)
        for process in (bilan, floor):
            process.wait(timeout=30)

    target_p95 = TARGET_P95_MS.get(args.connections)
    database = "SQLite" if args.sqlite else "PostgreSQL"
    print(
        f"{database}, gunicorn {args.workers} sync workers, wrk -t1 -c{args.connections} "
        f"-d{args.duration}s; floor {min(floors):.0f}–{max(floors):.0f} req/s"
    )
    print(f"{'page':<22} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'ratio':>6}  non-2xx  target")
    missed = 0
    for name, page, floor_rate in rows:
        ratio = page["rate"] / floor_rate
        p95 = page["p95_us"] / 1000
        ok = ratio >= TARGET_RATIO and (target_p95 is None or p95 <= target_p95)
        ok = ok and page["non_2xx"] == 0 and page["socket_errors"] == 0
        missed += not ok
        print(
            f"{name:<22} {page['rate']:7.0f} {page['p50_us'] / 1000:7.1f} {p95:7.1f} "
            f"{ratio:6.2f}  {page['non_2xx']:7d}  {'met' if ok else 'MISSED'}"
        )
    print(f"machine: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")
    print(
        f"targets: ratio ≥ {TARGET_RATIO}" + (f", p95 ≤ {target_p95:.0f} ms" if target_p95 else "")
    )
    print(f"{len(rows) - missed} of {len(rows)} pages meet them")


if __name__ == "__main__":
    main()
