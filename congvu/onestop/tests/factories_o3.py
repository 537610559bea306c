"""Dossiers for the printed forms and the public pages, built through the ORM (the receiving and processing
services have their own tests): a dossier accepted at the counter, handed over, and optionally returned."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from congvu.onestop.models import (
    Channel,
    Dossier,
    DossierComponent,
    DossierEvent,
    DossierStatus,
    DossierStep,
    ReturnMethod,
    Timeliness,
)

_seq = itertools.count(1)


def at(day: str, hm: str = "09:00") -> dt.datetime:
    """An aware local datetime from “27/11/2026” and “09:00”."""
    return timezone.make_aware(dt.datetime.strptime(f"{day} {hm}", "%d/%m/%Y %H:%M"))


def make_dossier(*, agency, version, received_by=None, status=DossierStatus.PROCESSING, code=None,
                 applicant_name="Nguyễn Văn An", id_number="001203004567", phone="0912345678",
                 email="an.nguyen@example.vn", address="Thôn Phú Thượng, xã Quế Phước",
                 accepted=at("02/03/2026", "09:15"), due=at("09/03/2026", "09:15"), returned=False,
                 department=None, channel=Channel.COUNTER) -> Dossier:
    n = next(_seq)
    code = code or f"{agency.identifier}-{accepted:%y%m%d}-{n:04d}"
    dossier = Dossier.objects.create(
        agency=agency, procedure_version=version, code=code, status=status, channel=channel,
        applicant_name=applicant_name, applicant_id_number=id_number, applicant_phone=phone,
        applicant_email=email, applicant_address=address, request_summary="Đăng ký khai sinh cho con",
        submitted_at=accepted, accepted_at=accepted, clock_start=accepted, due_at=due, original_due_at=due,
        received_by=received_by,
    )
    for component in version.components.all():
        DossierComponent.objects.create(dossier=dossier, component=component, name=component.name,
                                        provided=component.required)
    steps = list(version.steps.all())
    counter = steps[0]
    DossierStep.objects.create(dossier=dossier, procedure_step=counter, position=0, name=counter.name,
                               agency=agency, handler=received_by, started_at=accepted,
                               due_at=accepted + dt.timedelta(hours=4), finished_at=accepted + dt.timedelta(minutes=10),
                               timeliness=Timeliness.EARLY)
    office = DossierStep.objects.create(dossier=dossier, procedure_step=steps[1], position=1, name=steps[1].name,
                                        agency=agency, department=department,
                                        given_by=received_by, started_at=accepted + dt.timedelta(minutes=10),
                                        due_at=accepted + dt.timedelta(days=3))
    DossierEvent.objects.create(dossier=dossier, at=accepted, kind="accepted", status=DossierStatus.ACCEPTED,
                                actor=received_by, note="Ghi chú nội bộ không được công khai")
    DossierEvent.objects.create(dossier=dossier, at=accepted + dt.timedelta(minutes=10), kind="handed_over",
                                status=DossierStatus.PROCESSING, actor=received_by)
    if returned:
        done = accepted + dt.timedelta(days=3)
        office.finished_at, office.timeliness = done, Timeliness.EARLY
        office.save(update_fields=["finished_at", "timeliness"])
        dossier.status = DossierStatus.RETURNED
        dossier.processed_at = done
        dossier.finished_at = done + dt.timedelta(hours=2)
        dossier.timeliness = Timeliness.EARLY
        dossier.return_method = ReturnMethod.IN_PERSON
        dossier.returned_to = applicant_name
        dossier.save()
        DossierEvent.objects.create(dossier=dossier, at=done, kind="processed",
                                    status=DossierStatus.PROCESSED, actor=received_by)
        DossierEvent.objects.create(dossier=dossier, at=dossier.finished_at, kind="returned",
                                    status=DossierStatus.RETURNED, actor=received_by)
    return dossier
