"""Audit pack: time to build the zip for a sample of 20 bilans (target ≤ 10 s, in the worker)
and its size.

Run:  .venv/bin/python bench/audit_pack.py [--bilans 20] [--runs 3]
Uses a throw-away SQLite file unless DATABASE_URL is set (then it must be an empty database).
The bilans are closed through the demo scenario (entretiens held, synthèse validated and
handed over, plan d'action, suivi booked), with complaints and survey answers beside them; the
pack is requested for them as a chosen sample and built by the worker's function, timed from
its start to its zip (the PDFs through bilan/lib/render.py, WeasyPrint warm after run 1).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("BILAN_LOCAL_HTTP", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bilan.bilans.models import Status  # noqa: E402
from bilan.bilans.testing import make_bilan, make_member, make_organisation  # noqa: E402
from bilan.demo.scenario import advance_to, conclude_and_close  # noqa: E402
from bilan.organisations.models import Role  # noqa: E402
from bilan.quality import complaints, pack  # noqa: E402
from bilan.quality.models import AuditPack  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def detail() -> None:
    """Print each PDF's render time (and the data gathering's) as the pack is built."""
    render, gather = pack.pdf, pack.gather

    def timed_pdf(title: str, *args: object, **kwargs: object) -> bytes:
        t0 = time.perf_counter()
        data = render(title, *args, **kwargs)  # type: ignore[arg-type]
        print(f"  {title[:50]}: {time.perf_counter() - t0:.2f} s, {len(data) // 1024} KiB")
        return data

    def timed_gather(*args: object) -> pack.Context:
        t0 = time.perf_counter()
        found = gather(*args)  # type: ignore[arg-type]
        print(f"  data: {time.perf_counter() - t0:.2f} s")
        return found

    pack.pdf, pack.gather = timed_pdf, timed_gather  # type: ignore[assignment]


def main(bilans: int, runs: int) -> None:
    call_command("migrate", verbosity=0)
    org = make_organisation("Bench", "bench")
    admin = make_member(org, "admin@bench.test", Role.ADMIN, "A", "Admin")
    consultant = make_member(org, "c@bench.test", Role.CONSULTANT, "C", "Consultant")
    ids = []
    started = time.perf_counter()
    for i in range(bilans):
        person = make_member(org, f"b{i}@bench.test", Role.BENEFICIARY, "B", f"Bénéf {i}")
        bilan = make_bilan(org, person, consultant)
        conclude_and_close(advance_to(bilan, Status.CONCLUSIONS))
        person.membership = person.memberships.get()
        complaints.create_complaint(
            organisation=org, by=person, text="Un rendez-vous déplacé.", category="organisation"
        )
        ids.append(bilan.pk)
    print(f"setup: {bilans} closed bilans in {time.perf_counter() - started:.0f} s")
    times, sizes, files = [], [], []
    for _ in range(runs):
        made = pack.request_pack(organisation=org, by=admin, start=None, end=None, chosen=ids)
        t0 = time.perf_counter()
        pack.run(made.pk)
        times.append(time.perf_counter() - t0)
        made = AuditPack.objects.get(pk=made.pk)
        assert made.status == "done", made.error
        sizes.append(made.size)
        files.append(made.files)
    print(
        f"audit pack, {bilans} bilans: median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s, first {times[0]:.2f} s (target ≤ 10 s); "
        f"{files[0]} files, {sizes[0] / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bilans", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--detail", action="store_true", help="time each document")
    args = parser.parse_args()
    if args.detail:
        detail()
    main(args.bilans, args.runs)
