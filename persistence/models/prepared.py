"""Queries of the order path turned into SQL once, run with each call's own values.

peewee turns a query into SQL anew on every call, walking its expression tree. For the
dozen queries a strategy's order makes (its row looked up, its fills read and written, its
order and the strategy's progress updated) that walk was most of a user actor's work:
profiled during `bench/thousand_users.py ticks`, 17 of the 26 CPU seconds the user actors
spent on triggered orders went to building SQL text. The INSERTs were built once already
(base.create_row); these are the SELECTs and UPDATEs.

A `Prepared` select is built by peewee once per database kind with `slot(n)` in place of
each value, and each call runs that SQL with its values (given as the database stores them:
an id, not a model) and reads the rows through the query's own cursor wrapper, so they are
what peewee would have returned, joined models included. `update_columns` writes some
columns of a row by an UPDATE built once per model and set of columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic

import peewee

from persistence.database import db
from persistence.models.base import BaseModel, Row


class _Slot:
    def __init__(self, index: int) -> None:
        self.index = index


def slot(index: int) -> peewee.Value:
    """The place of the call's `index`th value; peewee leaves it unconverted."""
    return peewee.Value(_Slot(index), converter=False)


class Prepared(Generic[Row]):
    def __init__(self, build: Callable[[], peewee.ModelSelect]) -> None:
        self._build = build
        self._made: dict[type[peewee.Database], tuple[peewee.ModelSelect, str, list[Any]]] = {}

    def rows(self, *values: Any) -> list[Row]:
        query, sql, params = self._for_this_database()
        cursor = db.execute_sql(sql, _filled(params, values))
        return list(query._get_cursor_wrapper(cursor))

    def first(self, *values: Any) -> Row | None:
        """The first row; the query limits itself (`.limit(1)`) where only one is wanted."""
        found = self.rows(*values)
        return found[0] if found else None

    def _for_this_database(self) -> tuple[peewee.ModelSelect, str, list[Any]]:
        kind = type(db.obj)
        made = self._made.get(kind)
        if made is None:
            query = self._build()
            sql, params = query.sql()
            made = self._made[kind] = (query, sql, params)
        return made


def _filled(params: Sequence[Any], values: Sequence[Any]) -> list[Any]:
    return [values[p.index] if isinstance(p, _Slot) else p for p in params]


_updates: dict[
    tuple[type[BaseModel], tuple[str, ...], type[peewee.Database]], tuple[str, list[Any]]
] = {}


def update_columns(row: BaseModel, names: Sequence[str]) -> None:
    """`row.save(only=names)`: these columns of the row as it holds them now."""
    model = type(row)
    fields = [model._meta.fields[name] for name in names]
    key = (model, tuple(names), type(db.obj))
    statement = _updates.get(key)
    if statement is None:  # peewee orders the columns its own way: the slots say where each goes
        statement = _updates[key] = (
            model.update({field: slot(n) for n, field in enumerate(fields)})
            .where(model._meta.primary_key == slot(len(fields)))
            .sql()
        )
    sql, params = statement
    values = [field.db_value(getattr(row, field.name)) for field in fields]
    db.execute_sql(sql, _filled(params, [*values, row.id]))
