"""Dossier codes: the shipped templates, the default `{agency}-{yyMMdd}-{N}`, the TT 04/2025 national format
switched on from a date, agency overrides, a sequence that never stops at 9999, rollbacks that give the
number back, and (tests/test_codes_concurrency.py) many receipts at once."""

import datetime as dt
import json

import pytest
from django.db import transaction

from conftest import make_agency
from congvu.audit.models import JournalEntry
from congvu.core.errors import ValidationFailed
from congvu.onestop.codes import (
    DEFAULT,
    agency_national_code,
    code_template_use,
    code_templates_load,
    dossier_code_allocate,
    template_check,
    template_in_force,
)
from congvu.onestop.models import DossierCodeTemplate, DossierSequence

pytestmark = pytest.mark.django_db
D = dt.date
NATIONAL = "Mã hồ sơ theo Thông tư 04/2025/TT-VPCP"


@pytest.fixture
def h56():
    return make_agency(name="UBND xã Quảng Phú", identifier="000.05.21.H56")


def allocate(agency, on):
    with transaction.atomic():
        return dossier_code_allocate(agency=agency, on=on)


def test_the_data_migration_ships_two_templates():
    rows = list(DossierCodeTemplate.objects.order_by("valid_from").values_list(
        "agency", "template", "system_code", "min_digits", "valid_from", "valid_to", "active"))
    assert rows == [
        (None, "{agency}-{yyMMdd}-{N}", "", 4, D(2018, 1, 1), None, True),
        (None, "{agency_national}-{yyMMdd}-{AA}{N}", "", 4, D(2026, 1, 25), None, False),
    ]
    assert "TT 04/2025/TT-VPCP" in DossierCodeTemplate.objects.get(name=NATIONAL).basis


def test_default_codes_follow_a_per_agency_daily_sequence(h56, agency):
    day = D(2026, 3, 5)
    assert [allocate(h56, day) for _ in range(3)] == [
        "000.05.21.H56-260305-0001", "000.05.21.H56-260305-0002", "000.05.21.H56-260305-0003"]
    assert allocate(h56, D(2026, 3, 6)) == "000.05.21.H56-260306-0001"   # a new day starts again
    assert allocate(agency, day) == f"{agency.identifier}-260305-0001"   # another agency, its own sequence
    assert allocate(h56, day) == "000.05.21.H56-260305-0004"
    assert sorted(DossierSequence.objects.filter(agency=h56).values_list("day", "last")) == [
        (day, 4), (D(2026, 3, 6), 1)]


def test_the_sequence_has_no_fixed_maximum(h56):
    DossierSequence.objects.create(agency=h56, day=D(2026, 3, 5), last=9998)
    assert allocate(h56, D(2026, 3, 5)) == "000.05.21.H56-260305-9999"
    assert allocate(h56, D(2026, 3, 5)) == "000.05.21.H56-260305-10000"


def test_a_rolled_back_receipt_gives_its_number_back(h56):
    assert allocate(h56, D(2026, 3, 5)) == "000.05.21.H56-260305-0001"
    with pytest.raises(RuntimeError), transaction.atomic():
        assert dossier_code_allocate(agency=h56, on=D(2026, 3, 5)) == "000.05.21.H56-260305-0002"
        raise RuntimeError("the receipt failed after taking its code")
    assert allocate(h56, D(2026, 3, 5)) == "000.05.21.H56-260305-0002"
    # the first receipt of a day rolled back too: its row goes with it, and the day starts at 1
    with pytest.raises(RuntimeError), transaction.atomic():
        dossier_code_allocate(agency=h56, on=D(2026, 3, 9))
        raise RuntimeError("failed")
    assert not DossierSequence.objects.filter(agency=h56, day=D(2026, 3, 9)).exists()
    assert allocate(h56, D(2026, 3, 9)) == "000.05.21.H56-260309-0001"


def test_an_agency_without_identifier_uses_its_id(db):
    bare = make_agency(name="Tổ công tác", identifier="")
    assert allocate(bare, D(2026, 3, 5)) == f"CQ{bare.pk}-260305-0001"


def test_agency_national_code_reads_qcvn_102_in_the_tt_04_order():
    assert agency_national_code("000.05.21.H56") == "H56.021.05"
    assert agency_national_code("G01.00.00.H40") == "H40.000.00"
    assert agency_national_code("CQ7") == "CQ7"


def test_the_national_format_is_put_in_force_with_its_aa_digits(h56, onestop):
    before = allocate(h56, D(2026, 3, 5))
    row = code_template_use(actor=onestop, name=NATIONAL, system_code="01")
    assert (row.active, row.system_code, row.valid_from) == (True, "01", D(2026, 1, 25))
    assert allocate(h56, D(2026, 3, 5)) == "H56.021.05-260305-010002"   # the same day's sequence goes on
    assert allocate(h56, D(2026, 1, 24)) == "000.05.21.H56-260124-0001"  # before 25/01/2026: the default
    assert before == "000.05.21.H56-260305-0001"
    entry = JournalEntry.objects.get(action="onestop.code_template_use")
    assert entry.after == {"template": "{agency_national}-{yyMMdd}-{AA}{N}", "system_code": "01",
                           "valid_from": "2026-01-25", "agency": None}
    assert entry.before == {"active": False, "system_code": "", "valid_from": "2026-01-25"}


def test_an_agency_override_applies_to_that_agency_only_from_its_date(h56, agency, onestop):
    code_template_use(actor=onestop, name="Mẫu riêng", agency=h56, valid_from=D(2026, 6, 1),
                      template="{agency}/{yyyyMMdd}/{N}")
    assert allocate(h56, D(2026, 5, 31)) == "000.05.21.H56-260531-0001"
    assert allocate(h56, D(2026, 6, 1)) == "000.05.21.H56/20260601/0001"
    assert allocate(agency, D(2026, 6, 1)) == f"{agency.identifier}-260601-0001"
    assert template_in_force(agency=h56, on=D(2026, 6, 1)).template == "{agency}/{yyyyMMdd}/{N}"
    # an agency may take the national format while the deployment keeps the default
    code_template_use(actor=onestop, name=NATIONAL, agency=agency, system_code="07", valid_from=D(2026, 7, 1))
    assert allocate(agency, D(2026, 7, 1)) == f"{agency_national_code(agency.identifier)}-260701-070001"
    assert allocate(h56, D(2026, 7, 1)) == "000.05.21.H56/20260701/0001"


@pytest.mark.parametrize("template, system_code, field, message", [
    ("{agency}-{yyMMdd}", "", "template", "Mẫu mã phải có số thứ tự trong ngày {N}."),
    ("{agency}-{N}", "", "template", "Mẫu mã phải có ngày tiếp nhận {yyMMdd} hoặc {yyyyMMdd}."),
    ("{cq}-{yyMMdd}-{N}", "", "template", "Mẫu mã có phần giữ chỗ không hợp lệ: {cq}. "
                                          "Dùng {agency}, {agency_national}, {yyMMdd}, {yyyyMMdd}, {AA}, {N}."),
    ("{agency}-{yyMMdd}-{N:05d}", "", "template", "Mẫu mã có phần giữ chỗ không hợp lệ. "
                                                  "Dùng {agency}, {agency_national}, {yyMMdd}, {yyyyMMdd}, {AA}, {N}."),
    ("{agency}-{yyMMdd}-{N", "", "template", "Mẫu mã có phần giữ chỗ không hợp lệ. "
                                             "Dùng {agency}, {agency_national}, {yyMMdd}, {yyyyMMdd}, {AA}, {N}."),
    ("{agency}-{yyMMdd}-{AA}{N}", "1", "system_code", "Mẫu mã có {AA}: cần mã hệ thống gồm đúng 2 chữ số."),
])
def test_bad_templates_are_refused_and_nothing_changes(h56, onestop, template, system_code, field, message):
    with pytest.raises(ValidationFailed) as err:
        template_check(template, system_code=system_code)
    assert (err.value.message, list(err.value.fields)) == (message, [field])
    with pytest.raises(ValidationFailed):
        code_template_use(actor=onestop, name="Sai", agency=h56, template=template, system_code=system_code)
    assert DossierCodeTemplate.objects.count() == 2
    assert not JournalEntry.objects.filter(action="onestop.code_template_use").exists()


def test_the_national_format_without_aa_digits_is_refused(onestop):
    with pytest.raises(ValidationFailed) as err:
        code_template_use(actor=onestop, name=NATIONAL)
    assert err.value.fields == {"system_code": "Mẫu mã có {AA}: cần mã hệ thống gồm đúng 2 chữ số."}
    assert DossierCodeTemplate.objects.get(name=NATIONAL).active is False


def test_an_unknown_template_name_is_refused(onestop):
    with pytest.raises(ValidationFailed) as err:
        code_template_use(actor=onestop, name="Không có")
    assert err.value.message == "Không có mẫu mã hồ sơ “Không có”."


def test_loading_again_updates_and_keeps_what_an_admin_switched_on(onestop, tmp_path):
    code_template_use(actor=onestop, name=NATIONAL, system_code="01")
    assert code_templates_load() == (0, 2)
    national = DossierCodeTemplate.objects.get(name=NATIONAL)
    assert (national.active, national.system_code) == (True, "01")
    extra = tmp_path / "t.json"
    extra.write_text(json.dumps([{"name": "Mẫu thử", "template": "{agency}.{yyyyMMdd}.{N}", "min_digits": 6,
                                  "valid_from": "2030-01-01", "basis": "thử"}]), encoding="utf-8")
    assert code_templates_load(path=extra) == (1, 0)
    assert template_in_force(agency=1, on=D(2030, 1, 1)).template == "{agency}.{yyyyMMdd}.{N}"


def test_a_bad_data_file_loads_nothing(tmp_path):
    bad = tmp_path / "t.json"
    bad.write_text(json.dumps([
        {"name": "Tốt", "template": "{agency}-{yyMMdd}-{N}", "valid_from": "2030-01-01"},
        {"name": "Xấu", "template": "{agency}-{yyMMdd}", "valid_from": "2030-01-01"},
    ]), encoding="utf-8")
    with pytest.raises(ValidationFailed):
        code_templates_load(path=bad)
    assert DossierCodeTemplate.objects.count() == 2


def test_without_any_template_row_the_default_applies(h56):
    DossierCodeTemplate.objects.all().delete()
    assert template_in_force(agency=h56, on=D(2026, 3, 5)) == DEFAULT
    assert allocate(h56, D(2026, 3, 5)) == "000.05.21.H56-260305-0001"
