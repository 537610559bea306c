"""The period report: every figure equals indicators.compute (whole scope and each unit), in HTML, PDF (read back
with pdftotext) and XLSX (read back with openpyxl); the Decree 30 header; who may; bad input."""

import datetime as dt
import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from openpyxl import load_workbook

from conftest import make_agency, make_official
from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.dashboard import indicators, reports
from congvu.dashboard import metrics as m
from congvu.dashboard.access import Scope
from congvu.dashboard.models import DailyFigure, EquipmentKind, EquipmentPoint, EquipmentStatus
from congvu.org.models import AgencyKind, Role

pytestmark = pytest.mark.django_db

D = dt.date
START, END = D(2025, 3, 2), D(2025, 3, 30)


@pytest.fixture
def deployment(agency):
    """The district `agency` (place Nông Sơn, under a province) with two communes, and a month of figures."""
    province = make_agency(name="UBND tỉnh Quảng Nam", kind=AgencyKind.PROVINCE_PC, place="Quảng Nam")
    agency.parent = province
    agency.save()
    a = make_agency(name="UBND xã Quế Trung", kind=AgencyKind.COMMUNE_PC, parent=agency, place="Quế Trung")
    b = make_agency(name="UBND xã Ninh Phước", kind=AgencyKind.COMMUNE_PC, parent=agency, place="Ninh Phước")

    def fig(metric, unit, day, value, split=None):
        """A total row (dimension "") and, when given, the rows splitting it {dimension: value}."""
        DailyFigure.objects.create(metric=metric, agency=unit, day=day, value=value, dimension="")
        for dim, v in (split or {}).items():
            DailyFigure.objects.create(metric=metric, agency=unit, day=day, value=v, dimension=dim)

    # The period 02/03–30/03/2025 (not whole months: only daily rows are read).
    # documents: district 12 in (8 electronic) on 03/03 and 4 out (4 electronic); commune a: 5 in (1 el.),
    # commune b: 3 in on 30/03, and 100 on 31/03 and 50 on 01/03 (outside the period)
    fig(m.DOC_IN, agency, D(2025, 3, 3), 12)
    fig(m.DOC_IN_ELECTRONIC, agency, D(2025, 3, 3), 8)
    fig(m.DOC_OUT, agency, D(2025, 3, 3), 4)
    fig(m.DOC_OUT_ELECTRONIC, agency, D(2025, 3, 3), 4)
    fig(m.DOC_IN, a, D(2025, 3, 10), 5)
    fig(m.DOC_IN_ELECTRONIC, a, D(2025, 3, 10), 1)
    fig(m.DOC_IN, b, D(2025, 3, 30), 3)
    fig(m.DOC_IN, b, D(2025, 3, 31), 100)
    fig(m.DOC_IN, b, D(2025, 3, 1), 50)
    # processing: district 6 on time, 2 late, 24 hours each (8 × 1440 minutes), department NV
    nv = str(agency.departments.get(code="NV").pk)
    fig(m.PROC_ON_TIME, agency, D(2025, 3, 5), 6, {nv: 6})
    fig(m.PROC_LATE, agency, D(2025, 3, 5), 2, {nv: 2})
    fig(m.PROC_MINUTES, agency, D(2025, 3, 5), 8 * 1440, {nv: 8 * 1440})
    # one-stop: commune a received 10 (4 online), 7 done on time, 1 late
    fig(m.DOSSIER_RECEIVED, a, D(2025, 3, 12), 10, {"1.000001": 10})
    fig(m.DOSSIER_ONLINE, a, D(2025, 3, 12), 4, {"1.000001": 4})
    fig(m.DOSSIER_ON_TIME, a, D(2025, 3, 20), 7, {"1.000001": 7})
    fig(m.DOSSIER_LATE, a, D(2025, 3, 20), 1, {"1.000001": 1})
    # staffing snapshots on the last day: district quota 20, in post 22; commune a quota 10, in post 9
    fig(m.STAFF_QUOTA, agency, END, 20)
    fig(m.STAFF_IN_POST, agency, END, 22)
    fig(m.STAFF_QUOTA, a, END, 10)
    fig(m.STAFF_IN_POST, a, END, 9)
    # exchange: district sent 7, received 3
    fig(m.EXCHANGE_SENT, agency, D(2025, 3, 4), 7)
    fig(m.EXCHANGE_RECEIVED, agency, D(2025, 3, 4), 3)
    # equipment: both communes' video conference online; 3 cameras in a
    EquipmentPoint.objects.create(agency=a, kind=EquipmentKind.VIDEO_CONFERENCE, name="Điểm cầu Quế Trung")
    EquipmentPoint.objects.create(agency=b, kind=EquipmentKind.VIDEO_CONFERENCE, name="Điểm cầu Ninh Phước")
    for i in range(3):
        EquipmentPoint.objects.create(agency=a, kind=EquipmentKind.CAMERA, name=f"Camera {i}",
                                      status=EquipmentStatus.ONLINE if i else EquipmentStatus.OFFLINE)
    return {"district": agency, "a": a, "b": b, "province": province}


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("hethong", password="matkhau-123")


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def build(user, agency=None):
    return reports.period_report(user, agency=agency, date_from="02/03/2025", date_to="30/03/2025",
                                 today=D(2025, 4, 2))


# --- the figures ------------------------------------------------------------------------------------------

def test_whole_report_figures_are_the_registry_figures_with_hand_checked_values(deployment, leader):
    report = build(leader)
    d, a, b = deployment["district"], deployment["a"], deployment["b"]
    assert set(report.scope.agency_ids) == {d.pk, a.pk, b.pk} and report.whole
    # hand-derived
    assert report.figure("documents_incoming").value == 20
    assert report.figure("documents_outgoing").value == 4
    # (8 + 1 + 4) / (20 + 4) = 54.2 %
    assert (report.figure("documents_electronic_share").value, report.figure("documents_electronic_share")
            .numerator, report.figure("documents_electronic_share").denominator) == (Decimal("54.2"), 13, 24)
    assert report.figure("dossiers_on_time_rate").value == Decimal("87.5")
    assert report.figure("dossiers_online_share").value == Decimal("40.0")
    assert report.figure("dossiers_satisfaction").value is None
    assert report.figure("staffing_surplus").value == 1  # 31 in post − 30 quota
    assert report.figure("exchange_sent").value == 7
    vc = report.figure("equipment_video_conference")
    assert (vc.value, vc.numerator, vc.denominator) == (2, 2, 2)
    cams = report.figure("equipment_cameras")
    assert (cams.value, cams.numerator, cams.denominator) == (3, 1, 2)
    # every figure is compute() over the scope, each in its section, all keys present, footnotes numbered 1..n
    scope = Scope(report.scope.agency_ids, START, END)
    assert {f.key for f in report.notes} == set(indicators.INDICATORS)
    assert [f.note for f in report.notes] == list(range(1, len(indicators.INDICATORS) + 1))
    for section in report.sections:
        for f in section.figures:
            r = indicators.compute(f.key, scope)
            assert indicators.get(f.key).group == section.group
            assert (f.value, f.numerator, f.denominator) == (r.value, r.numerator, r.denominator), f.key
            assert f.formula == indicators.get(f.key).formula


def test_average_processing_time_is_in_days(deployment, leader):
    # 8 documents of 24 hours each
    assert build(leader).figure("processing_average_days").value == Decimal("1.0")


def test_unit_rows_are_compute_over_each_agency_alone(deployment, leader):
    report = build(leader)
    d, a = deployment["district"], deployment["a"]
    for section in report.sections:
        assert [u.name for u in section.units] == ["UBND huyện Nông Sơn", "UBND xã Ninh Phước", "UBND xã Quế Trung"]
        for unit in section.units:
            for f in unit.figures:
                r = indicators.compute(f.key, Scope((unit.agency_id,), START, END))
                assert (f.value, f.numerator, f.denominator) == (r.value, r.numerator, r.denominator)
    docs = next(s for s in report.sections if s.group == "documents")
    by_unit = {u.agency_id: {f.key: f.value for f in u.figures} for u in docs.units}
    assert by_unit[d.pk]["documents_incoming"] == 12 and by_unit[a.pk]["documents_incoming"] == 5


def test_report_of_one_commune_has_no_unit_table_and_its_own_header(deployment, leader):
    a = deployment["a"]
    report = build(leader, agency=a.pk)
    assert report.scope.agency_ids == (a.pk,) and not report.whole
    assert all(not s.units for s in report.sections)
    assert (report.issuer_name, report.upper_name, report.place) == ("UBND xã Quế Trung", "UBND huyện Nông Sơn",
                                                                     "Quế Trung")
    assert report.figure("documents_incoming").value == 5
    assert report.subtitle == "Tình hình hoạt động của UBND xã Quế Trung từ ngày 02/03/2025 đến ngày 30/03/2025"


def test_header_of_the_whole_report(deployment, leader):
    report = build(leader)
    assert (report.issuer_name, report.upper_name, report.notation) == ("UBND huyện Nông Sơn", "UBND tỉnh Quảng Nam",
                                                                        "UBND")
    assert reports.place_date(report) == "Nông Sơn, ngày 02 tháng 4 năm 2025"
    assert report.subtitle == ("Tình hình hoạt động của UBND huyện Nông Sơn và các cơ quan, đơn vị trực thuộc "
                               "từ ngày 02/03/2025 đến ngày 30/03/2025")
    assert [(s.number, s.group) for s in report.sections] == [
        ("I", "documents"), ("II", "processing"), ("III", "onestop"), ("IV", "staffing"), ("V", "exchange"),
        ("VI", "equipment")]


def test_numbers_as_written():
    assert reports.fmt_number(None) == "—"
    assert reports.fmt_number(1234567) == "1.234.567"
    assert reports.fmt_number(Decimal("87.5")) == "87,5"
    assert reports.fmt_number(Decimal("1234.0")) == "1.234,0"
    assert reports.fmt_number(-3) == "-3"
    assert reports.long_date(D(2026, 2, 7)) == "ngày 07 tháng 02 năm 2026"
    assert reports.long_date(D(2026, 11, 27)) == "ngày 27 tháng 11 năm 2026"


# --- who may, bad input -----------------------------------------------------------------------------------------

def test_scope_is_what_the_user_sees(deployment, leader, clerk, other_agency):
    commune_leader = make_official(deployment["a"], Role.LEADER).user
    assert build(commune_leader).scope.agency_ids == (deployment["a"].pk,)
    with pytest.raises(PermissionDenied):
        build(commune_leader, agency=deployment["district"].pk)
    with pytest.raises(PermissionDenied):
        build(leader, agency=other_agency.pk)
    with pytest.raises(PermissionDenied):
        build(clerk)


@pytest.mark.parametrize("date_from, date_to, fields", [
    ("31/02/2025", "", {"from"}),
    ("01/01/0001", "31/13/2025", {"from", "to"}),
    ("01/04/2025", "01/03/2025", {"from"}),
    ("\x00", "", {"from"}),
])
def test_bad_dates_are_refused_with_vietnamese_messages(deployment, leader, date_from, date_to, fields):
    with pytest.raises(ValidationFailed) as exc:
        reports.period_report(leader, date_from=date_from, date_to=date_to)
    assert set(exc.value.fields) == fields
    assert "Ngày" in exc.value.message


def test_bad_agency_is_refused(deployment, leader):
    with pytest.raises(ValidationFailed) as exc:
        reports.period_report(leader, agency="abc")
    assert exc.value.fields == {"agency": "Mã cơ quan phải là số."}


# --- the formats ------------------------------------------------------------------------------------------------

def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_pdf_carries_the_header_sections_and_every_figure(deployment, leader, tmp_path):
    report = build(leader)
    content = reports.report_pdf(report)
    assert content.startswith(b"%PDF")
    text = _pdf_text(content, tmp_path)
    flat = " ".join(text.split())
    for words in ("UBND TỈNH QUẢNG NAM", "UBND HUYỆN NÔNG SƠN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                  "Độc lập - Tự do - Hạnh phúc", "Nông Sơn, ngày 02 tháng 4 năm 2025", "Số: /BC-UBND", "BÁO CÁO",
                  "từ ngày 02/03/2025 đến ngày 30/03/2025", "I. CÔNG TÁC VĂN THƯ", "VI. HẠ TẦNG, THIẾT BỊ",
                  "Ghi chú: cách tính các chỉ tiêu", "THỦ TRƯỞNG CƠ QUAN"):
        assert words in flat, words
    lines = text.splitlines()
    for f in report.notes:
        # the figure's row in its section table: name, footnote number, the value as written
        row = next(line for line in lines if f"{f.name} ({f.note})" in line and "  " in line.strip())
        assert f" {f.text} " in f" {row} ", (f.key, row)
        if f.ratio_text:
            assert f.ratio_text in row
        # the footnote with its formula (first words, the line may wrap)
        assert f"({f.note}) {f.name} ({f.unit}, {f.period}): {' '.join(f.formula.split()[:4])}" in flat
    # a unit row of section I: the district's 12 incoming, 4 outgoing, 75,0 % electronic ((8 + 4) / 16)
    unit_line = next(line for line in lines if line.strip().startswith("1") and "UBND huyện Nông Sơn" in line)
    assert unit_line.split()[-3:] == ["12", "4", "75,0"]
    # every unit row of every section, in order, carries that unit's figures as written
    unit_rows = [line.split() for line in lines if re.match(r"^\s*\d+\s+UBND (huyện|xã) ", line)]
    expected = [[str(i), *u.name.split(), *(f.text for f in u.figures)]
                for s in report.sections for i, u in enumerate(s.units, 1)]
    assert unit_rows == expected


def test_pdf_of_a_unit(deployment, leader, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed")
    text = _pdf_text(reports.report_pdf(build(leader, agency=deployment["a"].pk)), tmp_path)
    assert "UBND XÃ QUẾ TRUNG" in text and "Số liệu theo từng cơ quan" not in text


def _rows(content: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(content))["Báo cáo"]
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


def test_xlsx_reads_back_to_the_registry_figures(deployment, leader):
    report = build(leader)
    rows = _rows(reports.report_xlsx(report))
    assert rows[0][0] == "UBND TỈNH QUẢNG NAM" and rows[0][3] == reports.MOTTO
    assert rows[1][0] == "UBND HUYỆN NÔNG SƠN" and rows[1][3] == reports.MOTTO_2
    assert rows[2][3] == "Nông Sơn, ngày 02 tháng 4 năm 2025"
    assert rows[4][0] == "BÁO CÁO" and rows[5][0] == report.subtitle
    scope = Scope(report.scope.agency_ids, START, END)
    figure_rows = {(r[1], r[2]): r for r in rows if isinstance(r[0], int) and isinstance(r[2], str)
                   and r[2].startswith("(")}
    for key in indicators.INDICATORS:
        ind, res = indicators.get(key), indicators.compute(key, scope)
        f = report.figure(key)
        row = figure_rows[(ind.name, f"({f.note})")]
        expected = float(res.value) if isinstance(res.value, Decimal) else res.value
        assert (row[3], row[4], row[5], row[6]) == (expected, res.numerator, res.denominator, ind.unit), key
    # the per-unit table of section I, read back
    d, a, b = deployment["district"], deployment["a"], deployment["b"]
    header = next(i for i, r in enumerate(rows) if r[1] == "Cơ quan, đơn vị")
    units = {r[2]: r[3:6] for r in rows[header + 1:header + 4]}
    assert units == {d.pk: (12, 4, 75.0), a.pk: (5, 0, 20.0), b.pk: (3, 0, 0.0)}
    assert rows[header + 4][1:6] == ("Tổng cộng", None, 20, 4, 54.2)
    notes = {r[0]: r for r in rows if isinstance(r[0], str) and r[0].startswith("(") and len(r) > 3}
    assert notes["(1)"][1:4] == ("Văn bản đến", "văn bản; theo ngày trong kỳ",
                                 indicators.get("documents_incoming").formula)


# --- the page ----------------------------------------------------------------------------------------------------

def test_page_html_pdf_xlsx(deployment, leader):
    c = login(leader)
    params = {"from": "02/03/2025", "to": "30/03/2025"}
    r = c.get("/dashboard/reports/", params)
    html = r.content.decode()
    assert r.status_code == 200
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "I. Công tác văn thư" in html
    assert '<tr data-key="documents_incoming">' in html and "<strong>20</strong>" in html
    r = c.get("/dashboard/reports/", params | {"format": "pdf"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    r = c.get("/dashboard/reports/", params | {"format": "xlsx", "agency": deployment["a"].pk})
    assert r.status_code == 200 and r["Content-Type"] == reports.XLSX_TYPE
    assert f'filename="bao-cao-{deployment["a"].pk}-20250302-20250330.xlsx"' in r["Content-Disposition"]
    assert _rows(r.content)[1][0] == "UBND XÃ QUẾ TRUNG"


def test_page_needs_login_and_a_dashboard_role(client, deployment, clerk, other_agency, leader):
    r = client.get("/dashboard/reports/")
    assert r.status_code == 302 and r.url.startswith("/login/")
    assert login(clerk).get("/dashboard/reports/").status_code == 403
    assert login(leader).get("/dashboard/reports/", {"agency": other_agency.pk}).status_code == 403


@pytest.mark.parametrize("params, message", [
    ({"from": "32/01/2025"}, "Ngày không hợp lệ"),
    ({"from": "01/01/0001"}, "Năm phải từ 1900 đến 2999"),
    ({"from": "01/04/2025", "to": "01/03/2025"}, "Ngày bắt đầu phải trước ngày kết thúc"),
    ({"agency": "x\x00"}, "Mã cơ quan không hợp lệ"),
    ({"format": "docx"}, "Định dạng không hợp lệ"),
])
def test_page_bad_input_is_a_message(deployment, leader, params, message):
    r = login(leader).get("/dashboard/reports/", params)
    assert r.status_code == 400 and message in r.content.decode()


def test_superuser_whole_deployment(deployment, superuser, other_agency):
    report = build(superuser)
    assert set(report.scope.agency_ids) == {deployment[k].pk for k in ("district", "a", "b", "province")} | {
        other_agency.pk}
    assert report.issuer is None and report.issuer_name == "Các cơ quan, đơn vị"
    assert report.subtitle.startswith("Tình hình hoạt động của 5 cơ quan, đơn vị từ ngày 02/03/2025")
    assert report.figure("documents_incoming").value == 20


def test_page_without_parameters_is_this_month_of_everything_the_user_sees(deployment, leader):
    from django.utils import timezone

    today = timezone.localdate()
    r = login(leader).get("/dashboard/reports/")
    html = r.content.decode()
    assert r.status_code == 200
    assert f"từ ngày {today.replace(day=1):%d/%m/%Y} đến ngày {today:%d/%m/%Y}" in html
    assert "và các cơ quan, đơn vị trực thuộc" in html and "Tải PDF" in html
