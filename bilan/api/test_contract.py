"""API v1 contract: what is sent matches the OpenAPI schema (names, shapes, declared statuses),
and bodies that are not JSON, not parseable or too large get the API's error shape."""

from __future__ import annotations

import functools
import json
import logging
import typing
from collections import defaultdict
from typing import Any

import jsonschema_rs
import pydantic
import pytest
from django.test import Client

from bilan.api.schemas import InputSchema
from bilan.api.test_api import Api
from bilan.assessments.api import AnswersIn
from bilan.bilans.models import Bilan, Status
from bilan.careers.api_pistes import PisteUpdate
from bilan.demo.scenario import advance_to
from bilan.entretiens.guides import default_guide
from bilan.entretiens.test_conduct import make_entretien
from bilan.exchanges.models import JournalEntry, Message
from config.api import BODY_ERRORS, api


@functools.cache
def spec() -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()  # what clients read


def operation(operation_id: str) -> dict[str, Any]:
    for item in spec()["paths"].values():
        for op in item.values():
            if op.get("operationId") == operation_id:
                return op
    raise AssertionError(f"no operation {operation_id}")


def assert_conforms(response: Any, operation_id: str) -> None:
    """The response's status is declared for the operation and its JSON body fits the schema."""
    declared = operation(operation_id)["responses"]
    assert str(response.status_code) in declared, (response.status_code, sorted(declared))
    assert response["Content-Type"].startswith("application/json")
    schema = declared[str(response.status_code)]["content"]["application/json"]["schema"]
    validator = jsonschema_rs.validator_for({**schema, "components": spec()["components"]})
    errors = [e.message for e in validator.iter_errors(response.json())]
    assert not errors, errors


@pytest.fixture
def client_api(cast) -> Api:
    return Api(cast)


# ---- schema mismatches -----------------------------------------------------------------------


def test_no_two_schemas_of_the_api_share_a_component_name():
    # Two classes with one name (StatusChangeOut of pistes and of the plan d'action, ItemOut of
    # guides and of métiers) were merged into one component: one of them was documented wrong.
    seen: dict[str, list[Any]] = defaultdict(list)
    for router in (api.default_router, *(r for _, r in api._routers)):
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                models = [*op.models, *(m for m in op.response_models.values() if m)]
                for model in models:
                    for mode in ("validation", "serialization"):
                        schema = model.model_json_schema(mode=mode)
                        for name, definition in schema.get("$defs", {}).items():
                            if definition not in seen[name]:
                                seen[name].append(definition)
    assert {name: len(d) for name, d in seen.items() if len(d) > 1} == {}


def test_a_piste_history_is_documented_as_sent(client_api, cast):
    # The payload keeps changed_at / changed_by (what clients get today): the schema was wrong.
    advance_to(cast.bilan, Status.INVESTIGATION)
    response = client_api.post(
        f"/bilans/{cast.bilan.pk}/pistes", "consultant", {"kind": "training", "title": "BP"}
    )
    assert response.status_code == 201
    assert set(response.json()["history"][0]) >= {"changed_at", "changed_by"}
    assert_conforms(response, "create_piste")


def test_the_objectives_of_a_guide_are_documented_as_sent(client_api):
    response = client_api.get(f"/guides/{default_guide().pk}", "consultant")
    assert response.status_code == 200
    objective = response.json()["interviews"][0]["objectives"][0]
    assert set(objective) == {"id", "text"}
    assert_conforms(response, "get_guide")


def test_the_409_on_the_notes_of_an_archived_bilan_is_declared(client_api, cast):
    entretien = make_entretien(cast)
    Bilan.objects.filter(pk=cast.bilan.pk).update(status=Status.ARCHIVED)
    response = client_api.client.put(
        f"/api/v1/entretiens/{entretien.pk}/notes/free",
        data=json.dumps({"text": "Trop tard", "base_version": 0}),
        content_type="application/json",
        **client_api.headers("consultant"),
    )
    assert response.status_code == 409
    assert "archivé" in response.json()["detail"]
    assert_conforms(response, "save_entretien_note")


def test_a_malformed_json_body_gets_a_documented_400_in_the_error_shape(client_api, cast):
    response = client_api.client.post(
        f"/api/v1/bilans/{cast.bilan.pk}/messages",
        data='{"text": "Bonjour",',
        content_type="application/json",
        **client_api.headers("consultant"),
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Corps de requête illisible : ce n'est pas du JSON valide."
    assert_conforms(response, "post_message")
    assert not Message.objects.exists()


def test_every_operation_taking_a_body_declares_400_413_and_415():
    for item in spec()["paths"].values():
        for op in item.values():
            if "requestBody" in op:
                missing = [c for c in BODY_ERRORS if str(c) not in op["responses"]]
                assert not missing, (op["operationId"], missing)
            else:
                assert "415" not in op["responses"], op["operationId"]


# ---- bodies: too large, not JSON ---------------------------------------------------------------

TEN_MB = 10 * 1024 * 1024


def test_a_10_mb_json_body_gets_a_json_413_and_saves_nothing(client_api, cast):
    response = client_api.client.post(
        f"/api/v1/bilans/{cast.bilan.pk}/messages",
        data=json.dumps({"text": "x" * TEN_MB}),
        content_type="application/json",
        **client_api.headers("consultant"),
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("Corps de requête trop volumineux")
    assert_conforms(response, "post_message")
    assert not Message.objects.exists()


def test_pages_keep_django_s_answer_to_a_too_large_body(cast):
    client = Client()
    response = client.post(
        "/compte/connexion/",
        data="x=" + "y" * TEN_MB,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_body_that_is_not_declared_json_gets_415_and_is_not_parsed(
    client_api, cast, content_type
):
    response = client_api.client.post(
        f"/api/v1/bilans/{cast.bilan.pk}/messages",
        data=json.dumps({"text": "Bonjour"}),
        content_type=content_type,
        **client_api.headers("consultant"),
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]
    assert_conforms(response, "post_message")
    assert not Message.objects.exists()


@pytest.mark.parametrize("content_type", ["application/json", "application/merge-patch+json"])
def test_json_bodies_are_still_read(client_api, cast, content_type):
    response = client_api.client.post(
        f"/api/v1/bilans/{cast.bilan.pk}/messages",
        data=json.dumps({"text": "Bonjour"}),
        content_type=f"{content_type}; charset=utf-8",
        **client_api.headers("consultant"),
    )
    assert response.status_code == 201, response.json()
    assert Message.objects.get().text == "Bonjour"


# ---- 409s are expected conflicts: INFO, not WARNING --------------------------------------------


def archived_note_save(client_api, cast) -> Any:
    entretien = make_entretien(cast)
    Bilan.objects.filter(pk=cast.bilan.pk).update(status=Status.ARCHIVED)
    return client_api.client.put(
        f"/api/v1/entretiens/{entretien.pk}/notes/free",
        data=json.dumps({"text": "Trop tard", "base_version": 0}),
        content_type="application/json",
        **client_api.headers("consultant"),
    )


def request_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request"]


def test_a_409_is_logged_at_info(client_api, cast, caplog):
    caplog.set_level(logging.INFO)
    assert archived_note_save(client_api, cast).status_code == 409
    [record] = request_records(caplog)
    assert (record.levelname, record.status_code) == ("INFO", 409)


def test_a_409_is_not_printed_at_the_default_warning_level_but_a_404_is(client_api, cast, caplog):
    caplog.set_level(logging.WARNING)
    assert archived_note_save(client_api, cast).status_code == 409
    assert request_records(caplog) == []
    assert client_api.get("/bilans/999999", "consultant").status_code == 404
    [record] = request_records(caplog)
    assert (record.levelname, record.status_code) == ("WARNING", 404)


# ---- text the database cannot store: NUL, unpaired surrogates -------------------------------


def body_models() -> set[type]:
    """Every model a request body is validated with, nested ones included."""
    found: set[type] = set()

    def walk(annotation: Any) -> None:
        for arg in typing.get_args(annotation):
            walk(arg)
        if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            if annotation not in found:
                found.add(annotation)
                for field in annotation.model_fields.values():
                    walk(field.annotation)

    for router in (api.default_router, *(r for _, r in api._routers)):
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                for model in op.models:
                    if model.__ninja_param_source__ == "body":
                        for field in model.model_fields.values():
                            walk(field.annotation)
    return found


def test_every_request_body_refuses_unstorable_text():
    models = body_models()
    assert len(models) > 30
    assert [m.__name__ for m in models if not issubclass(m, InputSchema)] == []


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\udfff"])
@pytest.mark.parametrize(
    "path,body,field",
    [
        ("messages", {"text": "a{bad}b"}, "text"),
        ("journal", {"text": "Ma journée", "title": "{bad}"}, "title"),
    ],
)
def test_nul_and_lone_surrogates_get_422_naming_the_field_and_save_nothing(
    client_api, cast, bad, path, body, field
):
    body = {k: v.replace("{bad}", bad) for k, v in body.items()}
    response = client_api.client.post(
        f"/api/v1/bilans/{cast.bilan.pk}/{path}",
        data=json.dumps(body),  # \u escapes: a lone surrogate survives JSON
        content_type="application/json",
        **client_api.headers("beneficiary"),
    )
    assert response.status_code == 422, response.content
    assert f"body.payload.{field}." in response.json()["detail"]
    assert "caractère invalide" in response.json()["errors"][0]["msg"]
    assert not Message.objects.exists() and not JournalEntry.objects.exists()


def test_a_nul_in_a_nested_body_or_a_dict_key_is_refused():
    with pytest.raises(pydantic.ValidationError, match="caractère invalide"):
        PisteUpdate.model_validate({"status": {"to": "exploring", "reason": "a\x00"}})
    with pytest.raises(pydantic.ValidationError, match="caractère invalide"):
        AnswersIn.model_validate({"answers": {"q\ud800": 1}})
