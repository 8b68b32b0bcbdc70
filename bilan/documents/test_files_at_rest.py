"""Files at rest are the application's alone: 0600 files in 0700 folders, whether a renderer
stored them (private storage) or a person uploaded them (default storage)."""

import os
import stat
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from bilan.documents import synthese as service
from bilan.documents.models import RenderJob, RenderStatus
from bilan.documents.tasks import render_synthese


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def folders_between(path: Path, root: Path) -> list[Path]:
    """Every folder from the file's own up to the storage root, both included."""
    folders = [path.parent]
    while folders[-1] != root:
        assert root in folders[-1].parents, (path, root)
        folders.append(folders[-1].parent)
    return folders


def test_a_rendered_synthese_is_0600_in_0700_folders(cast, conclusions, settings):
    synthese = service.start_synthese(bilan=cast.bilan, by=cast.consultant)
    job = RenderJob.objects.create(synthese=synthese, version_number=1, format="docx")
    render_synthese(job.pk)
    job.refresh_from_db()
    assert job.status == RenderStatus.DONE
    path = Path(job.file.path)
    assert mode(path) == 0o600
    for folder in folders_between(path, Path(settings.PRIVATE_MEDIA_ROOT)):
        assert mode(folder) == 0o700, folder


def test_an_uploaded_file_is_0600_in_0700_folders(settings):
    name = default_storage.save("attachments/2026/12/piece.pdf", ContentFile(b"%PDF-1.7 test"))
    path = Path(default_storage.path(name))
    assert mode(path) == 0o600
    for folder in folders_between(path, Path(settings.MEDIA_ROOT)):
        assert mode(folder) == 0o700, folder
