"""The audit pack (REQ-34): the sample (seeded or chosen), the zip built by the worker with its
progress, per indicator of the referential in force the evidence and the gaps, an index — and
no bilan content: a marker planted in every content field is found in no file of the pack."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bilan.bilans.content import content_models
from bilan.bilans.models import Bilan, RuleViolation, Status
from bilan.demo.scenario import advance_to, conclude_and_close
from bilan.quality import complaints, indicators, pack, referential
from bilan.quality.models import AuditPack, PackStatus
from bilan.quality.tasks import build_audit_pack

MARKER = "ZQXMARQUEURCONTENU"
TODAY = timezone.localdate()


def texts_of(data: bytes) -> dict[str, str]:
    """Every file of the zip as text (PDFs through pypdf), whitespace removed too."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            raw = archive.read(name)
            if name.endswith(".pdf"):
                text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(raw)).pages)
            else:
                text = raw.decode("utf-8")
            out[name] = text
    return out


def more_content(bilan: Bilan) -> None:
    """Content rows the scenario does not write: the journal, a message, the exercises, the
    suivi's self-diagnosis and report, an entretien's note."""
    from django.apps import apps

    get = apps.get_model
    get("exchanges", "JournalEntry").objects.create(bilan=bilan, author=bilan.beneficiary, text="x")
    get("exchanges", "Message").objects.create(bilan=bilan, author=bilan.beneficiary, text="x")
    get("exercises", "Experience").objects.create(
        bilan=bilan, kind="job", title="x", start_on=dt.date(2020, 1, 1)
    )
    get("exercises", "MotivationsExercise").objects.create(bilan=bilan)
    get("followup", "SelfDiagnosis").objects.get_or_create(bilan=bilan)
    get("followup", "SuiviReport").objects.get_or_create(bilan=bilan)
    entretien = bilan.entretiens.first()
    assert entretien is not None
    get("entretiens", "EntretienNote").objects.create(entretien=entretien, key="q1", text="x")


def plant_rows(rows: Any, values: dict[str, Any]) -> None:
    """Each row saved with the marker through the fields (content is encrypted at rest: it
    cannot be written by a SQL UPDATE)."""
    for row in rows:
        for name, value in values.items():
            setattr(row, name, value)
        models.Model.save(row, update_fields=list(values))


def plant(bilan: Bilan) -> set[str]:
    """The marker in every free-text and JSON field of every content row of `bilan`."""
    planted = set()
    for model in content_models():
        rows = model._default_manager.filter(**{model.bilan_path: bilan})  # type: ignore[attr-defined]
        if not rows.exists():
            continue
        values: dict[str, Any] = {}
        for f in model._meta.concrete_fields:
            if isinstance(f, models.JSONField):
                values[f.name] = {"marqueur": MARKER}
            elif isinstance(f, models.TextField | models.CharField) and not f.choices:
                if not (f.unique or f.name.endswith(("digest", "key", "code", "version"))):
                    values[f.name] = MARKER
        if values:
            plant_rows(rows, values)
            planted.add(model._meta.label)
    return planted


def built(cast: SimpleNamespace, **extra: Any) -> AuditPack:
    fields: dict[str, Any] = dict(
        organisation=cast.org, by=cast.admin, start=TODAY - dt.timedelta(days=90), end=TODAY
    )
    fields.update(extra)
    made = pack.request_pack(**fields)
    build_audit_pack(made.pk)
    made.refresh_from_db()
    return made


def test_the_pack_holds_no_bilan_content(cast: SimpleNamespace) -> None:
    bilan = conclude_and_close(advance_to(cast.bilan, Status.CONCLUSIONS))
    advance_to(cast.other_bilan, Status.INVESTIGATION)
    more_content(bilan)
    planted = plant(bilan) | plant(cast.other_bilan)
    assert {"bilans.BilanFraming", "documents.SyntheseVersion", "followup.Action"} <= planted
    assert len(planted) >= 11, planted
    made = built(cast, chosen=[bilan.pk, cast.other_bilan.pk])
    assert made.status == PackStatus.DONE, made.error
    files = texts_of(bytes(made.data))
    for name, text in files.items():
        squeezed = "".join(text.split())
        assert MARKER not in squeezed, name
        assert bilan.beneficiary.last_name not in text, name  # the sample names references
    sample = files["registres/echantillon-bilans.pdf"]
    assert bilan.reference in sample and "remis le" in sample  # it exists, and when


def test_the_pack_has_an_index_the_registers_and_one_file_per_indicator(
    cast: SimpleNamespace,
) -> None:
    complaints.create_complaint(
        organisation=cast.org, by=cast.beneficiary, text="Retard.", category="other"
    )
    made = built(cast, size=5, seed=42)
    assert made.status == PackStatus.DONE and made.progress == 100
    assert made.size == len(bytes(made.data)) > 0 and made.duration is not None
    files = texts_of(bytes(made.data))
    indicator_files = [n for n in files if n.startswith("indicateurs/indicateur-")]
    assert made.version == referential.version_in_force(TODAY)
    # one per indicator that applies to bilans: 22 in RNQ V9, 23 from 1 November 2026
    assert len(indicator_files) == len(referential.applicable_indicators(made.version))
    assert made.files == len(files)
    assert {"00-index.pdf", "00-index.txt", "registres/reclamations.pdf",
            "configuration/organisme.pdf"} <= set(files)  # fmt: skip
    assert "REC-" in files["registres/reclamations.pdf"]
    assert "Écarts" in files["indicateurs/indicateur-09.txt"]
    assert "Livret d'accueil" in files["indicateurs/indicateur-09.txt"]  # a gap named
    index = "".join(files["00-index.pdf"].split())  # table cells wrap
    assert "Registredesréclamations" in index  # the evidence found, named in the index
    assert "graine 42" in files["00-index.txt"]


def test_after_31_october_2026_the_pack_uses_the_version_in_force(cast: SimpleNamespace) -> None:
    Bilan.objects.filter(pk=cast.bilan.pk).update(opened_on=dt.date(2026, 10, 1))
    made = pack.request_pack(
        organisation=cast.org, by=cast.admin, start=dt.date(2026, 10, 1),
        end=dt.date(2026, 11, 30), chosen=[cast.bilan.pk],
    )  # fmt: skip
    assert made.version.code == "RNQ-2026"


def test_the_random_sample_is_reproducible_with_its_seed(cast: SimpleNamespace) -> None:
    p = indicators.period(TODAY - dt.timedelta(days=30), TODAY)
    first, seed = pack.draw(cast.org, p, 1, seed=7)
    again, _ = pack.draw(cast.org, p, 1, seed=7)
    assert first == again and seed == 7
    everything, _ = pack.draw(cast.org, p, 50)
    assert set(everything) == {cast.bilan.pk, cast.other_bilan.pk}  # never another organisation's


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"chosen": [10**9]}, "ne sont pas des bilans"),
        ({"size": 0}, "de 1 à 50"),
        ({"size": 51}, "de 1 à 50"),
        ({"start": dt.date(2020, 1, 1), "end": dt.date(2020, 6, 30)}, "Aucun bilan"),
        ({"start": TODAY, "end": TODAY - dt.timedelta(days=1)}, "après sa fin"),
    ],
)
def test_a_bad_request_is_refused_in_french_and_saves_nothing(
    cast: SimpleNamespace, extra: dict[str, Any], message: str
) -> None:
    fields: dict[str, Any] = dict(
        organisation=cast.org, by=cast.admin, start=TODAY - dt.timedelta(days=30), end=TODAY
    )
    fields.update(extra)
    with pytest.raises(RuleViolation, match=message):
        pack.request_pack(**fields)
    assert not AuditPack.objects.exists()


def test_only_an_admin_of_the_organisation_prepares_a_pack(cast: SimpleNamespace) -> None:
    for who in (cast.consultant, cast.beneficiary, cast.outsider_admin):
        with pytest.raises(RuleViolation, match="administrateur"):
            pack.request_pack(organisation=cast.org, by=who, start=None, end=None)
    assert not AuditPack.objects.exists()


def test_a_failed_build_says_so_in_french(
    cast: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = pack.request_pack(organisation=cast.org, by=cast.admin, start=None, end=None, size=1)

    def broken(*args: Any) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(pack, "sample_doc", broken)
    build_audit_pack(made.pk)
    made.refresh_from_db()
    assert made.status == PackStatus.FAILED and "a échoué" in made.error


def test_the_pages_are_the_admins(cast: SimpleNamespace) -> None:
    made = built(cast, size=1)
    urls = [
        reverse("quality:audit_pack"),
        reverse("quality:audit_pack_status", args=[made.pk]),
        reverse("quality:audit_pack_download", args=[made.pk]),
    ]
    client = Client()
    assert [client.get(u).status_code for u in urls] == [302, 302, 302]
    for who in (cast.consultant, cast.beneficiary):
        client.force_login(who)
        assert [client.get(u).status_code for u in urls] == [403, 403, 403]
        assert client.post(reverse("quality:audit_pack_build")).status_code == 403
    client.force_login(cast.outsider_admin)
    assert [client.get(u).status_code for u in urls[1:]] == [404, 404]
    client.force_login(cast.admin)
    dashboard = client.get(urls[0]).content.decode()
    assert "Preuves disponibles" in dashboard and 'id="indicator-31"' in dashboard
    assert "Pack prêt" in client.get(urls[1]).content.decode()
    download = client.get(urls[2])
    assert download["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(download.content)).testzip() is None
    refused = client.post(reverse("quality:audit_pack_build"), {"size": "x"})
    assert refused.status_code == 422
    done = client.post(reverse("quality:audit_pack_build"), {"size": "2", "seed": "3"})
    assert done.status_code == 302 and AuditPack.objects.count() == 2


@pytest.fixture
def api(cast: SimpleNamespace) -> Any:
    # why: the API test helper is only needed by this fixture
    from bilan.api.test_api import Api

    return Api(cast)


API_ROLES = ["admin", "consultant", "colleague", "beneficiary", "other_beneficiary",
             "outsider_admin", "outsider_consultant", "outsider_beneficiary", None]  # fmt: skip


@pytest.mark.parametrize("who", API_ROLES)
def test_build_audit_pack_for_every_role(api: Any, cast: SimpleNamespace, who: str | None) -> None:
    response = api.post("/quality/audit-packs", who, {"size": 2, "seed": 1})
    # the outsider admin's organisation has a bilan too: their own pack
    expected = {None: 401, "admin": 202, "outsider_admin": 202}.get(who, 403)
    assert response.status_code == expected
    if expected == 202:
        body = response.json()
        assert body["status"] == "queued" and body["seed"] == 1
        made = AuditPack.objects.get(pk=body["id"])
        assert made.organisation == (cast.org if who == "admin" else cast.outsider_org)
        build_audit_pack(made.pk)
        done = api.get(f"/quality/audit-packs/{made.pk}", who).json()
        assert done["status"] == "done" and done["progress"] == 100 and done["size"] > 0
        other = "outsider_admin" if who == "admin" else "admin"
        assert api.get(f"/quality/audit-packs/{made.pk}", other).status_code == 404
    else:
        assert not AuditPack.objects.exists()


def test_build_audit_pack_refuses_a_bad_sample(api: Any, cast: SimpleNamespace) -> None:
    bad = api.post("/quality/audit-packs", "admin", {"bilan_ids": [cast.outsider_bilan.pk]})
    assert bad.status_code == 422 and "ne sont pas des bilans" in bad.json()["detail"]
    assert api.post("/quality/audit-packs", "admin", {"size": 0}).status_code == 422
    assert api.get("/quality/audit-packs/1", "consultant").status_code == 403
    assert not AuditPack.objects.exists()
