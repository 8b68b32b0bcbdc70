"""The referential versions (RNQ V9 in force, the 2026 version « à vérifier ») and the general
survey questions, from the data files of bilan/quality/data/."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def forwards(apps, schema_editor):
    from bilan.quality.referential import seed  # why: one seeding code for the migration and tests

    seed(
        apps.get_model("quality", "ReferentialVersion"),
        apps.get_model("quality", "Criterion"),
        apps.get_model("quality", "Indicator"),
    )
    QuestionSet = apps.get_model("quality", "QuestionSet")
    questions = json.loads((DATA / "questions.json").read_text(encoding="utf-8"))
    for kind, items in questions.items():
        QuestionSet.objects.get_or_create(
            organisation=None, kind=kind, version=1, defaults={"questions": items}
        )


def backwards(apps, schema_editor):
    apps.get_model("quality", "ReferentialVersion").objects.all().delete()
    apps.get_model("quality", "QuestionSet").objects.filter(organisation=None).delete()


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
