"""Statistics over dossiers made by the real receiving and processing services (not hand-written rows), so the
fields the services fill (accepted_at, processed_at, finished_at, paused_at, timeliness) mean what the
statistics read. October 2026, read on 15/11/2026 (T = 01/11/2026 00:00)."""

import pytest

from congvu.onestop import processing, receiving, stats
from congvu.onestop.models import DossierStatus, ReturnMethod
from congvu.onestop.tests import factories_o5 as f

pytestmark = pytest.mark.django_db

APPLICANT = {"kind": 1, "name": "Trần Thị Bình", "id_number": "049190000123", "phone": "0905123456",
             "address": "Thôn 2, xã Quế Trung"}


def receive(user, agency, version, at, **kw):
    papers = [{"component_id": c.pk, "provided": True} for c in version.components.all()]
    return receiving.dossier_receive(actor=user, agency=agency, version=version, applicant=dict(APPLICANT),
                                     components=kw.pop("components", papers), received_at=at, **kw)


def test_statistics_of_dossiers_made_by_the_services(agency, onestop, leader, procedure_version):
    v = procedure_version  # 5 working days
    d1 = receive(onestop, agency, v, f.at(5))  # Monday 05/10
    processing.dossier_record_result(actor=leader, dossier=d1, note="Đã cấp", at=f.at(7, 10))
    processing.dossier_return_result(actor=onestop, dossier=d1, method=ReturnMethod.IN_PERSON,
                                     returned_to="Trần Thị Bình", at=f.at(8, 10))
    d2 = receive(onestop, agency, v, f.at(6))
    processing.dossier_withdraw(actor=onestop, dossier=d2, reason="Công dân xin rút", at=f.at(9, 10))
    d3 = receive(onestop, agency, v, f.at(7))  # never processed: overdue at T
    receiving.dossier_refuse(actor=onestop, agency=agency, version=v, applicant=dict(APPLICANT),
                             components=[], reason="Không thuộc thẩm quyền", at=f.at(8))
    receive(onestop, agency, v, f.at(9), outcome="supplement", components=[],
            supplement_items=["Giấy chứng sinh"], reason="Thiếu giấy chứng sinh")
    d6 = receive(onestop, agency, v, f.at(20))
    receiving.dossier_request_supplement(actor=onestop, dossier=d6, items=["Bản sao giấy tờ tùy thân"],
                                         reason="Bản chụp không rõ", at=f.at(21))
    for d, status in ((d1, DossierStatus.RETURNED), (d2, DossierStatus.WITHDRAWN), (d3, DossierStatus.ACCEPTED)):
        d.refresh_from_db()
        assert d.status == status or (d is d3 and d.status == DossierStatus.PROCESSING)

    t = stats.stats_report(user=leader, date_from="01/10/2026", date_to="31/10/2026", now=f.NOW).total.values
    # received: d1, d2, d3, the counter supplement (d5) and d6 — all at the counter; the refusal is not received.
    assert (t["carried_over"], t["received"], t["received_counter"], t["total"]) == (0, 5, 5, 5)
    assert t["done_early"] == 1  # d1: result on 07/10, appointment 12/10
    assert t["withdrawn"] == 1  # d2
    assert t["in_progress_overdue"] == 1  # d3: appointment 12/10 < T
    assert t["supplement"] == 2  # d5 (at the counter), d6 (after acceptance)
    assert t["refused"] == 1
    # on-time rate = (early 1 + withdrawn 1 + supplement 2) / 5
    assert stats.stats_report(user=leader, date_from="01/10/2026", date_to="31/10/2026",
                              now=f.NOW).total.on_time_rate == pytest.approx(4 / 5)
