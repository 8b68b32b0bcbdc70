"""Every stored model and file has a document class (issue 16, REQ-11 a): the registry is
compliance.content (own `document_class` attributes, DECLARED, FILE_CLASSES)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from bilan.bilans import content
from bilan.bilans.content import DECLARED, FILE_CLASSES, SHELLS, DocumentClass, class_of

DESTROYED_AT_END: set[DocumentClass | None] = {DocumentClass.TRAVAIL_BILAN, DocumentClass.SYNTHESE}


def all_models() -> list[type[models.Model]]:
    return list(apps.get_models(include_auto_created=True))


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m._meta.label)
def test_every_installed_model_has_a_document_class(model: type[models.Model]) -> None:
    if model._meta.auto_created:  # a many-to-many table: the class of the model declaring it
        owner = model._meta.auto_created
        assert isinstance(owner, type) and class_of(owner) is not None, model
        return
    assert class_of(model) in DocumentClass.values, (
        f"{model._meta.label} has no document class: give it a `document_class` attribute "
        "or declare it in bilan/compliance/content.py DECLARED"
    )


def test_a_model_without_a_class_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.contrib.auth.models import Group

    monkeypatch.delitem(DECLARED, "auth.Group")
    assert class_of(Group) is None


def test_every_file_field_has_a_document_class() -> None:
    missing = [
        f"{model._meta.label}.{field.name}"
        for model in all_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField) and content.file_class(model, field.name) is None
    ]
    assert missing == [], f"file fields without a class in FILE_CLASSES: {missing}"


def test_the_registry_names_only_installed_models_and_fields() -> None:
    labels = {m._meta.label for m in all_models()}
    assert set(DECLARED) <= labels
    for key in FILE_CLASSES:
        label, field = key.rsplit(".", 1)
        assert label in labels
        assert isinstance(apps.get_model(label)._meta.get_field(field), models.FileField)


def test_a_model_declaring_its_own_class_is_not_also_in_the_registry() -> None:
    for label in DECLARED:
        assert "document_class" not in vars(apps.get_model(label)), label


def test_content_files_belong_to_content_rows() -> None:
    for key, document_class in FILE_CLASSES.items():
        label = key.rsplit(".", 1)[0]
        if document_class in DESTROYED_AT_END:
            assert class_of(apps.get_model(label)) in DESTROYED_AT_END, key


def test_no_longer_kept_row_is_deleted_with_the_work_of_the_bilan() -> None:
    """Destroying TRAVAIL_BILAN / SYNTHESE rows must not take a proof or a contract with
    them: no row of another class cascades from a content row, except from a declared
    shell (a content-class row holding no text, kept as long as the proofs hanging on it)."""
    offenders = []
    for model in all_models():
        if model._meta.auto_created or class_of(model) in DESTROYED_AT_END:
            continue
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if not isinstance(target, type) or class_of(target) not in DESTROYED_AT_END:
                continue
            if target._meta.label in SHELLS:
                continue
            on_delete = getattr(field.remote_field, "on_delete", None)
            if on_delete in (models.CASCADE, models.PROTECT):
                offenders.append(f"{model._meta.label}.{field.name}")
    assert offenders == []


def test_every_class_is_named_in_french() -> None:
    for document_class in DocumentClass:
        assert document_class.label


def test_a_shell_holds_no_text() -> None:
    for label in SHELLS:
        fields = apps.get_model(label)._meta.concrete_fields
        assert not [f.name for f in fields if isinstance(f, models.TextField)], label
