"""Autosave keeps one row per note field (issue 11, item 22): no table grows with keystrokes.

The soak's « 18,493 version rows for 18,493 autosaves » is the `version` counter of each
EntretienNote (bumped by every save, it is what conflict detection compares): the notes have
no history table, and a save is one UPDATE of the field's single row. These tests count every
table of the database around 100 autosaves, by the page and by the API, and check that a
stale base_version is still refused after them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bilan.api.test_api import Api
from bilan.bilans.models import Phase, Status
from bilan.demo.scenario import advance_to
from bilan.entretiens.models import Entretien, EntretienNote

CONFLICT = "Ce champ a été modifié ailleurs (version 100)"


def rows_per_table() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {t: after[t] - before.get(t, 0) for t in after if after[t] != before.get(t, 0)}


@pytest.fixture
def entretien(cast):
    advance_to(cast.bilan, Status.PRELIMINARY)
    return Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        planned_minutes=30,
    )


def test_100_page_autosaves_add_one_row_and_a_stale_version_is_still_refused(
    cast, client, entretien
):
    client.force_login(cast.consultant)
    url = reverse("entretiens:note", args=[entretien.pk, "free"])
    before = rows_per_table()
    version = 0
    for i in range(100):
        response = client.post(
            url, {"text": f"Frappe {i}", "base_version": version}, HTTP_X_AUTOSAVE="1"
        )
        assert response.status_code == 200
        version = int(response["X-Note-Version"])
    assert grown(before, rows_per_table()) == {EntretienNote._meta.db_table: 1}
    assert version == 100
    stale = client.post(url, {"text": "Autre onglet", "base_version": 50}, HTTP_X_AUTOSAVE="1")
    assert stale.status_code == 409
    assert CONFLICT in stale.content.decode()
    assert EntretienNote.objects.get(entretien=entretien, key="free").text == "Frappe 99"


def test_100_api_autosaves_add_one_row_and_a_stale_version_is_still_refused(cast, entretien):
    api = Api(cast)
    path = f"/entretiens/{entretien.pk}/notes/free"
    before = rows_per_table()
    version = 0
    for i in range(100):
        response = api.client.put(
            f"/api/v1{path}",
            data={"text": f"Frappe {i}", "base_version": version},
            content_type="application/json",
            **api.headers("consultant"),
        )
        assert response.status_code == 200
        version = response.json()["version"]
    assert grown(before, rows_per_table()) == {EntretienNote._meta.db_table: 1}
    stale = api.client.put(
        f"/api/v1{path}",
        data={"text": "Autre onglet", "base_version": 50},
        content_type="application/json",
        **api.headers("consultant"),
    )
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith(CONFLICT)
    assert stale.json()["theirs"]["version"] == 100
