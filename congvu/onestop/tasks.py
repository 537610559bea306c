"""The apology reminder (REGULATIONS §4.2.5): when a dossier is about to be late, the system asks for the
apology letter while it can still be given — at least one working day before the deadline.

Every hour, for every dossier still being processed (status 2 or 4), without an apology, due within two
working days and whose apology deadline (one working day before the appointment) has not passed, the holder
of the current step (its handler, else its department, else the agency's leaders or counter staff) and the
receiving agency's counter staff get one notification. Idempotent: the notification key holds the dossier and
its appointment, so a second run tells nobody twice; a deadline moved by a pause gives a new reminder.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from congvu.jobs import job
from congvu.onestop.models import Dossier, DossierStep
from congvu.onestop.selectors import late_soon_among

KIND = "onestop.apology_due"


def _fmt(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def remind_apologies(*, now: dt.datetime | None = None) -> int:
    """Send the reminders due at `now`; returns the number of notifications created."""
    from django.urls import reverse

    from congvu.notifications.services import notify
    from congvu.onestop.processing import counter_staff, step_people

    now = now or timezone.now()
    total = 0
    for d in late_soon_among(Dossier.objects.all(), now=now, limit=100_000):
        if not d.apology_possible:
            continue
        step = (DossierStep.objects.filter(dossier=d, finished_at__isnull=True)
                .select_related("procedure_step").order_by("-position", "-id").first())
        people = set(counter_staff(d.agency_id))
        if step is not None:
            people.update(step_people(step))
        with transaction.atomic():
            total += notify(
                recipients=sorted(people), agency_id=d.agency_id, kind=KIND,
                title=f"Hồ sơ {d} sắp trễ hạn: cần lập phiếu xin lỗi trước {_fmt(d.apology_deadline)}",
                body=(f"{d.procedure_version.procedure.name} — {d.applicant_name}. Hẹn trả {_fmt(d.due_at)}. "
                      "Nếu không kịp trả đúng hẹn, lập phiếu xin lỗi và hẹn lại ngày trả (chỉ được hẹn lại một lần)."),
                url=reverse("onestop:dossier", args=[d.pk]), key=f"{KIND}:{d.pk}:{d.due_at.isoformat()}")
    return total


@job("onestop.apology_reminders", every=dt.timedelta(hours=1))
def apology_reminders() -> None:
    remind_apologies()
