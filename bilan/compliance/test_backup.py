"""manage.py backup / restore: the database with its files, round trip (issue 11, item 20)."""

from __future__ import annotations

import io
import json
import shutil
import stat
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from bilan.bilans.models import Bilan, Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.documents.models import RenderJob
from bilan.documents.test_views import done_job, submitted
from bilan.lib.backup import MANIFEST, sha256

pytestmark = pytest.mark.django_db(transaction=True)  # a restore replaces the whole database


@pytest.fixture
def roots(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT.mkdir()
    (settings.MEDIA_ROOT / "logos").mkdir()
    (settings.MEDIA_ROOT / "logos" / "cap.png").write_bytes(b"\x89PNG-logo")
    return settings


@pytest.fixture
def rendered(cast, roots):
    """A synthèse rendered to PDF by the worker: a row in the database, a file in var/private."""
    advance_to(cast.bilan, Status.CONCLUSIONS)
    return done_job(cast, submitted(cast))


def download(cast, job: RenderJob):
    client = Client()
    client.force_login(cast.consultant)
    return client.get(reverse("documents:synthese_download", args=[job.pk]))


def test_a_backup_wiped_and_restored_still_downloads_its_pdf(cast, rendered, roots, tmp_path):
    pdf = download(cast, rendered)
    assert pdf.status_code == 200
    original = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    assert original.startswith(b"%PDF")
    audit_rows = AuditEvent.objects.count()
    archive = tmp_path / "backup.tar.gz"

    call_command("backup", str(archive))

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())
        members = {m.name: m for m in tar.getmembers()}
    assert all(stat.S_IMODE(m.mode) == 0o600 for m in members.values())
    pdf_name = f"private/{rendered.file.name}"
    assert pdf_name in manifest["files"] and "media/logos/cap.png" in manifest["files"]
    assert set(members) == {MANIFEST, *manifest["files"]}
    assert manifest["files"][pdf_name]["sha256"] == sha256(
        roots.PRIVATE_MEDIA_ROOT / rendered.file.name
    )
    assert manifest["counts"]["bilans.Bilan"] == 3
    assert manifest["migrations"]["compliance"].startswith("0002")
    assert manifest["database"]["vendor"] in ("sqlite", "postgresql")

    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(roots.PRIVATE_MEDIA_ROOT)
    shutil.rmtree(roots.MEDIA_ROOT)
    assert not Bilan.objects.exists()

    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(archive), stdout=out, stderr=err)

    assert "Restauré" in out.getvalue() and err.getvalue() == ""  # row counts as in the manifest
    job = RenderJob.objects.get(pk=rendered.pk)
    path = roots.PRIVATE_MEDIA_ROOT / job.file.name
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (roots.MEDIA_ROOT / "logos" / "cap.png").read_bytes() == b"\x89PNG-logo"
    assert AuditEvent.objects.count() >= audit_rows
    again = download(cast, job)
    assert again.status_code == 200
    assert (b"".join(again.streaming_content) if again.streaming else again.content) == original


def test_a_restore_refuses_a_database_in_use_without_force(cast, roots, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))
    Bilan.objects.filter(pk=cast.other_bilan.pk).delete()
    with pytest.raises(CommandError, match="n'est pas vide"):
        call_command("restore", str(archive))
    assert Bilan.objects.count() == 2  # nothing restored
    call_command("restore", str(archive), "--force")
    assert Bilan.objects.count() == 3


def test_a_tampered_archive_is_refused_before_anything_is_written(cast, roots, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "media/logos/cap.png":
                data = b"\x89PNG-autre"
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(CommandError, match="somme de contrôle"):
        call_command("restore", str(tampered))
    assert not Bilan.objects.exists()
    assert (roots.MEDIA_ROOT / "logos" / "cap.png").read_bytes() == b"\x89PNG-logo"
