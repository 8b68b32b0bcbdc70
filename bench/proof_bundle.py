"""Time to build the proof bundle (« dossier de preuve », issue 14) of a bilan with 12 signed
entretiens, closed, with its certificate; and the size of the zip.

Target: ≤ 2 s. Run:  BILAN_LOCAL_HTTP=1 .venv/bin/python bench/proof_bundle.py [runs]
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

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bilan.bilans.models import Phase, Status  # noqa: E402
from bilan.bilans.testing import make_bilan, make_member, make_organisation  # noqa: E402
from bilan.demo.scenario import advance_to, conclude_and_close, hold  # noqa: E402
from bilan.entretiens.proof import proof_bundle  # noqa: E402
from bilan.organisations.models import Role  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def main(runs: int) -> None:
    call_command("migrate", verbosity=0)
    org = make_organisation("Bench", "bench")
    make_member(org, "admin@bench.test", Role.ADMIN, "A", "Admin")
    consultant = make_member(org, "c@bench.test", Role.CONSULTANT, "Claire", "Conseil")
    beneficiary = make_member(org, "b@bench.test", Role.BENEFICIARY, "Bruno", "Bénéf")
    bilan = make_bilan(org, beneficiary, consultant)
    advance_to(bilan, Status.CONCLUSIONS)  # nine entretiens, signed by both on the day
    bilan.plan_hours(by=bilan.consultant, accompaniment_minutes=19 * 60, personal_minutes=0)
    for days_ago in (6, 5, 4):
        hold(bilan, Phase.CONCLUSIONS, minutes=60, days_ago=days_ago)
    conclude_and_close(bilan)
    held = bilan.entretiens.filter(status="held").count()
    proof_bundle(bilan)  # warm: templates, fonts, the certificate's version 1
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(proof_bundle(bilan))
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"entretiens held and signed: {held}")
    print(
        f"build: median {times[len(times) // 2]:.2f} s, min {times[0]:.2f} s, "
        f"max {times[-1]:.2f} s over {runs} runs (target ≤ 2 s)"
    )
    print(f"zip size: {size} bytes ({size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
