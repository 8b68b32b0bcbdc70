"""Hot-path reads written as SQL once per process (bench/autosave.py).

Every autosave reads the API token with its user and membership, then the entretien with its
bilan. Through the ORM each of those SELECTs is compiled again on every call, which was the
largest cost of a save; here the statement is built once from the models' own fields and the
row becomes model instances with `Model.from_db`, as the ORM itself would make them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection, models
from django.db.models.expressions import Col


@cache
def column_list(model: type[models.Model], alias: str) -> str:
    q = connection.ops.quote_name
    return ", ".join(f"{alias}.{q(f.column)}" for f in model._meta.concrete_fields)


@cache
def _converters(model: type[models.Model]) -> list[tuple[Col, list[Any]]]:
    """Per field, the converters the ORM's compiler would apply to its column (the backend's,
    e.g. SQLite's text datetimes and 0/1 booleans, then the field's own, e.g. JSON)."""
    table = model._meta.db_table
    out = []
    for field in model._meta.concrete_fields:
        col = field.get_col(table)
        out.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
    return out


def instances(row: Sequence[Any], *models_: type[models.Model]) -> list[models.Model]:
    """Split a row selected with `column_list` for each model, in order, into instances."""
    out: list[models.Model] = []
    start = 0
    for model in models_:
        converters = _converters(model)
        values = []
        for offset, (col, funcs) in enumerate(converters):
            value = row[start + offset]
            for convert in funcs:
                value = convert(value, col, connection)
            values.append(value)
        names = [f.attname for f in model._meta.concrete_fields]
        out.append(model.from_db(connection.alias, names, values))
        start += len(converters)
    return out
