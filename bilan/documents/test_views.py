"""Pages of the synthèse, staff and portal: permissions for every view, the editor (sources
beside each section, nothing lost on a refusal, hostile input escaped), the beneficiary's
observations, decision and shares, the polled render job, downloads and the one-time link."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from bilan.compliance.models import AuditEvent
from bilan.documents import synthese as service
from bilan.documents.conftest import PRIVATE
from bilan.documents.models import SECTIONS, RenderJob, RenderStatus, SyntheseShare, SyntheseStatus
from bilan.documents.renderers import pdf
from bilan.documents.tasks import render_synthese
from bilan.documents.test_render import HOSTILE
from bilan.lib.testing import PASSWORD

FULL = {key: f"<p>Texte {key}</p>" for key in SECTIONS}
ROLES = [
    "admin",
    "consultant",
    "colleague",
    "beneficiary",
    "other_beneficiary",
    "outsider_admin",
    "outsider_consultant",
    "outsider_beneficiary",
]


def client_for(cast, who: str | None) -> Client:
    client = Client()
    if who:
        assert client.login(email=getattr(cast, who).email, password=PASSWORD)
    return client


def submitted(cast):
    synthese = service.start_synthese(bilan=cast.bilan, by=cast.consultant, prefilled=False)
    service.save_synthese(synthese=synthese, by=cast.consultant, sections=FULL)
    return service.submit_for_observations(synthese=synthese, by=cast.consultant)


def validated(cast):
    return service.validate_synthese(synthese=submitted(cast), by=cast.beneficiary, confirm=True)


def done_job(cast, synthese, who: str = "consultant", fmt: str = "pdf") -> RenderJob:
    job = service.request_render(synthese=synthese, by=getattr(cast, who), fmt=fmt)
    render_synthese(job.pk)
    job.refresh_from_db()
    return job


STAFF_PAGE = {
    "consultant": 200,
    "admin": 403,
    "colleague": 404,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 403,
}


@pytest.mark.parametrize("who", ROLES)
def test_the_staff_page_is_the_assigned_consultants(cast, conclusions, who):
    submitted(cast)
    response = client_for(cast, who).get(reverse("documents:synthese", args=[cast.bilan.pk]))
    assert response.status_code == STAFF_PAGE[who]


def test_the_staff_page_asks_for_a_login(cast, conclusions):
    response = Client().get(reverse("documents:synthese", args=[cast.bilan.pk]))
    assert response.status_code == 302 and "/compte/" in response["Location"]


STAFF_POSTS = [
    ("documents:synthese_start", {"prefill": "1"}),
    ("documents:synthese_save", {"section-projet": "x"}),
    ("documents:synthese_prefill", {}),
    ("documents:synthese_submit", {}),
    ("documents:synthese_handover", {"handed_on": "2026-01-01", "channel": "email"}),
    ("documents:synthese_render", {"format": "pdf"}),
]


@pytest.mark.parametrize("name,data", STAFF_POSTS)
@pytest.mark.parametrize("who", [r for r in ROLES if r != "consultant"])
def test_nobody_but_the_consultant_acts_on_the_staff_side(cast, conclusions, who, name, data):
    synthese = service.start_synthese(bilan=cast.bilan, by=cast.consultant, prefilled=False)
    response = client_for(cast, who).post(reverse(name, args=[cast.bilan.pk]), data)
    assert response.status_code == STAFF_PAGE[who]
    assert synthese.versions.count() == 1 and not RenderJob.objects.exists()


def test_the_consultant_starts_with_the_prefill_and_sees_the_sources(cast, recorded):
    client = client_for(cast, "consultant")
    page = client.get(reverse("documents:synthese", args=[cast.bilan.pk]))
    assert "Préremplir depuis le bilan" in page.content.decode()
    client.post(reverse("documents:synthese_start", args=[cast.bilan.pk]), {"prefill": "1"})
    html = client.get(reverse("documents:synthese", args=[cast.bilan.pk])).content.decode()
    assert "Conseillère en insertion" in html
    assert f'href="/bilans/{cast.bilan.pk}/"' in html  # the request's source
    assert f'href="/entretiens/{recorded.summary.entretien_id}/conduire/"' in html
    assert "Plan d&#x27;action, action 1" in html or "Plan d'action, action 1" in html

    assert PRIVATE not in html


def test_an_empty_section_shows_its_prompt_as_a_placeholder(cast, conclusions):
    service.start_synthese(bilan=cast.bilan, by=cast.consultant, prefilled=False)
    html = (
        client_for(cast, "consultant")
        .get(reverse("documents:synthese", args=[cast.bilan.pk]))
        .content.decode()
    )
    assert re.search(r'placeholder="Aucun projet validé[^"]*" data-richtext></textarea>', html)


def test_saving_makes_a_version_and_a_refusal_keeps_the_typed_text(cast, conclusions):
    synthese = service.start_synthese(bilan=cast.bilan, by=cast.consultant, prefilled=False)
    client = client_for(cast, "consultant")
    save = reverse("documents:synthese_save", args=[cast.bilan.pk])
    client.post(save, {"section-projet": "Projet A", "base_number": "1"})
    assert synthese.latest().number == 2
    client.post(save, {"section-projet": "<p>Projet A</p>", "base_number": "2"})
    assert synthese.latest().number == 2  # unchanged: no new version
    response = client.post(save, {"section-projet": "Texte tapé " * 7000, "base_number": "2"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "trop long" in html and "Texte tapé Texte tapé" in html
    stale = client.post(save, {"section-projet": "Mon texte à garder", "base_number": "1"})
    assert stale.status_code == 422 and "Mon texte à garder" in stale.content.decode()
    assert synthese.latest().number == 2


def test_hostile_input_is_escaped_in_the_staff_and_portal_pages(cast, conclusions):
    synthese = service.start_synthese(bilan=cast.bilan, by=cast.consultant, prefilled=False)
    client = client_for(cast, "consultant")
    save = reverse("documents:synthese_save", args=[cast.bilan.pk])
    refused = client.post(save, {"section-projet": HOSTILE + "x" * 70_000})  # refused, shown again
    html = refused.content.decode()
    assert "<script>alert" not in html and "<img src" not in html and "<iframe" not in html
    assert "&lt;script&gt;alert(&quot;xss&quot;)" in html  # shown back as text, to copy
    client.post(save, {**{f"section-{k}": v for k, v in FULL.items()}, "section-projet": HOSTILE})
    service.submit_for_observations(synthese=synthese, by=cast.consultant)
    service.submit_observations(
        synthese=synthese, by=cast.beneficiary, text='<script>alert("obs")</script>'
    )
    staff = client.get(reverse("documents:synthese", args=[cast.bilan.pk])).content.decode()
    portal = client_for(cast, "beneficiary").get(reverse("portal:synthese")).content.decode()
    for html in (staff, portal):
        assert "<script>alert" not in html
        assert "onerror" not in html and "onclick" not in html and "<iframe" not in html
        assert "javascript:alert" not in html
        assert "&lt;script&gt;alert(&quot;obs&quot;)&lt;/script&gt;" in html
    assert "<h3>Intertitre</h3>" in portal


# ---- the portal ---------------------------------------------------------------------------


PORTAL_PAGE = {
    "beneficiary": 200,
    "other_beneficiary": 200,
    "outsider_beneficiary": 200,
    "consultant": 403,
    "colleague": 403,
    "admin": 403,
    "outsider_admin": 403,
    "outsider_consultant": 403,
}


@pytest.mark.parametrize("who", ROLES)
def test_the_portal_page_is_the_beneficiarys_own(cast, conclusions, who):
    submitted(cast)
    response = client_for(cast, who).get(reverse("portal:synthese"))
    assert response.status_code == PORTAL_PAGE[who]
    if who == "beneficiary":
        assert "Texte projet" in response.content.decode()
    elif response.status_code == 200:
        assert "Texte projet" not in response.content.decode()


def test_the_beneficiary_sees_no_draft(cast, conclusions):
    synthese = service.start_synthese(bilan=cast.bilan, by=cast.consultant, prefilled=False)
    service.save_synthese(synthese=synthese, by=cast.consultant, sections={"projet": "Brouillon"})
    html = client_for(cast, "beneficiary").get(reverse("portal:synthese")).content.decode()
    assert "Brouillon" not in html and "pas encore soumis" in html


def test_the_beneficiary_observes_then_validates(cast, conclusions):
    synthese = submitted(cast)
    client = client_for(cast, "beneficiary")
    empty = client.post(reverse("portal:synthese_observations"), {"text": " "})
    assert empty.status_code == 422
    client.post(reverse("portal:synthese_observations"), {"text": "Ajoutez mon bénévolat."})
    assert synthese.observations.get().text == "Ajoutez mon bénévolat."
    unconfirmed = client.post(reverse("portal:synthese_decision"), {"decision": "validate"})
    assert unconfirmed.status_code == 422 and "Cochez la case" in unconfirmed.content.decode()
    client.post(reverse("portal:synthese_decision"), {"decision": "validate", "confirm": "1"})
    synthese.refresh_from_db()
    assert synthese.status == SyntheseStatus.VALIDATED


def test_a_refusal_without_observations_keeps_nothing_and_says_why(cast, conclusions):
    synthese = submitted(cast)
    client = client_for(cast, "beneficiary")
    response = client.post(reverse("portal:synthese_decision"), {"decision": "refuse"})
    assert response.status_code == 422 and "Écrivez vos observations" in response.content.decode()
    client.post(
        reverse("portal:synthese_decision"),
        {"decision": "refuse", "observations": "Ce n'est pas mon projet."},
    )
    synthese.refresh_from_db()
    assert synthese.status == SyntheseStatus.REFUSED


def test_other_beneficiaries_cannot_act_on_this_synthese(cast, conclusions):
    synthese = submitted(cast)
    client = client_for(cast, "other_beneficiary")
    client.post(reverse("portal:synthese_observations"), {"text": "x"})
    client.post(reverse("portal:synthese_decision"), {"decision": "validate", "confirm": "1"})
    synthese.refresh_from_db()
    assert synthese.status == SyntheseStatus.SUBMITTED and not synthese.observations.exists()


@pytest.mark.parametrize("who", [r for r in ROLES if r != "beneficiary"])
def test_the_share_button_is_the_beneficiarys_only(cast, conclusions, who):
    validated(cast)
    client = client_for(cast, who)
    response = client.post(
        reverse("portal:synthese_share"),
        {"recipient_name": "RH", "recipient_email": "rh@exemple.test", "agree": "1"},
    )
    assert response.status_code in (403, 422)
    assert not SyntheseShare.objects.exists()
    html = client.get(reverse("documents:synthese", args=[cast.bilan.pk])).content.decode()
    assert "Partager" not in html


def test_the_beneficiary_shares_and_the_recipient_downloads_once(
    cast, conclusions, django_capture_on_commit_callbacks
):
    validated(cast)
    client = client_for(cast, "beneficiary")
    assert (
        "Partager mon document de synthèse"
        in client.get(reverse("portal:synthese")).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("portal:synthese_share"),
            {
                "recipient_name": "Mon conseiller CEP",
                "recipient_email": "cep@exemple.test",
                "agree": "1",
            },
        )
    (message,) = mail.outbox
    link = re.search(r"http://\S+/espace/synthese/partage/\S+/", message.body).group(0)
    path = link.split("8000", 1)[1] if "8000" in link else link
    recipient = Client()
    first = recipient.get(path)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert first.content[:5] == b"%PDF-"
    assert recipient.get(path).status_code == 410
    share = SyntheseShare.objects.get()
    assert (
        share.used_at
        and "Mon conseiller CEP" in client.get(reverse("portal:synthese")).content.decode()
    )


def test_a_share_is_revoked_by_the_beneficiary_only(cast, conclusions):
    synthese = validated(cast)
    made, token = service.share_synthese(
        synthese=synthese,
        by=cast.beneficiary,
        recipient_name="X",
        recipient_email="x@exemple.test",
        agree=True,
    )
    revoke = reverse("portal:synthese_share_revoke", args=[made.pk])
    assert client_for(cast, "other_beneficiary").post(revoke).status_code == 404
    assert client_for(cast, "consultant").post(revoke).status_code == 403
    client_for(cast, "beneficiary").post(revoke)
    assert Client().get(reverse("portal:synthese_shared", args=[token])).status_code == 410


def test_a_bad_share_link_is_410(db):
    assert Client().get(reverse("portal:synthese_shared", args=["nope"])).status_code == 410


# ---- render jobs and downloads ------------------------------------------------------------


def test_the_render_job_is_polled_every_second_until_done(cast, conclusions):
    synthese = submitted(cast)
    client = client_for(cast, "consultant")
    response = client.post(
        reverse("documents:synthese_render", args=[cast.bilan.pk]),
        {"format": "pdf"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    job = RenderJob.objects.get()
    assert 'hx-trigger="every 1s"' in html and job.status == RenderStatus.QUEUED
    render_synthese(job.pk)
    done = client.get(reverse("documents:synthese_job", args=[job.pk])).content.decode()
    assert "every 1s" not in done and reverse("documents:synthese_download", args=[job.pk]) in done
    assert synthese.pk == job.synthese_id


DOWNLOAD = {
    "consultant": 200,
    "beneficiary": 200,
    "admin": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_the_file_is_downloaded_by_the_beneficiary_and_the_consultant_only(cast, conclusions, who):
    synthese = submitted(cast)
    job = done_job(cast, synthese, who="beneficiary")
    staff_side = who in (
        "consultant",
        "colleague",
        "admin",
        "outsider_admin",
        "outsider_consultant",
    )
    name = "documents:synthese_download" if staff_side else "portal:synthese_download"
    response = client_for(cast, who).get(reverse(name, args=[job.pk]))
    assert response.status_code == DOWNLOAD[who]
    if response.status_code == 200:
        assert b"".join(response.streaming_content)[:5] == b"%PDF-"
        assert f"synthese-{cast.bilan.reference}-v2.pdf" in response["Content-Disposition"]


def test_the_consultants_download_is_audited(cast, conclusions):
    job = done_job(cast, submitted(cast))
    client_for(cast, "consultant").get(reverse("documents:synthese_download", args=[job.pk]))
    assert AuditEvent.objects.filter(
        actor_id=cast.consultant.pk, action="export", object_type="documents.RenderJob"
    ).exists()


def test_the_beneficiary_cannot_download_a_draft_version(cast, conclusions):
    synthese = submitted(cast)
    service.save_synthese(synthese=synthese, by=cast.consultant, sections={"projet": "Nouveau"})
    draft = done_job(cast, synthese)  # the consultant's render of version 3
    assert draft.version_number == 3
    response = client_for(cast, "beneficiary").get(
        reverse("portal:synthese_download", args=[draft.pk])
    )
    assert response.status_code == 404


def test_a_file_not_ready_says_so(cast, conclusions):
    synthese = submitted(cast)
    job = service.request_render(synthese=synthese, by=cast.consultant, fmt="docx")
    response = client_for(cast, "consultant").get(
        reverse("documents:synthese_download", args=[job.pk])
    )
    assert response.status_code == 409 and "pas encore prêt" in response.content.decode()


def test_the_beneficiary_renders_from_the_portal(cast, conclusions):
    submitted(cast)
    client = client_for(cast, "beneficiary")
    response = client.post(
        reverse("portal:synthese_render"), {"format": "docx"}, HTTP_HX_REQUEST="true"
    )
    job = RenderJob.objects.get()
    assert job.version_number == 2 and job.requested_by == cast.beneficiary
    assert reverse("portal:synthese_job", args=[job.pk]) in response.content.decode()
    bad = client.post(reverse("portal:synthese_render"), {"format": "exe"})
    assert bad.status_code == 302 and RenderJob.objects.count() == 1


JOB_STATUS = {**DOWNLOAD}


@pytest.mark.parametrize("who", ROLES)
def test_the_job_status_is_polled_by_the_two_readers_only(cast, conclusions, who):
    job = service.request_render(synthese=submitted(cast), by=cast.beneficiary, fmt="pdf")
    staff_side = who in (
        "consultant",
        "colleague",
        "admin",
        "outsider_admin",
        "outsider_consultant",
    )
    name = "documents:synthese_job" if staff_side else "portal:synthese_job"
    response = client_for(cast, who).get(reverse(name, args=[job.pk]))
    assert response.status_code == JOB_STATUS[who]


PORTAL_POSTS = [
    ("portal:synthese_observations", {"text": "x"}),
    ("portal:synthese_decision", {"decision": "validate", "confirm": "1"}),
    ("portal:synthese_render", {"format": "pdf"}),
    ("portal:synthese_share", {"recipient_name": "X", "recipient_email": "x@e.test", "agree": "1"}),
]


@pytest.mark.parametrize("name,data", PORTAL_POSTS)
@pytest.mark.parametrize("who", ["admin", "consultant", "colleague", "outsider_consultant"])
def test_staff_cannot_use_the_beneficiarys_actions(cast, conclusions, who, name, data):
    synthese = submitted(cast)
    assert client_for(cast, who).post(reverse(name), data).status_code == 403
    synthese.refresh_from_db()
    assert synthese.status == SyntheseStatus.SUBMITTED
    assert not synthese.observations.exists() and not RenderJob.objects.exists()


def test_an_older_version_is_shown_read_only_and_its_read_audited(cast, conclusions):
    synthese = submitted(cast)
    service.save_synthese(synthese=synthese, by=cast.consultant, sections={"projet": "Nouveau"})
    client = client_for(cast, "consultant")
    html = client.get(
        reverse("documents:synthese", args=[cast.bilan.pk]) + "?version=2"
    ).content.decode()
    assert "Vous consultez la version 2" in html and "Texte projet" in html
    assert "Enregistrer (nouvelle version)" not in html
    v2 = synthese.versions.get(number=2)
    assert AuditEvent.objects.filter(
        actor_id=cast.consultant.pk, object_type="documents.SyntheseVersion", object_id=str(v2.pk)
    ).exists()
    assert (
        client.get(
            reverse("documents:synthese", args=[cast.bilan.pk]) + "?version=99999999999999"
        ).status_code
        == 200
    )


def test_a_shared_link_whose_render_fails_stays_usable(cast, conclusions, monkeypatch):
    synthese = validated(cast)
    _made, token = service.share_synthese(
        synthese=synthese,
        by=cast.beneficiary,
        recipient_name="X",
        recipient_email="x@e.test",
        agree=True,
    )

    def boom(self, document):
        raise RuntimeError("boom")

    monkeypatch.setattr(pdf.PdfRenderer, "render", boom)
    url = reverse("portal:synthese_shared", args=[token])
    assert Client().get(url).status_code == 503
    monkeypatch.undo()
    assert Client().get(url).status_code == 200
