"""Fixtures of records tests: a file plan with two headings, issued or not, and documents to file."""

import pytest
from django.utils import timezone

from congvu.audit.models import JournalEntry
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data
from congvu.records.models import ArchiveTransfer, CaseFile, CaseFileDocument, FilePlan, FilePlanEntry, FilePlanHeading
from congvu.records.services import EntryData, file_plan_create, file_plan_entry_add, file_plan_heading_add

YEAR = timezone.localdate().year


def add_entry(actor, plan, heading, title, **kw):
    if not kw.get("retention_permanent") and not kw.get("retention_item_id"):
        kw.setdefault("retention_years", 10)
    return file_plan_entry_add(actor=actor, plan=plan, heading_id=heading.pk, data=EntryData(title=title, **kw))


@pytest.fixture
def plan(agency, leader):
    """A draft plan of this year: TCCB (two files) and VP (one file), numbered continuously."""
    p = file_plan_create(actor=leader, agency=agency, year=YEAR)
    tccb = file_plan_heading_add(actor=leader, plan=p, code="TCCB", title="Tổ chức, cán bộ")
    vp = file_plan_heading_add(actor=leader, plan=p, code="VP", title="Văn phòng")
    add_entry(leader, p, tccb, "Hồ sơ tuyển dụng công chức năm " + str(YEAR), retention_permanent=True)
    add_entry(leader, p, tccb, "Hồ sơ nâng lương thường xuyên", retention_years=20)
    add_entry(leader, p, vp, "Hồ sơ hội nghị cán bộ, công chức", retention_years=10)
    return p


@pytest.fixture
def issued_plan(plan, leader):
    from congvu.records.services import file_plan_issue

    return file_plan_issue(actor=leader, plan=plan, decision_ref="Quyết định số 05/QĐ-UBND")


@pytest.fixture
def incoming(agency, clerk):
    return incoming_register(actor=clerk, agency=agency, data=incoming_data())


@pytest.fixture
def outgoing(agency, clerk):
    return outgoing_register(actor=clerk, agency=agency, data=outgoing_data(pages=2))


def entry(plan, code) -> FilePlanEntry:
    return plan.entries.get(code=code)


def records_state() -> dict:
    """Everything a refused records action must leave untouched."""
    return {
        "plans": list(FilePlan.objects.order_by("pk").values_list("pk", "status", "numbering", "decision_ref")),
        "headings": list(FilePlanHeading.objects.order_by("pk").values_list("pk", "code", "title", "position")),
        "entries": list(FilePlanEntry.objects.order_by("pk").values_list(
            "pk", "heading_id", "ordinal", "code", "title", "retention_years", "retention_permanent")),
        "case_files": list(CaseFile.objects.order_by("pk").values_list(
            "pk", "status", "title", "closed_at", "doc_total", "transfer_id", "responsible_id",
            "transfer_extended_to", "settled_on", "capital_construction")),
        "items": list(CaseFileDocument.objects.order_by("pk").values_list("pk", "case_file_id", "document_id",
                                                                          "ordinal")),
        "transfers": ArchiveTransfer.objects.count(),
        "journal": JournalEntry.objects.count(),
    }
