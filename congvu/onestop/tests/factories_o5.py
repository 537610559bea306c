"""A hand-built month of dossiers with known statistics (October 2026, read on 15/11/2026 10:00).

Every dossier is written straight through the ORM with chosen statuses and times, so the statistics and
indicator tests can assert exact figures derived by hand (the derivations are in the tests' comments).
Numbers in names (d1 … d25) are the dossier numbers the tests refer to.

Agencies: A (district, the leader's), B (a commune under A), C (unrelated commune).
Procedures: P1 (5 working days; most dossiers), P2 (one dossier in B).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from congvu.onestop.models import (
    Channel,
    Dossier,
    DossierComponent,
    DossierStatus,
    DossierStep,
    Pause,
    PauseKind,
    Rating,
    Timeliness,
)
from congvu.onestop.tests.conftest import make_procedure

NOW = dt.datetime(2026, 11, 15, 10, 0, tzinfo=timezone.get_fixed_timezone(7 * 60))
S = dt.datetime(2026, 10, 1, tzinfo=timezone.get_fixed_timezone(7 * 60))  # period start (October)
E = dt.datetime(2026, 11, 1, tzinfo=timezone.get_fixed_timezone(7 * 60))  # period end


def at(day: int, hour: int = 9, minute: int = 0, month: int = 10) -> dt.datetime:
    """A local (UTC+7) moment of 2026."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=timezone.get_fixed_timezone(7 * 60))


@dataclass
class Dataset:
    a: object
    b: object
    c: object
    p1: object
    p2: object
    d: dict  # number → Dossier


def build(*, agency_a, agency_b, agency_c, official) -> Dataset:
    v1 = make_procedure()
    v2 = make_procedure(local_code="1.004227.000.00.00.H40", name="Đăng ký kết hôn", time_limit="3")
    made: dict[int, Dossier] = {}

    def dossier(n, *, status, channel=Channel.COUNTER, accepted=None, submitted=None, due=None, processed=None,
                finished=None, timeliness="", paused=None, agency=None, version=None, clock_start=None):
        made[n] = Dossier.objects.create(
            agency=agency or agency_a, procedure_version=version or v1, code=f"T-{n:04d}", status=status,
            channel=channel, applicant_name=f"Người nộp {n}", submitted_at=submitted or accepted,
            accepted_at=accepted, clock_start=clock_start or accepted, due_at=due, original_due_at=due,
            processed_at=processed, finished_at=finished, timeliness=timeliness, paused_at=paused,
            received_by=official)
        return made[n]

    P, R = DossierStatus.PROCESSED, DossierStatus.RETURNED
    # carried over from September
    dossier(1, status=R, accepted=at(20, month=9), due=at(8), processed=at(5), finished=at(6),
            timeliness=Timeliness.EARLY)
    dossier(2, status=P, accepted=at(25, month=9), due=at(2), processed=at(10), timeliness=Timeliness.LATE)
    dossier(3, status=R, accepted=at(1, month=9), due=at(8, month=9), processed=at(15, month=9),
            finished=at(16, month=9), timeliness=Timeliness.EARLY)  # ended before the period
    dossier(4, status=DossierStatus.PROCESSING, accepted=at(28, month=9), due=at(15))
    dossier(25, status=R, accepted=at(15, month=9), due=at(30, month=9), processed=S, finished=at(2),
            timeliness=Timeliness.LATE)  # ended exactly at the period's first moment
    dossier(24, status=DossierStatus.WITHDRAWN, accepted=at(10, month=9), finished=at(25, month=9))
    # received in October
    dossier(5, status=R, accepted=S, due=at(7, 17), processed=at(7), finished=at(8), timeliness=Timeliness.ON_TIME)
    dossier(6, status=P, channel=Channel.ONLINE, submitted=at(2), accepted=at(3), due=at(9, 17),
            processed=at(9, 10))  # no recorded timeliness: 10:00 ≤ 17:00 → on time
    dossier(7, status=R, channel=Channel.POSTAL, accepted=at(5), due=at(12), processed=at(20), finished=at(21))
    dossier(8, status=DossierStatus.PROCESSING, channel=Channel.ONLINE, accepted=at(20), due=at(5, month=11))
    dossier(9, status=DossierStatus.ACCEPTED, accepted=at(30), due=at(1, 10, month=11))
    dossier(10, status=DossierStatus.PROCESSING, accepted=at(10), due=at(30))
    dossier(11, status=DossierStatus.SUPPLEMENT, accepted=at(12), due=at(20), paused=at(15))
    dossier(12, status=DossierStatus.FINANCIAL, channel=Channel.ONLINE, accepted=at(13), due=at(27), paused=at(25))
    dossier(13, status=DossierStatus.STOPPED, accepted=at(14), due=at(29), paused=at(28))
    dossier(14, status=DossierStatus.SUPPLEMENT, accepted=at(29), due=at(10, month=11), paused=at(5, month=11))
    dossier(15, status=DossierStatus.WITHDRAWN, accepted=at(16), due=at(23), finished=at(18))
    dossier(16, status=R, channel=Channel.ONLINE, accepted=at(26), due=at(31, 12), processed=at(3, month=11),
            finished=at(4, month=11))
    dossier(17, status=DossierStatus.PROCESSING, accepted=E, due=at(20, month=11))  # first moment after
    dossier(18, status=DossierStatus.REFUSED, submitted=at(14), finished=at(14, 10))
    dossier(23, status=DossierStatus.REFUSED, submitted=at(20, month=9), finished=at(20, month=9))
    dossier(19, status=DossierStatus.REGISTERED, channel=Channel.ONLINE, submitted=at(30))
    dossier(20, status=DossierStatus.SUPPLEMENT, submitted=at(22), paused=at(22))  # at the counter, not accepted
    dossier(21, status=R, agency=agency_b, version=v2, accepted=at(15), due=at(20), processed=at(17),
            finished=at(17), timeliness=Timeliness.EARLY)
    dossier(22, status=DossierStatus.PROCESSING, agency=agency_c, accepted=at(15), due=at(20))

    nv = agency_a.departments.get(code="NV")
    DossierStep.objects.create(dossier=made[10], position=1, name="Thẩm định", agency=agency_a, department=nv,
                               started_at=at(11), due_at=at(20))
    DossierStep.objects.create(dossier=made[5], position=1, name="Thẩm định", agency=agency_a, department=nv,
                               started_at=at(2), due_at=at(5), finished_at=at(4), timeliness=Timeliness.EARLY)
    DossierStep.objects.create(dossier=made[4], position=1, name="Thẩm định", agency=agency_a, department=nv,
                               started_at=at(29, month=9), due_at=at(5), finished_at=at(6),
                               timeliness=Timeliness.LATE)
    DossierStep.objects.create(dossier=made[1], position=0, name="Tiếp nhận", agency=agency_a,
                               started_at=at(20, month=9), finished_at=at(20, month=9))  # no department
    return Dataset(agency_a, agency_b, agency_c, v1.procedure, v2.procedure, made)


def add_indicator_data(ds: Dataset, official) -> None:
    """Pauses, papers and ratings on top of `build` for the Decision 766 indicators."""
    d = ds.d
    # d7 (postal, late anyway) and d6 (online, on time, no recorded timeliness) had two supplement requests:
    # "more than one supplement ⇒ late" turns d6 late for indicator 2.1.
    for n in (6, 6, 7):
        Pause.objects.create(dossier=d[n], kind=PauseKind.SUPPLEMENT, started_at=at(4), ended_at=at(5),
                             actor=official)
    Pause.objects.create(dossier=d[11], kind=PauseKind.SUPPLEMENT, started_at=at(15), actor=official)
    # Papers of the dossiers received in October (P1 has three components; d5, d6, d8 uploaded all three, d7
    # has two papers without files).
    for n in (5, 6, 8):
        for i in range(3):
            DossierComponent.objects.create(dossier=d[n], name=f"Giấy tờ {i}", provided=True,
                                            file=_file(f"{n}-{i}"))
    for i in range(2):
        DossierComponent.objects.create(dossier=d[7], name=f"Giấy tờ {i}", provided=True)
    DossierComponent.objects.create(dossier=d[7], name="Giấy tờ chưa nộp", provided=False)
    # The counters receiving keeps on each dossier (provided papers, those with a file).
    for n, provided, digitised in ((5, 3, 3), (6, 3, 3), (8, 3, 3), (7, 2, 0)):
        Dossier.objects.filter(pk=d[n].pk).update(papers_provided=provided, papers_digitised=digitised)
    # d5 has an electronic result.
    d[5].result_file = _file("result-5")
    d[5].save(update_fields=["result_file"])
    # Ratings: d1 very satisfied, d5 satisfied, d7 dissatisfied; d3 (September) rated but out of the period.
    for n, overall, when in ((1, 2, at(7)), (5, 1, at(9)), (7, 0, at(22)), (3, 0, at(17, month=9))):
        Rating.objects.create(dossier=d[n], created_at=when, overall=overall)


def _file(name: str):
    """A stored-file row (the statistics only count that a file is there; nothing is read)."""
    import hashlib

    from congvu.documents.models import StoredFile

    digest = hashlib.sha256(name.encode()).hexdigest()
    return StoredFile.objects.create(sha256=digest, size=1, content_type="application/pdf",
                                     path=f"test/{digest}")
