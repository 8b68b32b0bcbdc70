"""The product's default interview guide (seed 004), version 1, from its committed data file."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "default_guide_v1.json"
NAME = "Guide d'entretien du bilan de compétences"


def forwards(apps, schema_editor):
    InterviewGuide = apps.get_model("entretiens", "InterviewGuide")
    InterviewGuide.objects.get_or_create(
        organisation=None,
        name=NAME,
        version=1,
        defaults={
            "is_current": True,
            "content": json.loads(DATA.read_text(encoding="utf-8")),
            "source": "Support pour les entretiens du bilan de compétences (seed 004)",
        },
    )


def backwards(apps, schema_editor):
    InterviewGuide = apps.get_model("entretiens", "InterviewGuide")
    InterviewGuide.objects.filter(organisation=None, name=NAME, version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("entretiens", "0002_guides_notes_attendance_assignments")]
    operations = [migrations.RunPython(forwards, backwards)]
