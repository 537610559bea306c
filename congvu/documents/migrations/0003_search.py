"""The search index: one SearchEntry row per document, plus the engine's own index on it.

The engine objects are created by RunPython because they differ by database (see
docs/decisions/0002-search.md): an FTS5 external-content table kept in step by triggers on SQLite,
a generated tsvector column with a GIN index on PostgreSQL.
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE_UP = [
    # External content: the text lives once, in documents_searchentry; FTS5 keeps only the index.
    # unicode61 is enough because the body is already folded to lower-case ASCII words.
    ("CREATE VIRTUAL TABLE documents_search USING fts5("
     "body, content='documents_searchentry', content_rowid='document_id', tokenize='unicode61')"),
    ("CREATE TRIGGER documents_search_ai AFTER INSERT ON documents_searchentry BEGIN "
     "INSERT INTO documents_search(rowid, body) VALUES (new.document_id, new.body); END"),
    ("CREATE TRIGGER documents_search_ad AFTER DELETE ON documents_searchentry BEGIN "
     "INSERT INTO documents_search(documents_search, rowid, body) VALUES ('delete', old.document_id, old.body); "
     "END"),
    ("CREATE TRIGGER documents_search_au AFTER UPDATE ON documents_searchentry BEGIN "
     "INSERT INTO documents_search(documents_search, rowid, body) VALUES ('delete', old.document_id, old.body); "
     "INSERT INTO documents_search(rowid, body) VALUES (new.document_id, new.body); END"),
    # Index whatever rows already exist (none on a fresh database).
    "INSERT INTO documents_search(documents_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS documents_search_au",
    "DROP TRIGGER IF EXISTS documents_search_ad",
    "DROP TRIGGER IF EXISTS documents_search_ai",
    "DROP TABLE IF EXISTS documents_search",
]

POSTGRES_UP = [
    # 'simple' keeps every word as it is (no stemming, no stop words): the text is already folded.
    ("ALTER TABLE documents_searchentry ADD COLUMN tsv tsvector "
     "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED"),
    "CREATE INDEX documents_searchentry_tsv ON documents_searchentry USING gin (tsv)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS documents_searchentry_tsv",
    "ALTER TABLE documents_searchentry DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_document_types")]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("document", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                                  related_name="search_entry", serialize=False,
                                                  to="documents.document")),
                ("body", models.TextField()),
            ],
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
