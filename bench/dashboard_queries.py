"""Queries and time per dashboard page as the number of bilans grows (no N+1).

Run:  .venv/bin/python bench/dashboard_queries.py [10 100 500]
Uses a throw-away SQLite file unless DATABASE_URL is set (then it must be an empty database).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from bilan.bilans.models import Status  # noqa: E402
from bilan.bilans.testing import make_bilan, make_member, make_organisation  # noqa: E402
from bilan.demo.scenario import advance_to  # noqa: E402
from bilan.organisations.models import Role  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STAGES = [Status.ENQUIRY, Status.PRELIMINARY, Status.INVESTIGATION, Status.CONCLUSIONS]


def measure(client: Client, url: str, runs: int = 5) -> tuple[int, float]:
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    queries = len(ctx)  # now: each request resets the connection's query log
    start = time.perf_counter()
    for _ in range(runs):
        client.get(url)
    return queries, (time.perf_counter() - start) / runs * 1000


def main(sizes: list[int]) -> None:
    call_command("migrate", verbosity=0)
    org = make_organisation("Bench", "bench")
    admin = make_member(org, "admin@bench.test", Role.ADMIN, "A", "Admin")
    consultant = make_member(org, "c@bench.test", Role.CONSULTANT, "C", "Consultant")
    staff = {"consultant": Client(), "admin": Client()}
    staff["consultant"].force_login(consultant)
    staff["admin"].force_login(admin)
    made = 0
    print(f"database: {connection.vendor}")
    print(f"{'bilans':>7} {'page':<22} {'queries':>7} {'ms/page':>8}")
    for size in sizes:
        while made < size:
            b = make_member(org, f"b{made}@bench.test", Role.BENEFICIARY, "B", f"N{made}")
            advance_to(make_bilan(org, b, consultant), STAGES[made % len(STAGES)])
            made += 1
        for role, client in staff.items():
            queries, ms = measure(client, reverse("home"))
            print(f"{size:>7} {role + ' dashboard':<22} {queries:>7} {ms:>8.1f}")
        queries, ms = measure(staff["admin"], reverse("bilans:list"))
        print(f"{size:>7} {'bilan list':<22} {queries:>7} {ms:>8.1f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 100, 300])
