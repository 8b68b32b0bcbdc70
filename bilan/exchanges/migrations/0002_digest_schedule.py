"""The django-q2 schedule that sends the message digests: every 60 minutes, forever."""

from django.db import migrations

NAME = "bilan-message-digests"


def forwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={
            "func": "bilan.exchanges.tasks.send_message_digests",
            "schedule_type": "I",  # Schedule.MINUTES
            "minutes": 60,
            "repeats": -1,
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("exchanges", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
