"""Demo case files for one agency: last year's and this year's file plans, case files in every state
(open, closed, overdue for deposit, capital construction waiting for or past settlement, transferred)
and one archive transfer. Built through the services (so everything is journaled and consistent), then
dated back as if the work had happened over the two years. Called by the demo seed; idempotent."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from congvu.documents.models import Direction, Document, Secrecy
from congvu.documents.selectors import visible_documents
from congvu.records import rules
from congvu.records.models import CaseFile, FilePlan, Numbering, RetentionItem
from congvu.records.services import (
    EntryData,
    archive_transfer_create,
    case_file_close,
    case_file_document_add,
    case_file_open,
    case_file_update,
    file_plan_create,
    file_plan_entry_add,
    file_plan_heading_add,
    file_plan_issue,
)
from congvu.workflow.selectors import open_work_count

HEADINGS = (
    ("VP", "Văn phòng", (
        ("Hồ sơ xây dựng quy chế làm việc của cơ quan", "item:1"),
        ("Hồ sơ hội nghị cán bộ, công chức, viên chức", 10),
        ("Hồ sơ tiếp công dân", 5),
        ("Tập lưu văn bản đi của cơ quan", "permanent"),
    )),
    ("TCCB", "Tổ chức, cán bộ", (
        ("Hồ sơ tuyển dụng công chức", "permanent"),
        ("Hồ sơ nâng bậc lương thường xuyên", 20),
        ("Hồ sơ đánh giá, xếp loại công chức", 20),
    )),
    ("KHTC", "Kế hoạch, tài chính", (
        ("Hồ sơ xây dựng kế hoạch phát triển kinh tế - xã hội", "permanent"),
        ("Hồ sơ dự toán ngân sách", 10),
        ("Sổ theo dõi công văn giao việc", 2),
    )),
    ("XDCB", "Xây dựng cơ bản", (
        ("Hồ sơ công trình nhà làm việc Bộ phận một cửa", "permanent"),
        ("Hồ sơ sửa chữa trụ sở UBND", 20),
    )),
)


@dataclass
class RecordsDemoResult:
    created: bool
    plans: int = 0
    case_files: int = 0
    transfers: int = 0


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _documents(agency, user, start: dt.date, end: dt.date, n: int, taken: set[int]) -> list[Document]:
    """Up to `n` ordinary documents of the agency registered between two days that `user` sees and that
    have no open work (so their file can be closed)."""
    found = []
    for direction in (Direction.INCOMING, Direction.OUTGOING):
        qs = (visible_documents(user).filter(agency=agency, direction=direction, secrecy=Secrecy.NORMAL,
                                             registered_at__gte=_at(start, 0), registered_at__lt=_at(end, 0))
              .order_by("registered_at").values_list("pk", flat=True)[: n * 4])
        found += [pk for pk in qs if pk not in taken]
    chosen = []
    for pk in found:
        if len(chosen) == n:
            break
        if not open_work_count(document_ids=[pk]):
            chosen.append(pk)
            taken.add(pk)
    return list(Document.objects.filter(pk__in=chosen))


def _plan(agency, leader, year: int, issued_on: dt.date) -> FilePlan:
    plan = file_plan_create(actor=leader, agency=agency, year=year, numbering=Numbering.CONTINUOUS)
    item = RetentionItem.objects.filter(schedule=plan.schedule, code="1").first() if plan.schedule else None
    for code, title, entries in HEADINGS:
        heading = file_plan_heading_add(actor=leader, plan=plan, code=code, title=title)
        for entry_title, retention in entries:
            data = EntryData(title=f"{entry_title} năm {year}")
            if retention == "permanent":
                data.retention_permanent = True
            elif retention == "item:1" and item is not None:
                data.retention_item_id = item.pk
            else:
                data.retention_years = 20 if retention == "item:1" else retention
            file_plan_entry_add(actor=leader, plan=plan, heading_id=heading.pk, data=data)
    plan = file_plan_issue(actor=leader, plan=plan, decision_ref=f"Quyết định số {year % 100:02d}/QĐ-UBND ngày "
                                                                 f"{issued_on:%d/%m/%Y}")
    FilePlan.objects.filter(pk=plan.pk).update(issued_at=_at(issued_on, 10))
    return plan


def seed_records_demo(*, agency, leader, clerk, officers: list, today: dt.date | None = None) -> RecordsDemoResult:
    """Build the records demo of `agency` once (nothing when it already has a file plan).

    `leader` issues the plans and fills the files, `officers` are their responsible officials, `clerk`
    records the archive transfer. Last year's files are closed through the year (the earliest ones are
    overdue for deposit now), two of them already transferred; this year's are open.
    """
    if FilePlan.objects.filter(agency=agency).exists():
        return RecordsDemoResult(created=False)
    today = today or timezone.localdate()
    last, this = today.year - 1, today.year
    taken: set[int] = set()
    files: list[CaseFile] = []
    with transaction.atomic():
        old_plan = _plan(agency, leader, last, dt.date(last, 1, 5))
        new_plan = _plan(agency, leader, this, dt.date(this, 1, 6))

        # Last year: each file gathers a month of documents and is closed ten days after its last one.
        old_entries = list(old_plan.entries.select_related("heading").order_by("ordinal"))
        for i, (entry, month) in enumerate(zip(old_entries, range(1, 13))):
            start = dt.date(last, month, 1)
            end = rules.add_months(start, 1)
            responsible = officers[i % len(officers)]
            cf = case_file_open(actor=leader, plan=old_plan, entry_id=entry.pk,
                                responsible_official_id=responsible.official.pk,
                                capital_construction=entry.heading.code == "XDCB")
            docs = _documents(agency, leader, start, end, 3 + i % 4, taken)
            for doc in docs:
                case_file_document_add(actor=leader, case_file=cf, document_id=doc.pk)
            CaseFile.objects.filter(pk=cf.pk).update(opened_at=_at(start))
            if not docs:
                continue
            case_file_close(actor=leader, case_file=cf)
            closed_on = min(max(d.issued_date or start for d in docs) + dt.timedelta(days=10), today)
            CaseFile.objects.filter(pk=cf.pk).update(closed_at=_at(closed_on, 16))
            files.append(cf)
        # A capital-construction file settled two months ago: due within the month.
        for cf in CaseFile.objects.filter(pk__in=[f.pk for f in files], capital_construction=True)[:1]:
            case_file_update(actor=leader, case_file=cf, changes={"settled_on": today - dt.timedelta(days=62)})

        # The two earliest closed files kept five years or more went to the archive three months ago.
        deposit = [cf for cf in CaseFile.objects.filter(pk__in=[f.pk for f in files]).order_by("closed_at")
                   if cf.deposit_required and not cf.capital_construction][:2]
        transfers = 0
        handed_on = today - dt.timedelta(days=90)
        if deposit and all(timezone.localtime(cf.closed_at).date() <= handed_on for cf in deposit):
            archive_transfer_create(actor=clerk, agency=agency, transferred_on=handed_on,
                                    handed_over_by_id=deposit[0].responsible_id, received_by_id=clerk.official.pk,
                                    case_file_ids=[cf.pk for cf in deposit], notes="Nộp lưu đợt 1",
                                    department_id=deposit[0].department_id)
            transfers = 1

        # This year: three open files with the documents of the last weeks.
        for i, entry in enumerate(new_plan.entries.order_by("ordinal")[:3]):
            cf = case_file_open(actor=leader, plan=new_plan, entry_id=entry.pk,
                                responsible_official_id=officers[i % len(officers)].official.pk)
            start = today - dt.timedelta(days=40 - i * 10)
            for doc in _documents(agency, leader, start, start + dt.timedelta(days=10), 2 + i, taken):
                case_file_document_add(actor=leader, case_file=cf, document_id=doc.pk)
            files.append(cf)
    return RecordsDemoResult(created=True, plans=2, case_files=len(files), transfers=transfers)
