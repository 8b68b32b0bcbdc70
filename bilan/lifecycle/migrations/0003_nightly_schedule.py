"""The django-q2 schedule of the lifecycle's nightly job: every day at 02:30 (REQ-52)."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

NAME = "bilan-lifecycle-nightly"


def forwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    today = timezone.localdate()
    first = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(2, 30)))
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={
            "func": "bilan.lifecycle.tasks.nightly",
            "schedule_type": "D",  # Schedule.DAILY
            "repeats": -1,
            "next_run": first,
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lifecycle", "0002_retention_matrix"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
