"""The django-q2 schedule that sends the satisfaction surveys and their reminders: daily."""

from django.db import migrations

NAME = "bilan-quality-surveys"


def forwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={
            "func": "bilan.quality.tasks.send_survey_emails",
            "schedule_type": "D",  # Schedule.DAILY
            "repeats": -1,
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0002_seed_referential_and_questions"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
