"""Content fields encrypted at rest with their bilan's data key (issue 16).

`EncryptedTextField` and `EncryptedJSONField` are transparent in Python: the attribute holds
the text (or the JSON value) and the column holds ``v1:<key id>:<nonce>:<ciphertext>``.

The design: the key is found when the row is written, from the instance (`pre_save`), by
following the model's `Content.bilan_path` ("bilan", "entretien__bilan", …) to its bilan id;
reading needs no instance, since the ciphertext names its key (`from_db_value`). So:
- writes go through `save()` / `create()` / `bulk_create()` (they call `pre_save`); a raw SQL
  write seals its value itself with `encryption.seal_text` (entretiens/notes.py, autosave);
  `QuerySet.update()`, `bulk_update()` and lookups with a plain value are refused (the
  database could only compare ciphertexts) — except the empty value, kept empty so
  `.exclude(text="")` still works (an empty field says nothing but its emptiness);
- a destroyed key (crypto-shredding) reads as the field's default: a shredded row can still be
  listed and deleted, and its content is gone;
- rows written before encryption (clear text) still read until their data migration seals
  them (`encrypt_rows`, used by each content app's migration, and its reverse).
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile, File
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields.files import FieldFile

from bilan.lib.crypto import KeyDestroyed, is_sealed, is_sealed_bytes

if TYPE_CHECKING:
    from types import ModuleType


def _encryption() -> ModuleType:
    # why: bilans.models declares these fields, and encryption imports bilans.models
    from bilan.bilans import encryption

    return encryption


class Sealed(str):
    """A ciphertext made by `pre_save`: the only non-empty value the column accepts."""

    __slots__ = ()


def bilan_id_of(instance: models.Model) -> int:
    """The bilan id of a content row, along its model's `bilan_path`."""
    path = str(getattr(type(instance), "bilan_path", "bilan")).split("__")
    obj: Any = instance
    for name in path[:-1]:
        obj = getattr(obj, name)
    bilan_id = getattr(obj, f"{path[-1]}_id")
    if bilan_id is None:
        raise ValueError(f"{type(instance).__name__}: no bilan to encrypt its content with.")
    return int(bilan_id)


def _refuse(field: models.Field[Any, Any]) -> TypeError:
    return TypeError(
        f"{field.model.__name__}.{field.name} is encrypted: write it through save(), or seal "
        "the value with bilan.bilans.encryption.seal_text; it cannot be compared in SQL."
    )


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]  # django-stubs' generics
    description = "Text encrypted with the bilan's data key"

    def _encode(self, value: Any) -> str:
        return str(value)

    def _decode(self, text: str) -> Any:
        return text

    def _is_empty(self, value: Any) -> bool:
        return value is None or value == ""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if self._is_empty(value) or isinstance(value, Sealed):
            return value
        return Sealed(_encryption().seal_text(bilan_id_of(model_instance), self._encode(value)))

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None:
            return None
        if not is_sealed(value):
            return self._decode(value) if value != "" else self.get_default()
        try:
            return self._decode(_encryption().open_text(value))
        except KeyDestroyed:
            return self.get_default()

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Sealed) or value is None or value == "":
            return str(value) if isinstance(value, Sealed) else value
        raise _refuse(self)


class EncryptedCharField(EncryptedTextField):
    """A short free text (a title, a name): a text column (the ciphertext is longer than the
    text), with the CharField's length check and one-line form input kept."""

    description = "Short text encrypted with the bilan's data key"

    def __init__(self, *args: Any, max_length: int, **kwargs: Any) -> None:
        kwargs["max_length"] = max_length
        super().__init__(*args, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))

    def formfield(  # type: ignore[override]  # django-stubs' overloads
        self, **kwargs: Any
    ) -> Any:
        return models.Field.formfield(self, **{"max_length": self.max_length, **kwargs})


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (test answers and scores, synthèse sections…), encrypted as its JSON text."""

    description = "JSON encrypted with the bilan's data key"
    empty_strings_allowed = False

    def _encode(self, value: Any) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)

    def _decode(self, text: str) -> Any:
        return json.loads(text)

    def _is_empty(self, value: Any) -> bool:
        return False  # {} and [] are values: sealed like any other

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: models.Model) -> str:
        return self._encode(self.value_from_object(obj))


class EncryptedFieldFile(FieldFile):
    """A stored file sealed with its row's bilan key on save, opened in clear (in memory: the
    files are small, attachments and rendered synthèses); older clear files still open."""

    def save(self, name: str, content: File[Any], save: bool = True) -> None:
        content.seek(0)
        sealed = _encryption().seal_file(bilan_id_of(self.instance), content.read())
        super().save(name, ContentFile(sealed), save)

    def open(self, mode: str | None = "rb", *args: Any, **kwargs: Any) -> EncryptedFieldFile:
        self._require_file()  # type: ignore[attr-defined]  # FieldFile's, missing from the stubs
        with self.storage.open(str(self.name), "rb") as handle:
            raw = handle.read()
        data = _encryption().open_file(raw) if is_sealed_bytes(raw) else raw
        self.file = File(io.BytesIO(data), name=self.name)
        return self

    open.alters_data = True  # type: ignore[attr-defined]  # as FieldFile.open


class EncryptedFileField(models.FileField):
    """A FileField whose files are encrypted at rest with the bilan's data key (issue 16)."""

    attr_class = EncryptedFieldFile


# ---- data migrations ------------------------------------------------------------------------


def encrypt_rows(
    app_label: str, model_name: str, bilan_lookup: str, fields: tuple[str, ...]
) -> Any:
    """A RunPython operation that seals the clear values of `fields` (already altered to the
    encrypted fields) with each row's bilan key, and, reversed, writes them back in clear (to
    be altered back after). `bilan_lookup` is the ORM path to the bilan id ("bilan_id",
    "entretien__bilan_id"…)."""
    from django.db import migrations  # why: only migrations use this

    def values(apps: Any) -> Any:
        model = apps.get_model(app_label, model_name)
        encrypted = {f: model._meta.get_field(f) for f in fields}
        return model, encrypted, model.objects.values_list("pk", bilan_lookup, *fields)

    def forward(apps: Any, schema_editor: Any) -> None:
        model, encrypted, rows = values(apps)
        for pk, bilan_id, *current in rows.iterator():
            changes: dict[str, Any] = {}
            for (name, field), value in zip(encrypted.items(), current, strict=True):
                if field._is_empty(value) or bilan_id is None:
                    continue
                changes[name] = models.Value(
                    _encryption().seal_text(bilan_id, field._encode(value)),
                    output_field=models.TextField(),
                )
            if changes:
                model.objects.filter(pk=pk).update(**changes)

    def backward(apps: Any, schema_editor: Any) -> None:
        model, encrypted, rows = values(apps)
        for pk, _bilan_id, *current in rows.iterator():
            changes: dict[str, Any] = {}
            for (name, field), value in zip(encrypted.items(), current, strict=True):
                if value is None:
                    continue
                changes[name] = models.Value(field._encode(value), output_field=models.TextField())
            if changes:
                model.objects.filter(pk=pk).update(**changes)

    return migrations.RunPython(forward, backward, elidable=False)


def encrypt_files(app_label: str, model_name: str, bilan_lookup: str, field_name: str) -> Any:
    """A RunPython operation that seals the stored files of `field_name` in place (reversed:
    opens them back). Files already in the wanted state, or missing, are left as they are."""
    from django.db import migrations  # why: only migrations use this

    def run(apps: Any, sealing: bool) -> None:
        model = apps.get_model(app_label, model_name)
        storage = model._meta.get_field(field_name).storage
        rows = model.objects.exclude(**{field_name: ""}).values_list(field_name, bilan_lookup)
        for name, bilan_id in rows.iterator():
            if not name or bilan_id is None or not storage.exists(name):
                continue
            with storage.open(name, "rb") as handle:
                raw = handle.read()
            if is_sealed_bytes(raw) == sealing:
                continue
            data = (
                _encryption().seal_file(bilan_id, raw) if sealing else _encryption().open_file(raw)
            )
            with storage.open(name, "wb") as handle:
                handle.write(data)

    return migrations.RunPython(
        lambda apps, schema_editor: run(apps, True),
        lambda apps, schema_editor: run(apps, False),
        elidable=False,
    )
