"""The referential versions (RNQ V9 in force, the 2026 version « à vérifier ») and the general
survey questions, from the data files of bilan/quality/data/."""

from django.db import migrations

def forwards(apps, schema_editor):
    from bilan.quality.referential import seed, seed_questions  # why: one seeding code

    seed(
        apps.get_model("quality", "ReferentialVersion"),
        apps.get_model("quality", "Criterion"),
        apps.get_model("quality", "Indicator"),
    )
    seed_questions(apps.get_model("quality", "QuestionSet"))


def backwards(apps, schema_editor):
    apps.get_model("quality", "ReferentialVersion").objects.all().delete()
    apps.get_model("quality", "QuestionSet").objects.filter(organisation=None).delete()


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
