"""Reference data shipped with congvu (document types as dated rules), loaded by migration and tests."""

import json
from pathlib import Path

DOCUMENT_TYPES_FILE = Path(__file__).resolve().parent / "data" / "document_types.json"


def load_document_types(model=None) -> int:
    """Insert or refresh the shipped document types; returns how many rows the file holds.

    `model` is the historical model inside a migration, the real one otherwise. Idempotent.
    """
    if model is None:
        from congvu.documents.models import DocumentType as model
    rows = json.loads(DOCUMENT_TYPES_FILE.read_text(encoding="utf-8"))
    for row in rows:
        model.objects.update_or_create(code=row["code"], valid_from=row["valid_from"], defaults=row)
    return len(rows)
