"""Background jobs of the dashboard: the roll-ups follow the journal every minute."""

import datetime as dt

from congvu.jobs import job


@job("dashboard.rollups", every=dt.timedelta(minutes=1))
def rollups_refresh() -> None:
    """Bring the dashboard's daily roll-ups up to date with the journal (idempotent)."""
    from congvu.dashboard.rollups import refresh

    result = refresh()
    while result.get("more"):
        result = refresh()
