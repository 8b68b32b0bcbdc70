"""The worker's heartbeat: a schedule every minute, and staff pages warn in French when the
worker has been silent for 3 minutes (never in sync mode, never before a first beat)."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.tasks import async_task

from bilan.bilans.models import Status
from bilan.demo.scenario import advance_to
from bilan.documents import synthese as service
from bilan.documents.models import RenderJob, RenderStatus
from bilan.worker.models import Heartbeat
from bilan.worker.status import silent_since
from bilan.worker.tasks import heartbeat

WARNING = "Le travailleur de tâches ne répond pas depuis"


@pytest.fixture(autouse=True)
def _no_run_started(tmp_path, monkeypatch) -> None:
    """Not the working copy's var/worker-heartbeat (a bin/run of the developer's)."""
    monkeypatch.setenv("WORKER_HEARTBEAT_FILE", str(tmp_path / "not-started"))


def beat(minutes_ago: float) -> dt.datetime:
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    Heartbeat.objects.update_or_create(name="worker", defaults={"beat_at": at})
    return at


@pytest.mark.django_db
def test_a_schedule_runs_the_heartbeat_every_minute_and_its_migration_can_run_again():
    schedule = Schedule.objects.get(name="bilan-worker-heartbeat")
    assert schedule.func == "bilan.worker.tasks.heartbeat"
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        Schedule.MINUTES,
        1,
        -1,
    )
    import_module("bilan.worker.migrations.0002_heartbeat_schedule").forwards(apps, None)
    assert Schedule.objects.filter(name="bilan-worker-heartbeat").count() == 1


@pytest.mark.django_db
def test_the_queue_runs_the_heartbeat_which_writes_the_time(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)
    before = timezone.now()
    async_task("bilan.worker.tasks.heartbeat")
    assert Heartbeat.objects.get(name="worker").beat_at >= before


@pytest.mark.django_db
def test_silence_is_reported_after_three_minutes_only(settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    assert silent_since() is None  # never beaten: nothing expected yet
    beat(2)
    assert silent_since() is None
    at = beat(4)
    assert silent_since() == at
    heartbeat()
    assert silent_since() is None


@pytest.mark.django_db
def test_in_sync_mode_there_is_no_worker_to_wait_for(settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    beat(60)
    assert silent_since() is None


def test_staff_pages_warn_when_the_worker_is_silent(cast, client, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    at = beat(5)
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:list")).content.decode()
    since = timezone.localtime(at).strftime("%H:%M")
    assert (
        f"{WARNING} {since} : les rendus et les rappels sont en attente." in page
        or f"{WARNING} le " in page  # just after midnight, yesterday's date is given
    )
    client.force_login(cast.admin)
    assert WARNING in client.get(reverse("home")).content.decode()
    # The beneficiary's pages say nothing: it is the staff's to act on.
    client.force_login(cast.beneficiary)
    assert WARNING not in client.get(reverse("portal:home")).content.decode()
    # A fresh heartbeat: the warning goes.
    heartbeat()
    client.force_login(cast.consultant)
    assert WARNING not in client.get(reverse("bilans:list")).content.decode()


def test_an_older_silence_gives_the_day(cast, client, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    at = beat(60 * 26)
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:list")).content.decode()
    local = timezone.localtime(at)
    assert f"{WARNING} le {local:%d/%m} à {local:%H:%M} :" in page


def test_no_warning_without_a_first_heartbeat_or_in_sync_mode(cast, client, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    client.force_login(cast.consultant)
    assert WARNING not in client.get(reverse("bilans:list")).content.decode()
    beat(30)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    assert WARNING not in client.get(reverse("bilans:list")).content.decode()


def test_the_heartbeat_sweeps_render_jobs_a_dead_worker_left_running(cast):
    advance_to(cast.bilan, Status.CONCLUSIONS)
    synthese = service.start_synthese(bilan=cast.bilan, by=cast.consultant, prefilled=False)
    started = timezone.now() - dt.timedelta(minutes=7)
    job = RenderJob.objects.create(
        synthese=synthese,
        version_number=1,
        format="pdf",
        status=RenderStatus.RUNNING,
        progress=40,
        started_at=started,
    )
    heartbeat()
    job.refresh_from_db()
    assert job.status == RenderStatus.FAILED
    assert job.error.startswith("Le rendu a été interrompu")


@pytest.mark.django_db
def test_a_beat_from_before_a_restart_is_no_silence_until_three_minutes_after_it(
    settings, tmp_path, monkeypatch
):
    """bin/run touches WORKER_HEARTBEAT_FILE as it starts the worker: yesterday's last beat
    does not raise the warning in the minute before the new worker's first beat."""
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    started = tmp_path / "worker-heartbeat"
    monkeypatch.setenv("WORKER_HEARTBEAT_FILE", str(started))
    beat(60 * 24)
    started.touch()  # bin/run started the worker just now
    assert silent_since() is None
    later = timezone.now() + dt.timedelta(minutes=4)  # and it never beat
    since = silent_since(now=later)
    assert since is not None and abs((since - timezone.now()).total_seconds()) < 5
