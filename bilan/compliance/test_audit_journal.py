"""The journal d'accès: the quality manager reads and exports who read which content (REQ-54)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bilan.accounts.models import User
from bilan.bilans.content import content_models
from bilan.compliance.models import OBJECT_TYPE_LABELS, AuditEvent

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

URL = reverse("compliance:audit")
PARIS = dt.timezone(dt.timedelta(hours=1))  # Europe/Paris in winter
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=PARIS)


def record(cast: SimpleNamespace, at: dt.datetime = NOON, **fields: Any) -> AuditEvent:
    """An audit row of the cast's organisation, written at `at` (the trail is append-only)."""
    values = dict(
        actor_id=cast.consultant.pk,
        actor_email=cast.consultant.email,
        actor_role="consultant",
        organisation_id=cast.org.pk,
        bilan_id=cast.bilan.pk,
        action=AuditEvent.Action.READ,
        object_type="bilans.BilanFraming",
        object_id="7",
        channel="web",
    )
    values.update(fields)
    with mock.patch("django.utils.timezone.now", return_value=at):
        return AuditEvent.objects.create(**values)


def rows_of(response: _MonkeyPatchedWSGIResponse) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def admin_client(cast: SimpleNamespace, client: Client) -> Client:
    client.force_login(cast.admin)
    return client


# ---- who may see it -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        ("admin", 200),
        ("consultant", 403),
        ("colleague", 403),
        ("beneficiary", 403),
        ("other_beneficiary", 403),
        ("outsider_admin", 200),
        ("outsider_consultant", 403),
        ("outsider_beneficiary", 403),
    ],
)
@pytest.mark.parametrize("query", ["", "?format=csv"])
def test_only_admins_read_or_export_their_organisations_journal(
    cast: SimpleNamespace, client: Client, role: str, status: int, query: str
) -> None:
    record(cast, actor_email="lectrice@cap.test")
    client.force_login(getattr(cast, role))
    response = client.get(URL + query)
    assert response.status_code == status
    if role == "outsider_admin":
        assert "lectrice@cap.test" not in response.content.decode()


@pytest.mark.parametrize("query", ["", "?format=csv"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(
    db: None, client: Client, query: str
) -> None:
    response = client.get(URL + query)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role,shown", [("admin", True), ("consultant", False)])
def test_the_nav_links_to_the_journal_for_admins_only(
    cast: SimpleNamespace, client: Client, role: str, shown: bool
) -> None:
    client.force_login(getattr(cast, role))
    page = client.get(reverse("home")).content.decode()
    assert (f'href="{URL}"' in page) is shown


# ---- what it shows ------------------------------------------------------------------------------


def test_a_consultants_read_appears_with_its_type_and_bilan_but_never_the_content(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    client.get(reverse("bilans:detail", args=[cast.bilan.pk]))
    page = admin_client(cast, client).get(URL).content.decode()
    assert "consultante@cap.test" in page and "consultant·e" in page
    assert "lecture" in page and "cadrage du bilan" in page and "web" in page
    detail = reverse("bilans:detail", args=[cast.bilan.pk])
    assert f'<a href="{detail}">{cast.bilan.reference}</a>' in page
    assert "Je voudrais savoir si je peux changer de métier." not in page


def test_only_the_admins_organisation_is_listed_newest_first(
    cast: SimpleNamespace, client: Client
) -> None:
    record(cast, at=NOON, actor_email="premiere@cap.test")
    record(cast, at=NOON + dt.timedelta(hours=1), actor_email="seconde@cap.test")
    record(
        cast,
        actor_email="dehors@horizon.test",
        organisation_id=cast.outsider_org.pk,
        bilan_id=cast.outsider_bilan.pk,
    )
    page = admin_client(cast, client).get(URL).content.decode()
    assert page.index("seconde@cap.test") < page.index("premiere@cap.test")
    assert "dehors@horizon.test" not in page
    assert cast.outsider_bilan.reference not in page


def test_an_unknown_type_shows_its_raw_label_and_an_api_read_its_channel(
    cast: SimpleNamespace, client: Client
) -> None:
    record(cast, object_type="entretiens.Nouveau", channel="api", action="denied")
    page = admin_client(cast, client).get(URL).content.decode()
    assert "entretiens.Nouveau" in page and "API" in page and "accès refusé" in page


def test_a_bilan_no_longer_there_shows_its_bare_id_without_a_link(
    cast: SimpleNamespace, client: Client
) -> None:
    record(cast, bilan_id=987654)
    page = admin_client(cast, client).get(URL).content.decode()
    assert "n° 987654" in page
    assert reverse("bilans:detail", args=[987654]) not in page


def test_every_content_model_has_a_french_label_in_the_journal() -> None:
    assert {m._meta.label for m in content_models()} <= set(OBJECT_TYPE_LABELS)


# ---- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["reference", "id", "lowercase"])
def test_the_bilan_filter_takes_a_reference_or_an_id(
    cast: SimpleNamespace, client: Client, value: str
) -> None:
    record(cast, actor_email="sur-le-bilan@cap.test")
    record(cast, actor_email="sur-l-autre@cap.test", bilan_id=cast.other_bilan.pk)
    query = {
        "reference": cast.bilan.reference,
        "id": str(cast.bilan.pk),
        "lowercase": cast.bilan.reference.lower(),
    }[value]
    page = admin_client(cast, client).get(URL, {"bilan": query}).content.decode()
    assert "sur-le-bilan@cap.test" in page and "sur-l-autre@cap.test" not in page


def test_the_actor_filter_matches_part_of_the_email_whatever_the_case(
    cast: SimpleNamespace, client: Client
) -> None:
    record(cast, actor_email="claire.conseil@cap.test")
    record(cast, actor_email="karim@cap.test")
    page = admin_client(cast, client).get(URL, {"acteur": "CLAIRE"}).content.decode()
    assert "claire.conseil@cap.test" in page and "karim@cap.test" not in page


def test_the_date_filters_count_days_in_paris_time(cast: SimpleNamespace, client: Client) -> None:
    # 23:30 UTC on 2 March is 00:30 on 3 March in Paris.
    record(cast, at=dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC), actor_email="nuit@cap.test")
    record(cast, at=dt.datetime(2026, 3, 1, 10, 0, tzinfo=PARIS), actor_email="avant@cap.test")
    record(cast, at=dt.datetime(2026, 3, 5, 10, 0, tzinfo=PARIS), actor_email="apres@cap.test")
    client = admin_client(cast, client)
    page = client.get(URL, {"du": "2026-03-03", "au": "2026-03-04"}).content.decode()
    assert "nuit@cap.test" in page
    assert "avant@cap.test" not in page and "apres@cap.test" not in page
    page = client.get(URL, {"au": "03/03/2026"}).content.decode()  # the French format too
    assert "nuit@cap.test" in page and "apres@cap.test" not in page


@pytest.mark.parametrize(
    "params,message",
    [
        ({"du": "2026-13-45"}, "Date de début non reconnue"),
        ({"au": "hier"}, "Date de fin non reconnue"),
        ({"du": "2026-03-01", "au": "2026-02-01"}, "La date de fin précède la date de début"),
        ({"bilan": "BC-2026"}, "Référence non reconnue"),
        ({"bilan": "9" * 40}, "Référence non reconnue"),
    ],
)
def test_a_malformed_filter_is_explained_in_french_and_ignored(
    cast: SimpleNamespace, client: Client, params: dict[str, Any], message: str
) -> None:
    record(cast, actor_email="visible@cap.test")
    response = admin_client(cast, client).get(URL, {**params, "acteur": "visible"})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "ce filtre est ignoré" in page
    assert "visible@cap.test" in page  # the other filters still apply


# ---- pages --------------------------------------------------------------------------------------


def test_the_journal_shows_50_rows_a_page_and_keeps_the_filters_across_pages(
    cast: SimpleNamespace, client: Client
) -> None:
    for minute in range(51):
        record(cast, at=NOON + dt.timedelta(minutes=minute), object_id=f"obj-{minute}")
    record(cast, actor_email="filtre-exclu@autre.test")
    client = admin_client(cast, client)
    first = client.get(URL, {"acteur": "cap.test"})
    assert first.context["page"].paginator.count == 51
    assert len(first.context["page"].object_list) == 50
    page = first.content.decode()
    assert "obj-50" in page and "obj-0<" not in page
    assert "?acteur=cap.test&amp;page=2" in page
    second = client.get(URL, {"acteur": "cap.test", "page": "2"}).content.decode()
    assert "n° obj-0<" in second and "obj-50" not in second
    assert client.get(URL, {"page": "abc"}).status_code == 200
    assert client.get(URL, {"page": "999"}).context["page"].number == 2


def test_the_number_of_queries_does_not_grow_with_the_rows(
    cast: SimpleNamespace, client: Client
) -> None:
    for i in range(3):
        record(cast, bilan_id=(cast.bilan, cast.other_bilan)[i % 2].pk)
    for _ in range(30):
        record(cast, organisation_id=cast.outsider_org.pk, bilan_id=cast.outsider_bilan.pk)

    def rows_and_queries(admin: User) -> tuple[int, int]:
        client.force_login(admin)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL)
        return len(response.context["page"].object_list), len(ctx.captured_queries)

    (few, few_queries), (many, many_queries) = map(
        rows_and_queries, (cast.admin, cast.outsider_admin)
    )
    assert (few, many) == (3, 30)
    assert few_queries == many_queries


# ---- CSV export ---------------------------------------------------------------------------------


def test_the_csv_export_has_a_header_and_the_filtered_rows(
    cast: SimpleNamespace, client: Client
) -> None:
    record(cast, at=NOON, actor_email="claire@cap.test", object_id="12")
    record(cast, actor_email="karim@cap.test", bilan_id=cast.other_bilan.pk)
    record(cast, actor_email="dehors@horizon.test", organisation_id=cast.outsider_org.pk)
    response = admin_client(cast, client).get(URL, {"format": "csv", "bilan": cast.bilan.reference})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="journal-acces-{today:%Y-%m-%d}.csv"'
    )
    header, *rows = rows_of(response)
    assert header == [
        "Date et heure",
        "Acteur (e-mail)",
        "Rôle",
        "Action",
        "Type d'objet",
        "Objet n°",
        "Bilan",
        "Canal",
    ]
    assert rows == [
        [
            "2026-03-02 12:00:00",
            "claire@cap.test",
            "consultant·e",
            "lecture",
            "cadrage du bilan",
            "12",
            cast.bilan.reference,
            "web",
        ]
    ]


def test_the_csv_export_covers_every_page_and_writes_no_audit_row(
    cast: SimpleNamespace, client: Client
) -> None:
    for minute in range(60):
        record(cast, at=NOON + dt.timedelta(minutes=minute))
    response = admin_client(cast, client).get(URL, {"format": "csv", "page": "2"})
    assert len(rows_of(response)) == 1 + 60
    assert AuditEvent.objects.count() == 60


def test_the_csv_export_neutralises_cells_a_spreadsheet_would_run(
    cast: SimpleNamespace, client: Client
) -> None:
    record(cast, actor_email="=HYPERLINK(1)@cap.test", object_id="-1")
    (row,) = rows_of(admin_client(cast, client).get(URL, {"format": "csv"}))[1:]
    assert row[1] == "'=HYPERLINK(1)@cap.test" and row[5] == "'-1"


def test_the_journal_page_links_to_its_csv_export_with_the_same_filters(
    cast: SimpleNamespace, client: Client
) -> None:
    page = admin_client(cast, client).get(URL, {"acteur": "claire", "page": "1"}).content.decode()
    assert 'href="?acteur=claire&amp;format=csv"' in page
