"""Field types shared by every aggregate: exact money, UTC timestamps, JSON documents."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import peewee

from persistence.database import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTimeField(peewee.DateTimeField):
    """Stored as naive UTC (portable across SQLite and PostgreSQL), read back as aware UTC."""

    def db_value(self, value: datetime | None) -> Any:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value: Any) -> datetime | None:
        parsed = super().python_value(value)
        if isinstance(parsed, datetime) and parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed


class MoneyField(peewee.DecimalField):
    """Exact decimal: prices and coin quantities. Never rounded by the database."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=38, decimal_places=18, auto_round=False, **kwargs)

    def db_value(self, value: Any) -> Any:
        if isinstance(value, float):
            raise TypeError("money must be Decimal or str, never float")
        return super().db_value(value)

    def python_value(self, value: Any) -> Decimal | None:
        if value is None:
            return None
        return plain_decimal(Decimal(str(value)))


def plain_decimal(value: Decimal) -> Decimal:
    """Drop the trailing zeros PostgreSQL's NUMERIC(38,18) pads with, without exponent form."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class JsonField(peewee.TextField):
    """A JSON document as text: the same on SQLite and PostgreSQL. Decimals become strings."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, sort_keys=True, default=_encode)

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)


def _encode(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class BaseModel(peewee.Model):
    # The primary key peewee would add by itself, declared so type checkers know it.
    id = peewee.AutoField()
    created_at = UtcDateTimeField(default=utcnow)

    class Meta:
        database = db
        legacy_table_names = False


Row = TypeVar("Row", bound=BaseModel)

# INSERT statements as text, per model, database kind, row count and conflict rule: peewee
# turns a query into SQL anew on every call (half a millisecond of CPU), and the order path
# and the outbox insert on every order and every message. Every column is written, the
# unnamed ones with their field's default, so one statement serves every call.
_insert_statements: dict[tuple[type[peewee.Model], type[peewee.Database], int, bool], str] = {}
MAX_ROWS_PER_INSERT = 100


def create_row(model: type[Row], **values: Any) -> Row:
    """`model.create(**values)`, with its statement built once."""
    fields, row = _full_row(model, values)
    statement = _insert_statement(model, fields, rows=1, ignore_conflicts=False)
    cursor = db.execute_sql(statement, [field.db_value(row[field.name]) for field in fields])
    return model(id=cursor.fetchone()[0], **row)


def insert_new_rows(model: type[BaseModel], rows: Sequence[dict[str, Any]]) -> None:
    """Insert every row, keeping a row already there (a unique column taken) as it is: one
    statement per hundred rows, each statement built once for its row count."""
    for start in range(0, len(rows), MAX_ROWS_PER_INSERT):
        chunk = [_full_row(model, values) for values in rows[start : start + MAX_ROWS_PER_INSERT]]
        fields = chunk[0][0]
        statement = _insert_statement(model, fields, rows=len(chunk), ignore_conflicts=True)
        db.execute_sql(
            statement, [field.db_value(row[field.name]) for _, row in chunk for field in fields]
        )


def _full_row(
    model: type[BaseModel], values: dict[str, Any]
) -> tuple[list[peewee.Field], dict[str, Any]]:
    fields = [field for field in model._meta.sorted_fields if field is not model._meta.primary_key]
    unknown = set(values) - {field.name for field in fields}
    if unknown:
        raise TypeError(f"{model.__name__} has no column {', '.join(sorted(unknown))}")
    return fields, {
        field.name: values[field.name] if field.name in values else _default(field)
        for field in fields
    }


def _insert_statement(
    model: type[BaseModel], fields: list[peewee.Field], rows: int, ignore_conflicts: bool
) -> str:
    key = (model, type(db.obj), rows, ignore_conflicts)
    statement = _insert_statements.get(key)
    if statement is None:
        query = model.insert_many([{field: None for field in fields}] * rows)
        if ignore_conflicts:
            query = query.on_conflict_ignore()
        else:
            query = query.returning(model._meta.primary_key)
        statement = _insert_statements[key] = query.sql()[0]
    return statement


def _default(field: peewee.Field) -> Any:
    return field.default() if callable(field.default) else field.default
