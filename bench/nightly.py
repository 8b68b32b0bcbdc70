"""The lifecycle's nightly job on 1,000 closed bilans (issue 16): the D-15 run (1,000 e-mails),
then the destruction run 15 days later (TRAVAIL_BILAN and SYNTHESE of every bilan, with their
certificates), then a quiet run (nothing due).

Run:  .venv/bin/python bench/nightly.py [1000]
Uses a throw-away SQLite file unless DATABASE_URL is set (then it must be an empty database).
Each bilan gets its framing, a consent, two status changes, two held entretiens with a note
each, three journal entries, four messages and a synthèse with two versions (bulk-created:
the rows, not the flows, are what the job reads and deletes).

Measured 2026-12-02 on the 2-core VM (SQLite, locmem e-mail), 1,000 closed bilans:
  D-15 notices 2.72 s (2,027 queries, 1,000 e-mails), destruction at D+15 1.38 s (2,669
  queries: TRAVAIL_BILAN and SYNTHESE of every bilan, 5,000 certificate lines, in batches of
  200 bilans), quiet night 0.13 s (19 queries). A first run while the schemathesis suite used
  the cores: 26.4 s, 12.7 s, 1.3 s.
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
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("BILAN_LOCAL_HTTP", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bilan.accounts.models import User  # noqa: E402
from bilan.bilans.models import (  # noqa: E402
    Bilan,
    BilanFraming,
    Consent,
    Format,
    FundingRoute,
    Phase,
    Situation,
    Status,
    StatusChange,
)
from bilan.bilans.testing import make_member, make_organisation  # noqa: E402
from bilan.documents.models import Synthese, SyntheseVersion  # noqa: E402
from bilan.entretiens.models import Entretien, EntretienNote  # noqa: E402
from bilan.exchanges.models import JournalEntry, Message  # noqa: E402
from bilan.lifecycle import tasks  # noqa: E402
from bilan.lifecycle.models import DestructionLine  # noqa: E402
from bilan.organisations.models import Membership, Role  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
mail.outbox = []


def make(n: int, end: dt.date) -> None:
    org = make_organisation("Bench", "bench")
    consultant = make_member(org, "c@bench.test", Role.CONSULTANT, "C", "Consultant")
    users = User.objects.bulk_create(
        User(email=f"b{i}@bench.test", first_name="B", last_name=f"N{i}", password="!")
        for i in range(n)
    )
    Membership.objects.bulk_create(
        Membership(user=u, organisation=org, role=Role.BENEFICIARY) for u in users
    )
    bilans = Bilan.objects.bulk_create(
        Bilan(
            organisation=org,
            beneficiary=u,
            consultant=consultant,
            status=Status.CLOSED,
            situation=Situation.EMPLOYEE,
            funding_route=FundingRoute.CPF,
            funding_reference="CPF-1",
            format=Format.IN_PERSON,
            opened_on=end - dt.timedelta(days=90),
            closed_on=end,
        )
        for u in users
    )
    now = timezone.now()
    BilanFraming.objects.bulk_create(
        BilanFraming(bilan=b, request_text="Demande", needs_analysis="Analyse") for b in bilans
    )
    Consent.objects.bulk_create(
        Consent(bilan=b, method="online", notice_version="2026-11") for b in bilans
    )
    StatusChange.objects.bulk_create(
        StatusChange(bilan=b, from_status=f, to_status=t)
        for b in bilans
        for f, t in (("enquiry", "preliminary"), ("conclusions", "closed"))
    )
    entretiens = Entretien.objects.bulk_create(
        Entretien(
            bilan=b,
            phase=Phase.PRELIMINARY,
            starts_at=now - dt.timedelta(days=60 + k),
            planned_minutes=120,
            held_minutes=120,
            status="held",
        )
        for b in bilans
        for k in range(2)
    )
    EntretienNote.objects.bulk_create(
        EntretienNote(entretien=e, key="free", text="Notes de l'entretien") for e in entretiens
    )
    JournalEntry.objects.bulk_create(
        JournalEntry(bilan=b, author=b.beneficiary, text=f"Entrée {k}")
        for b in bilans
        for k in range(3)
    )
    Message.objects.bulk_create(
        Message(bilan=b, author=b.beneficiary, text=f"Message {k}")
        for b in bilans
        for k in range(4)
    )
    syntheses = Synthese.objects.bulk_create(Synthese(bilan=b, status="validated") for b in bilans)
    SyntheseVersion.objects.bulk_create(
        SyntheseVersion(synthese=s, number=k, sections={"a": "<p>x</p>"})
        for s in syntheses
        for k in (1, 2)
    )


def run(label: str, now: dt.datetime) -> None:
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        report = tasks.nightly(now)
        seconds = time.perf_counter() - start
    print(
        f"{label:<22} {seconds:>7.2f} s  {len(ctx):>6} queries  notices {report.notices:>5}  "
        f"destroyed {dict(report.destroyed)}"
    )


def main(n: int) -> None:
    call_command("migrate", verbosity=0)
    end = timezone.localdate() - dt.timedelta(days=1)
    start = time.perf_counter()
    make(n, end)
    print(
        f"database: {connection.vendor}; {n} closed bilans made in {time.perf_counter() - start:.1f} s"
    )
    at = timezone.make_aware(dt.datetime.combine(end, dt.time(2, 30)))
    run("D-15 notices", at)
    assert len(mail.outbox) == n, len(mail.outbox)
    run("destruction (D+15)", at + dt.timedelta(days=15))
    assert not JournalEntry.objects.exists() and not SyntheseVersion.objects.exists()
    assert Entretien.objects.count() == 2 * n and Consent.objects.count() == n
    run("quiet night", at + dt.timedelta(days=16))
    print(f"certificate lines: {DestructionLine.objects.count()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
