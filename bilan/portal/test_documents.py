"""« Mes documents »: one list of what the beneficiary owns for their current bilan, with links
that open for them; nothing of another beneficiary; staff have no such page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bilan.assessments.administrations import save_answers, start_test, submit_test
from bilan.assessments.instruments import get_instrument
from bilan.bilans.models import Status
from bilan.demo.scenario import advance_to
from bilan.documents.portal_documents import documents_of
from bilan.documents.test_views import done_job
from bilan.documents.test_views import submitted as submitted_synthese
from bilan.entretiens.models import Entretien
from bilan.followup.models import SuiviReport


@pytest.fixture
def bilan(cast):
    return advance_to(cast.bilan, Status.INVESTIGATION)


def submitted(bilan):
    administration = start_test(bilan=bilan, by=bilan.beneficiary, code="riasec_48")
    save_answers(
        administration=administration,
        by=bilan.beneficiary,
        answers=dict.fromkeys(get_instrument("riasec_48").item_ids, 4),
    )
    submit_test(administration=administration, by=bilan.beneficiary)
    return administration


def upcoming(bilan):
    return Entretien.schedule(
        bilan=bilan,
        by=bilan.consultant,
        phase="investigation",
        starts_at=timezone.now() + dt.timedelta(days=3),
        planned_minutes=60,
        title="Exploration",
    )


def test_a_bilan_without_entretien_has_no_documents_but_the_export(cast, client):
    client.force_login(cast.beneficiary)
    response = client.get(reverse("portal:documents"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Aucun document" in page
    assert reverse("portal:export") in page
    assert reverse("portal:documents") in page  # the nav link


def test_the_list_links_the_results_pdf_the_sheet_and_the_ics(cast, bilan, client):
    administration = submitted(bilan)
    entretien = upcoming(bilan)
    urls = [d["url"] for d in documents_of(bilan)]
    assert reverse("portal:test_result_pdf", args=[administration.pk]) in urls
    assert reverse("portal:attendance_sheet", args=[bilan.pk]) in urls
    assert reverse("portal:entretien_invitation", args=[entretien.pk]) in urls
    assert reverse("portal:certificate") not in urls  # not closed
    assert reverse("portal:suivi_report_pdf") not in urls  # no finalised report
    client.force_login(cast.beneficiary)
    for url in urls:  # every link opens for the beneficiary
        assert client.get(url).status_code == 200, url


def test_an_in_progress_test_has_no_pdf_link(cast, bilan):
    start_test(bilan=bilan, by=bilan.beneficiary, code="riasec_48")
    assert not [d for d in documents_of(bilan) if "resultats" in d["url"]]


def test_another_beneficiary_sees_none_of_my_documents(cast, bilan, client):
    administration = submitted(bilan)
    client.force_login(cast.other_beneficiary)
    page = client.get(reverse("portal:documents")).content.decode()
    assert reverse("portal:test_result_pdf", args=[administration.pk]) not in page
    pdf = reverse("portal:test_result_pdf", args=[administration.pk])
    assert client.get(pdf).status_code == 404


@pytest.mark.parametrize("role", ["consultant", "colleague", "admin", "outsider_admin"])
def test_staff_have_no_documents_page(cast, bilan, client, role):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("portal:documents")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_login(client):
    assert client.get(reverse("portal:documents")).status_code == 302


def test_the_rendered_synthese_is_listed_and_opens(cast, client):
    advance_to(cast.bilan, Status.CONCLUSIONS)
    synthese = submitted_synthese(cast)
    job = done_job(cast, synthese, who="beneficiary")
    url = reverse("portal:synthese_download", args=[job.pk])
    assert url in [d["url"] for d in documents_of(cast.bilan)]
    client.force_login(cast.beneficiary)
    assert client.get(url).status_code == 200
    client.force_login(cast.other_beneficiary)
    assert url not in client.get(reverse("portal:documents")).content.decode()


def test_after_closing_the_certificate_is_listed_and_opens(cast, client):
    advance_to(cast.bilan, Status.CLOSED)
    urls = [d["url"] for d in documents_of(cast.bilan)]
    assert reverse("portal:certificate") in urls
    client.force_login(cast.beneficiary)
    response = client.get(reverse("portal:certificate"))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_the_finalised_suivi_report_is_listed_and_opens_a_draft_is_not(cast, client):
    advance_to(cast.bilan, Status.FOLLOW_UP)
    report = SuiviReport.objects.create(bilan=cast.bilan, advances="Des avancées")
    url = reverse("portal:suivi_report_pdf")
    assert url not in [d["url"] for d in documents_of(cast.bilan)]
    report.finalised_at = timezone.now()
    report.save()
    assert url in [d["url"] for d in documents_of(cast.bilan)]
    client.force_login(cast.beneficiary)
    assert client.get(url).content.startswith(b"%PDF")
