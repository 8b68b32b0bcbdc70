"""The CPF rules for bilans, dated, each citing its text and « à vérifier au JO » until an
administrator confirms it (REQ-22, REQ-23)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

RULES = [
    dict(
        valid_from=dt.date(2025, 1, 1),
        year=2025,
        cap_per_bilan=None,
        cap_source="",
        participation=Decimal("102.23"),
        participation_source="décret n° 2024-394 (participation indexée, 2025)",
        prior_bilan_years=None,
        prior_bilan_source="",
        accompaniment_only=False,
        accompaniment_source="",
        to_verify=True,
    ),
    dict(
        valid_from=dt.date(2026, 1, 1),
        year=2026,
        cap_per_bilan=Decimal("1600.00"),
        cap_source="décret n° 2026-127 du 24/02/2026, loi de finances 2026 art. 203",
        participation=Decimal("103.20"),
        participation_source="arrêté du 30/12/2025, art. L6323-4 C. trav.",
        prior_bilan_years=5,
        prior_bilan_source="décret n° 2026-126 du 24/02/2026",
        accompaniment_only=True,
        accompaniment_source="art. D6323-6 C. trav., rédaction 2026",
        to_verify=True,
    ),
]


def forwards(apps, schema_editor):
    CpfRule = apps.get_model("funding", "CpfRule")
    for rule in RULES:
        CpfRule.objects.get_or_create(valid_from=rule["valid_from"], defaults=rule)


def backwards(apps, schema_editor):
    CpfRule = apps.get_model("funding", "CpfRule")
    CpfRule.objects.filter(valid_from__in=[r["valid_from"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("funding", "0002_cpf_rules")]
    operations = [migrations.RunPython(forwards, backwards)]
