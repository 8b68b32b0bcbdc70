"""The general hour rules, dated. Organisations may add their own rows to override them."""

import datetime as dt

from django.db import migrations

RULES = [
    # L6313-4: 24 h ceiling; personal work counted (REQ-4's conservative default).
    dict(
        effective_from=dt.date(2019, 1, 1),
        max_total_minutes=24 * 60,
        min_accompaniment_minutes=0,
        count_personal_work=True,
        source="L6313-4 C. trav. (décret 2018-1330)",
    ),
    # R6313-4 as amended in 2026 (NOR TRSD2602696D): 13 h of accompagnement effectif at least.
    # The effective date is the one reported by secondary sources: check the JO (REQ-5 ⚠).
    dict(
        effective_from=dt.date(2026, 3, 1),
        max_total_minutes=24 * 60,
        min_accompaniment_minutes=13 * 60,
        count_personal_work=True,
        source="R6313-4 modifié (décret 2026, NOR TRSD2602696D) — à vérifier au JO",
    ),
]


def forwards(apps, schema_editor):
    HoursRule = apps.get_model("organisations", "HoursRule")
    for rule in RULES:
        HoursRule.objects.get_or_create(
            organisation=None, effective_from=rule["effective_from"], defaults=rule
        )


def backwards(apps, schema_editor):
    HoursRule = apps.get_model("organisations", "HoursRule")
    HoursRule.objects.filter(
        organisation=None, effective_from__in=[r["effective_from"] for r in RULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
