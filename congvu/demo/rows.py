"""Fast inserts for generated data: rows go to the table in batches (executemany, or COPY on PostgreSQL)
without building a model instance per row. Used by the demo and by bench/dataset.py.

The caller gives ids explicitly, so rows can refer to each other before they are written; `finish()`
moves PostgreSQL's id sequences past them.
"""

from django.core.management.color import no_style
from django.db import connection, models


class TableWriter:
    """Buffers rows of one model (values keyed by attname) and writes them in batches."""

    def __init__(self, model: type[models.Model], *, batch_size: int = 5000, use_copy: bool = True):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        ops = connection.ops
        converters = []
        for f in self.fields:
            # Dates and times need the backend's own form (SQLite stores naive UTC text); the rest passes as is.
            if isinstance(f, models.DateTimeField):
                converters.append(ops.adapt_datetimefield_value)
            elif isinstance(f, models.DateField):
                converters.append(ops.adapt_datefield_value)
            else:
                converters.append(None)
        self.converters = converters
        self.defaults = [f.get_default() if f.has_default() else (None if f.null else "") for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        self.batch_size = batch_size
        self.copy = use_copy and connection.vendor == "postgresql"
        self.rows: list[tuple] = []
        self.written = 0
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        self.insert_sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(self.columns))})"
        self.copy_sql = f"COPY {table} ({cols}) FROM STDIN"

    def next_id(self) -> int:
        """The first free id of the table (call before adding rows, inside the writing transaction)."""
        table = connection.ops.quote_name(self.model._meta.db_table)
        pk = connection.ops.quote_name(self.model._meta.pk.column)
        with connection.cursor() as cur:
            cur.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")
            return cur.fetchone()[0] + 1

    def add(self, values: dict) -> None:
        row = []
        for name, default, convert in zip(self.attnames, self.defaults, self.converters):
            value = values.get(name, default)
            if convert is not None and value is not None:
                value = convert(value)
            row.append(value)
        self.rows.append(tuple(row))
        if len(self.rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        connection.ensure_connection()
        if self.copy:
            with connection.connection.cursor() as cur, cur.copy(self.copy_sql) as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            with connection.cursor() as cur:
                cur.executemany(self.insert_sql, self.rows)
        self.written += len(self.rows)
        self.rows = []

    def finish(self) -> None:
        self.flush()
        statements = connection.ops.sequence_reset_sql(no_style(), [self.model])
        if statements:
            with connection.cursor() as cur:
                for sql in statements:
                    cur.execute(sql)
