"""The validation of the projet: the beneficiary's explicit, dated act (REQ-62), never the
consultant's; statuses follow with reasons citing it; a new one supersedes, history kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bilan.bilans.models import RuleViolation, Status
from bilan.careers import pistes
from bilan.careers.models import CareerOptionStatus, ProjectValidation
from bilan.careers.test_pistes import ROLES, free, login
from bilan.demo.scenario import advance_to


@pytest.fixture
def bilan(cast):
    return advance_to(cast.bilan, Status.INVESTIGATION)


@pytest.fixture
def three(bilan):
    return (
        free(bilan, kind="training", title="Formatrice pour adultes"),
        free(bilan, kind="business", title="Ouvrir un atelier de couture"),
        free(bilan, kind="free", title="Costumière de théâtre"),
    )


def validate(bilan, by=None, **extra):
    return pistes.validate_project(
        bilan=bilan,
        by=by or bilan.beneficiary,
        principal_id=extra.pop("principal_id"),
        alternative_ids=extra.pop("alternative_ids", ()),
        statement=extra.pop("statement", "Transmettre mon métier à des adultes."),
        confirmed=extra.pop("confirmed", True),
    )


def test_the_beneficiary_validates_the_principal_and_alternatives(bilan, three):
    principal, alternative, other = three
    validation = validate(bilan, principal_id=principal.pk, alternative_ids=[alternative.pk])
    assert validation.validated_by == bilan.beneficiary and validation.validated_at
    assert validation.principal == principal
    assert list(validation.alternatives.all()) == [alternative]
    assert validation.statement == "Transmettre mon métier à des adultes."
    for o in three:
        o.refresh_from_db()
    assert (principal.status, alternative.status, other.status) == (
        CareerOptionStatus.RETAINED,
        CareerOptionStatus.ALTERNATIVE,
        CareerOptionStatus.TO_EXPLORE,
    )
    change = principal.status_changes.last()
    assert change.reason.startswith("Validation du projet du ")
    assert change.reason.endswith(": projet principal.")
    assert change.changed_by == bilan.beneficiary
    assert alternative.status_changes.last().reason.endswith(": alternative.")


def test_the_consultant_can_never_validate(cast, bilan, three):
    with pytest.raises(RuleViolation, match="ne décide jamais à sa place") as refused:
        validate(bilan, by=cast.consultant, principal_id=three[0].pk)
    assert refused.value.code == "forbidden"
    assert not ProjectValidation.objects.exists()


def test_the_confirmation_is_required(bilan, three):
    with pytest.raises(RuleViolation, match="Cochez la case de confirmation"):
        validate(bilan, principal_id=three[0].pk, confirmed=False)


def test_a_discarded_piste_cannot_be_chosen(bilan, three):
    principal, alternative, _other = three
    pistes.change_status(
        option=alternative, by=bilan.consultant, to_status="discarded", reason="Trop risqué."
    )
    with pytest.raises(RuleViolation, match="Une piste écartée ne peut pas être validée"):
        validate(bilan, principal_id=principal.pk, alternative_ids=[alternative.pk])
    with pytest.raises(RuleViolation, match="écartée"):
        validate(bilan, principal_id=alternative.pk)
    assert not ProjectValidation.objects.exists()


def test_a_piste_of_another_bilan_cannot_be_chosen(cast, bilan, three):
    advance_to(cast.other_bilan, Status.PRELIMINARY)
    foreign = free(cast.other_bilan)
    with pytest.raises(RuleViolation, match="parmi vos pistes"):
        validate(bilan, principal_id=foreign.pk)
    with pytest.raises(RuleViolation, match="alternatives parmi vos pistes"):
        validate(bilan, principal_id=three[0].pk, alternative_ids=[foreign.pk])


def test_a_new_validation_supersedes_and_keeps_the_history(bilan, three):
    a, b, c = three
    first = validate(bilan, principal_id=a.pk, alternative_ids=[b.pk])
    second = validate(bilan, principal_id=c.pk, alternative_ids=[a.pk], statement="")
    assert pistes.current_validation(bilan) == second
    assert list(ProjectValidation.objects.filter(bilan=bilan)) == [second, first]
    for o in three:
        o.refresh_from_db()
    assert (a.status, b.status, c.status) == ("alternative", "exploring", "retained")
    assert b.status_changes.last().reason.endswith(": ni projet principal ni alternative.")


def test_validation_is_closed_outside_the_phases(bilan, three):
    advance_to(bilan, Status.CLOSED)
    with pytest.raises(RuleViolation, match="Impossible de valider le projet professionnel"):
        validate(bilan, principal_id=three[0].pk)


# ---- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_only_the_beneficiary_reaches_the_validation_page(cast, bilan, three, who):
    client = login(getattr(cast, who))
    response = client.get(reverse("portal:project_validate"))
    expected = 200 if who.endswith("beneficiary") else 403
    assert response.status_code == expected
    if who != "beneficiary" and expected == 200:  # their own bilan, none of these pistes
        assert "Formatrice pour adultes" not in response.content.decode()
    posted = client.post(
        reverse("portal:project_validate"), {"principal": three[0].pk, "confirmed": "on"}
    )
    assert ProjectValidation.objects.exists() == (who == "beneficiary")
    assert posted.status_code in (302, 403, 422)


def test_the_validation_form_keeps_input_on_refusal_and_hides_discarded(cast, bilan, three):
    principal, alternative, other = three
    pistes.change_status(option=other, by=bilan.consultant, to_status="discarded", reason="Non.")
    client = login(cast.beneficiary)
    page = client.get(reverse("portal:project_validate")).content.decode()
    assert "Costumière de théâtre" not in page.split('id="validation-form"')[1]
    response = client.post(
        reverse("portal:project_validate"),
        {"principal": principal.pk, "alternatives": [alternative.pk], "statement": "Mon choix"},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "Cochez la case de confirmation" in text and "Mon choix" in text
    ok = client.post(
        reverse("portal:project_validate"),
        {"principal": principal.pk, "alternatives": [alternative.pk], "confirmed": "on"},
    )
    assert ok.status_code == 302


def test_the_validation_shows_on_the_staff_pistes_page_and_the_portal(cast, bilan, three):
    validate(bilan, principal_id=three[0].pk, alternative_ids=[three[2].pk])
    staff = login(cast.consultant).get(reverse("careers:pistes", args=[bilan.pk])).content.decode()
    portal = login(cast.beneficiary).get(reverse("portal:pistes")).content.decode()
    for page in (staff, portal):
        assert 'id="validated-principal">Formatrice pour adultes' in page
        assert 'id="validated-alternatives">Costumière de théâtre' in page
        assert "Bruno Bénéf" in page
    assert "Valider mon projet" not in staff.split('id="validation"')[1].split("</section>")[0]
