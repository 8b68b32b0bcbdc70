"""The django-q2 schedule of the complaints' e-mails (acknowledgments owed, deadline alerts)."""

from django.db import migrations

NAME = "bilan-quality-complaints"


def forwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={
            "func": "bilan.quality.tasks.send_complaint_emails",
            "schedule_type": "D",  # Schedule.DAILY
            "repeats": -1,
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("quality", "0004_complaints")]
    operations = [migrations.RunPython(forwards, backwards)]
