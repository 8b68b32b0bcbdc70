"""Journal de bord: private by default, shared with the consultant on purpose (and taken back),
the consultant's reads audited, the administration and other people never reading it;
permissions for every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from bilan.bilans.models import RuleViolation, Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.exchanges.journal import (
    delete_entry,
    edit_entry,
    read_entries,
    share_entry,
    write_entry,
)
from bilan.exchanges.models import JournalEntry

AUDITED = "exchanges.JournalEntry"


def write(cast, text: str = "Aujourd'hui j'ai parlé à une infirmière.", **extra) -> JournalEntry:
    return write_entry(bilan=cast.bilan, by=cast.beneficiary, text=text, **extra)


# ---- rules ---------------------------------------------------------------------------------


def test_an_entry_is_private_by_default_and_the_consultant_sees_it_only_once_shared(cast):
    entry = write(cast, title="Premier jour")
    assert (entry.is_shared, entry.entry_date, entry.author) == (
        False,
        timezone.localdate(),
        cast.beneficiary,
    )
    assert read_entries(reader=cast.consultant, bilan=cast.bilan) == []
    share_entry(entry=entry, by=cast.beneficiary, shared=True)
    assert read_entries(reader=cast.consultant, bilan=cast.bilan) == [entry]


def test_unsharing_takes_the_entry_back_from_the_consultant(cast):
    entry = write(cast, shared=True)
    assert entry.is_shared
    share_entry(entry=entry, by=cast.beneficiary, shared=False)
    entry.refresh_from_db()
    assert entry.shared_at is None
    assert read_entries(reader=cast.consultant, bilan=cast.bilan) == []


def test_the_beneficiary_reads_all_their_entries_without_audit(cast):
    write(cast, "privée"), write(cast, "partagée", shared=True)
    assert len(read_entries(reader=cast.beneficiary, bilan=cast.bilan)) == 2
    assert not AuditEvent.objects.exists()


def test_the_consultant_reading_shared_entries_writes_one_audit_row_each(cast):
    write(cast, "une", shared=True), write(cast, "deux", shared=True), write(cast, "privée")
    assert len(read_entries(reader=cast.consultant, bilan=cast.bilan)) == 2
    events = AuditEvent.objects.filter(bilan_id=cast.bilan.pk, object_type=AUDITED)
    assert events.count() == 2 and {e.actor_id for e in events} == {cast.consultant.pk}


@pytest.mark.parametrize("role", ["admin", "colleague", "outsider_consultant"])
def test_no_one_but_the_assigned_consultant_reads_shared_entries(cast, role):
    write(cast, shared=True)
    with pytest.raises(PermissionDenied):
        read_entries(reader=getattr(cast, role), bilan=cast.bilan)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["consultant", "admin", "other_beneficiary"])
def test_only_the_beneficiary_writes_shares_edits_or_deletes_their_entries(cast, role):
    entry = write(cast)
    who = getattr(cast, role)
    attempts = [
        lambda: write_entry(bilan=cast.bilan, by=who, text="Intrus"),
        lambda: edit_entry(entry=entry, by=who, text="Changé"),
        lambda: share_entry(entry=entry, by=who, shared=True),
        lambda: delete_entry(entry=entry, by=who),
    ]
    for attempt in attempts:
        with pytest.raises(RuleViolation) as e:
            attempt()
        assert e.value.code == "forbidden"
    entry.refresh_from_db()
    assert (entry.text, entry.is_shared, JournalEntry.objects.count()) == (
        "Aujourd'hui j'ai parlé à une infirmière.",
        False,
        1,
    )


@pytest.mark.parametrize(
    "extra,message",
    [
        ({"text": "   "}, "Écrivez le texte de votre entrée."),
        ({"text": "x" * 20001}, "Votre texte fait 20001 caractères : 20000 au plus."),
        ({"title": "t" * 201}, "Le titre fait 201 caractères : 200 au plus."),
        # "tomorrow" is computed when the test runs: at collection it may still be yesterday.
        ({"entry_date": "tomorrow"}, "La date de l'entrée est dans le futur"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_saved(cast, extra, message):
    fields = {"text": "Un texte", **extra}
    if fields.get("entry_date") == "tomorrow":
        fields["entry_date"] = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(RuleViolation, match=message) as e:
        write_entry(bilan=cast.bilan, by=cast.beneficiary, **fields)
    assert e.value.code == "invalid"
    assert not JournalEntry.objects.exists()


def test_the_beneficiary_edits_and_deletes_their_entry(cast):
    entry = write(cast)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    edit_entry(
        entry=entry, by=cast.beneficiary, text="  Corrigé  ", title="Hier", entry_date=yesterday
    )
    entry.refresh_from_db()
    assert (entry.text, entry.title, entry.entry_date) == ("Corrigé", "Hier", yesterday)
    delete_entry(entry=entry, by=cast.beneficiary)
    assert not JournalEntry.objects.exists()


def test_an_archived_bilans_journal_no_longer_changes(cast):
    entry = write(cast)
    advance_to(cast.bilan, Status.ARCHIVED)
    with pytest.raises(RuleViolation, match="archivé"):
        write(cast)
    with pytest.raises(RuleViolation, match="archivé"):
        edit_entry(entry=entry, by=cast.beneficiary, text="Changé")


# ---- the beneficiary's pages ---------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [("beneficiary", 200), ("consultant", 403), ("admin", 403), ("outsider_admin", 403)],
)
def test_the_journal_pages_are_the_beneficiarys_own(cast, client, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("portal:journal")).status_code == status
    assert client.get(reverse("portal:journal_new")).status_code == status
    response = client.post(reverse("portal:journal_new"), {"entry_date": "2026-01-05", "text": "x"})
    assert response.status_code == (302 if role == "beneficiary" else status)


def entry_urls(entry: JournalEntry) -> list[tuple[str, str, dict]]:
    return [
        ("get", reverse("portal:journal_entry", args=[entry.pk]), {}),
        ("post", reverse("portal:journal_entry", args=[entry.pk]), {"text": "Volé"}),
        ("post", reverse("portal:journal_share", args=[entry.pk]), {"shared": "1"}),
        ("post", reverse("portal:journal_delete", args=[entry.pk]), {}),
    ]


@pytest.mark.parametrize(
    "role,status",
    [
        ("other_beneficiary", 404),
        ("outsider_beneficiary", 404),
        ("consultant", 403),
        ("colleague", 403),
        ("admin", 403),
        ("outsider_consultant", 403),
    ],
)
def test_no_one_but_the_beneficiary_opens_edits_shares_or_deletes_an_entry(
    cast, client, role, status
):
    entry = write(cast)
    client.force_login(getattr(cast, role))
    for method, url, data in entry_urls(entry):
        assert getattr(client, method)(url, data).status_code == status, url
    entry.refresh_from_db()
    assert (entry.text, entry.is_shared) == ("Aujourd'hui j'ai parlé à une infirmière.", False)


def test_the_beneficiary_writes_an_entry_that_stays_private_unless_they_tick_the_box(cast, client):
    client.force_login(cast.beneficiary)
    url = reverse("portal:journal_new")
    today = timezone.localdate().isoformat()
    client.post(url, {"entry_date": today, "title": "Privée", "text": "Rien que pour moi"})
    client.post(url, {"entry_date": today, "title": "Partagée", "text": "À lire", "shared": "on"})
    assert {e.title: e.is_shared for e in JournalEntry.objects.all()} == {
        "Privée": False,
        "Partagée": True,
    }
    page = client.get(reverse("portal:journal")).content.decode()
    assert "Rien que pour moi" in page and "Privée" in page and "Partagée avec mon ou ma" in page


def test_a_too_long_entry_is_refused_on_the_page_with_what_was_typed_kept(cast, client):
    client.force_login(cast.beneficiary)
    text = "Je garde ce texte. " + "x" * 20000
    response = client.post(
        reverse("portal:journal_new"),
        {"entry_date": timezone.localdate().isoformat(), "title": "Long", "text": text},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "20000 au plus" in page and "Je garde ce texte." in page and 'value="Long"' in page
    assert not JournalEntry.objects.exists()


def test_the_beneficiary_edits_shares_unshares_and_deletes_on_the_pages(cast, client):
    entry = write(cast)
    client.force_login(cast.beneficiary)
    response = client.post(
        reverse("portal:journal_entry", args=[entry.pk]),
        {"entry_date": entry.entry_date.isoformat(), "title": "", "text": "Réécrit"},
    )
    assert response.status_code == 302
    client.post(reverse("portal:journal_share", args=[entry.pk]), {"shared": "1"})
    entry.refresh_from_db()
    assert (entry.text, entry.is_shared) == ("Réécrit", True)
    client.post(reverse("portal:journal_share", args=[entry.pk]), {"shared": "0"})
    entry.refresh_from_db()
    assert not entry.is_shared
    client.post(reverse("portal:journal_delete", args=[entry.pk]))
    assert not JournalEntry.objects.exists()


def test_an_edit_with_empty_text_is_refused_and_the_entry_kept(cast, client):
    entry = write(cast)
    client.force_login(cast.beneficiary)
    response = client.post(
        reverse("portal:journal_entry", args=[entry.pk]),
        {"entry_date": entry.entry_date.isoformat(), "title": "Titre tapé", "text": ""},
    )
    assert response.status_code == 422
    assert "Écrivez le texte de votre entrée." in response.content.decode()
    assert 'value="Titre tapé"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.text == "Aujourd'hui j'ai parlé à une infirmière."


def test_the_nav_links_to_my_journal(cast, client):
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:journal") in page and "Mon journal" in page


# ---- the consultant's page -----------------------------------------------------------------

STAFF_EXPECTED = {
    "consultant": 200,
    "colleague": 404,
    "admin": 403,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 404,
    "outsider_consultant": 404,
}


@pytest.mark.parametrize("role", STAFF_EXPECTED)
def test_only_the_assigned_consultant_opens_the_shared_journal(cast, client, role):
    write(cast, "Partagée", shared=True)
    client.force_login(getattr(cast, role))
    response = client.get(reverse("exchanges:journal", args=[cast.bilan.pk]))
    assert response.status_code == STAFF_EXPECTED[role]
    audited = AuditEvent.objects.filter(object_type=AUDITED).count()
    assert audited == (1 if role == "consultant" else 0)


def test_the_consultant_sees_shared_entries_only_and_each_read_is_audited(cast, client):
    write(cast, "Ce que je partage", shared=True)
    write(cast, "Mon secret")
    client.force_login(cast.consultant)
    page = client.get(reverse("exchanges:journal", args=[cast.bilan.pk])).content.decode()
    assert "Ce que je partage" in page and "Mon secret" not in page
    client.get(reverse("exchanges:journal", args=[cast.bilan.pk]))
    assert AuditEvent.objects.filter(object_type=AUDITED, actor_id=cast.consultant.pk).count() == 2


def test_the_bilan_page_links_the_consultant_to_messages_and_journal_not_the_admin(cast, client):
    links = [
        reverse("exchanges:thread", args=[cast.bilan.pk]),
        reverse("exchanges:journal", args=[cast.bilan.pk]),
    ]
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    assert all(link in page for link in links)
    client.force_login(cast.admin)
    page = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    assert "Messages et journal de bord" in page
    assert not any(link in page for link in links)
