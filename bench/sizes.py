"""Flat with size: the key staff pages' time and queries at 10, 1,000 and 10,000 bilans.

Run:  .venv/bin/python bench/sizes.py                  # 10 1000 10000, throw-away SQLite
      DATABASE_URL=postgres://…/empty_db .venv/bin/python bench/sizes.py 10 1000 10000
      .venv/bin/python bench/sizes.py 10 1000 10000 100000   # 100,000: ~10 min to load on SQLite

One organisation, one consultant who follows every bilan (the worst case for her dashboard), an
admin. The first bilans are made the real way (create_bilan, then advanced through the phases by
the demo scenario); the rest are bulk copies of them (beneficiary, membership, bilan and one
entretien each, statuses cycling through the stages), so 10,000 load in seconds. Each page is
requested once to warm, then timed over 5 requests in process (Django test client), queries
counted. The target (issue 18): the time at the largest size within 1.5 × the time at 10.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/sizes.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("BILAN_LOCAL_HTTP", "1")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bilan.accounts.models import ApiToken, User  # noqa: E402
from bilan.bilans.models import Bilan, Status  # noqa: E402
from bilan.bilans.testing import make_bilan, make_member, make_organisation  # noqa: E402
from bilan.demo.scenario import advance_to  # noqa: E402
from bilan.entretiens.models import Entretien  # noqa: E402
from bilan.organisations.models import Membership, Role  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STAGES = [Status.ENQUIRY, Status.PRELIMINARY, Status.INVESTIGATION, Status.CONCLUSIONS]
RUNS = 5


def measure(client: Client, url: str, **extra: str) -> tuple[int, float]:
    assert client.get(url, **extra).status_code == 200, url
    count = [0]

    def counting(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):  # the query log is reset by each request
        client.get(url, **extra)
    start = time.perf_counter()
    for _ in range(RUNS):
        client.get(url, **extra)
    return count[0], (time.perf_counter() - start) / RUNS * 1000


def explain_slowest(
    name: str, client: Client, url: str, extra: dict[str, str], top: int = 3
) -> None:
    timed: list[tuple[float, str, object]] = []

    def timing(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append(((time.perf_counter() - start) * 1000, sql, params))

    with connection.execute_wrapper(timing):
        client.get(url, **extra)
    print(f"-- {name}: {len(timed)} queries, {sum(t for t, *_ in timed):.1f} ms in SQL")
    for ms, sql, params in sorted(timed, key=lambda t: -t[0])[:top]:
        print(f"  {ms:6.1f} ms  {sql[:200]}")
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            for row in cursor.fetchall():
                print("           ", " ".join(str(c) for c in row)[:160])


def bulk_copies(org: object, consultant: User, templates: list[Bilan], start: int, n: int) -> None:
    """`n` more bilans, copies of the templates' rows, with their people and one entretien."""
    password = templates[0].beneficiary.password
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    email=f"b{start + i}@bench.test",
                    first_name="Bench",
                    last_name=f"N{start + i:06d}",
                    password=password,
                )
                for i in range(n)
            ],
            batch_size=1000,
        )
        if connection.vendor == "sqlite" or users[0].pk is None:
            users = list(User.objects.filter(email__in=[u.email for u in users]).order_by("pk"))
        Membership.objects.bulk_create(
            [Membership(user=u, organisation=org, role=Role.BENEFICIARY) for u in users],
            batch_size=1000,
        )
        copies = []
        for i, user in enumerate(users):
            template = templates[i % len(templates)]
            copy = Bilan(
                **{
                    f.attname: getattr(template, f.attname)
                    for f in Bilan._meta.concrete_fields
                    if not f.primary_key
                }
            )
            copy.beneficiary = user
            copy.opened_on = timezone.localdate() - dt.timedelta(days=i % 300)
            copies.append(copy)
        Bilan.objects.bulk_create(copies, batch_size=1000)
        made = list(Bilan.objects.filter(beneficiary__in=users).values_list("pk", flat=True))
        now = timezone.now()
        Entretien.objects.bulk_create(
            [
                Entretien(
                    bilan_id=pk,
                    phase="preliminary",
                    starts_at=now + dt.timedelta(days=1 + i % 60, hours=i % 8),
                    planned_minutes=90,
                    created_by=consultant,
                )
                for i, pk in enumerate(made)
            ],
            batch_size=1000,
        )


def main(sizes: list[int]) -> None:
    call_command("migrate", verbosity=0)
    org = make_organisation("Bench", "bench")
    admin = make_member(org, "admin@bench.test", Role.ADMIN, "A", "Admin")
    consultant = make_member(org, "c@bench.test", Role.CONSULTANT, "C", "Consultant")
    clients = {"consultant": Client(), "admin": Client()}
    clients["consultant"].force_login(consultant)
    clients["admin"].force_login(admin)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(consultant)}"}
    templates = []
    for i, stage in enumerate(STAGES * 2):
        b = make_member(org, f"t{i}@bench.test", Role.BENEFICIARY, "T", f"Template{i}")
        templates.append(advance_to(make_bilan(org, b, consultant), stage))
    sample = templates[-1]  # a bilan in conclusions, with its entretiens
    made = len(templates)
    pages = [
        ("consultant dashboard", "consultant", reverse("home"), {}),
        ("admin dashboard", "admin", reverse("home"), {}),
        ("bilan list", "admin", reverse("bilans:list"), {}),
        ("bilan list search", "admin", reverse("bilans:list") + "?q=N0000", {}),
        ("bilan page", "consultant", reverse("bilans:detail", args=[sample.pk]), {}),
        ("API list_bilans", "consultant", "/api/v1/bilans", bearer),
        ("API get_bilan", "consultant", f"/api/v1/bilans/{sample.pk}", bearer),
    ]
    results: dict[str, dict[int, tuple[int, float]]] = {name: {} for name, *_ in pages}
    print(f"database: {connection.vendor}")
    print(f"{'bilans':>7} {'page':<22} {'queries':>7} {'ms/page':>8}")
    for size in sizes:
        if made < size:
            started = time.perf_counter()
            bulk_copies(org, consultant, templates, made, size - made)
            print(f"        (loaded {size - made} bilans in {time.perf_counter() - started:.1f} s)")
            made = size
        for name, who, url, extra in pages:
            queries, ms = measure(clients[who], url, **extra)
            results[name][size] = (queries, ms)
            print(f"{size:>7} {name:<22} {queries:>7} {ms:>8.1f}")
    print(f"\nslowest queries at {sizes[-1]} bilans, with their plan:")
    for name, who, url, extra in pages[:4]:
        explain_slowest(name, clients[who], url, extra)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"\nratio of the time at {large} to the time at {small} (target ≤ 1.5):")
        for name, by_size in results.items():
            ratio = by_size[large][1] / by_size[small][1]
            same = by_size[large][0] == by_size[small][0]
            print(
                f"  {name:<22} {ratio:5.2f} {'met' if ratio <= 1.5 else 'MISSED'}"
                f"{'' if same else ' (query count changed)'}"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 1000, 10000])
