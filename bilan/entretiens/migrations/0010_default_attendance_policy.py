"""The general attendance policy, dated (issue 14). Organisations may add their own rows."""

import datetime as dt

from django.db import migrations

POLICY = dict(
    effective_from=dt.date(2019, 1, 1),
    held_tolerance_minutes=15,
    regularisation_hours=24,
    bulk_window_seconds=60,
    source=(
        "Pratique de contrôle CDC/OPCO (REQ-21) : signature le jour même, « régularisation » "
        "au-delà de N heures (24 h par défaut) ; tolérance et fenêtre : réglages de l'organisme"
    ),
    to_verify=True,
)


def forwards(apps, schema_editor):
    AttendancePolicy = apps.get_model("entretiens", "AttendancePolicy")
    AttendancePolicy.objects.get_or_create(
        organisation=None, effective_from=POLICY["effective_from"], defaults=POLICY
    )


def backwards(apps, schema_editor):
    AttendancePolicy = apps.get_model("entretiens", "AttendancePolicy")
    AttendancePolicy.objects.filter(
        organisation=None, effective_from=POLICY["effective_from"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("entretiens", "0009_attendance_policy")]
    operations = [migrations.RunPython(forwards, backwards)]
