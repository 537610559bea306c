"""The retention schedule shipped with congvu, loaded by a data migration (and by transactional tests).

The file holds only the items we can source (REGULATIONS §2.13: the full TT 10/2022/TT-BNV table was
not found); the rows are ordinary data that the system administrator extends on /records/retention/.
"""

import json
from pathlib import Path

RETENTION_FILE = Path(__file__).resolve().parent / "data" / "retention_schedules.json"


def load_retention_schedules(schedule_model=None, item_model=None) -> int:
    """Insert the shipped schedules and items that are missing; returns how many schedules the file holds.

    Rows already present are left as the administrator edited them. `schedule_model`/`item_model` are
    the historical models inside a migration, the real ones otherwise. Idempotent.
    """
    if schedule_model is None:
        from congvu.records.models import RetentionItem as item_model
        from congvu.records.models import RetentionSchedule as schedule_model
    rows = json.loads(RETENTION_FILE.read_text(encoding="utf-8"))
    for row in rows:
        items = row.pop("items")
        schedule, _ = schedule_model.objects.get_or_create(code=row["code"], defaults=row)
        for position, item in enumerate(items):
            item_model.objects.get_or_create(schedule=schedule, code=item["code"],
                                             defaults=item | {"position": position})
    return len(rows)
