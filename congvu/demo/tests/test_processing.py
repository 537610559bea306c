"""The demo's processing history keeps the invariants the workflow services keep, and shows every case a
leader should see: finished on time, finished late, open, overdue, waiting for direction."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q

from congvu.demo.seed import seed_demo
from congvu.documents.selectors import visible_documents
from congvu.workflow.models import (
    ACTIVE_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    EventKind,
    Presentation,
    PresentationStatus,
    ProcessingEvent,
)
from congvu.workflow.selectors import my_work

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=VN)  # a Friday


@pytest.fixture
def seeded(db, monkeypatch):
    # The bulk history only: tasks and drafts go through the services at the real time (test_work.py).
    monkeypatch.setattr("congvu.demo.work.seed_work_demo", lambda **kwargs: None)
    return seed_demo(days=45, now=NOW)


def test_processing_history_has_every_outcome(seeded):
    leads = Assignment.objects.filter(document__isnull=False, role=AssignmentRole.LEAD, parent__isnull=True)
    accepted = leads.filter(status=AssignmentStatus.ACCEPTED)
    assert accepted.filter(submitted_at__lte=F("due_at")).exists()  # on time
    assert accepted.filter(submitted_at__gt=F("due_at")).exists()  # late
    assert leads.filter(status__in=ACTIVE_STATUSES, due_at__lt=NOW).exists()  # overdue
    assert leads.filter(status__in=ACTIVE_STATUSES, due_at__gte=NOW).exists()  # in time, open
    assert Presentation.objects.filter(status=PresentationStatus.PENDING).exists()


def test_rows_keep_the_services_invariants(seeded):
    # `active` mirrors the status, as Assignment.save keeps it.
    assert not Assignment.objects.filter(Q(active=True) & ~Q(status__in=ACTIVE_STATUSES)).exists()
    assert not Assignment.objects.filter(Q(active=False) & Q(status__in=ACTIVE_STATUSES)).exists()
    # One top-level lead per document; finishing happens after assigning, and not in the future.
    per_doc = (Assignment.objects.filter(role=AssignmentRole.LEAD, parent__isnull=True, document__isnull=False)
               .values("document_id").annotate(n=Count("id")).filter(n__gt=1))
    assert not per_doc.exists()
    assert not Assignment.objects.filter(submitted_at__lt=F("created_at")).exists()
    assert not Assignment.objects.filter(Q(submitted_at__gt=NOW) | Q(accepted_at__gt=NOW)).exists()
    # Every directed document has its timeline steps.
    directed = set(Presentation.objects.filter(status=PresentationStatus.DIRECTED).values_list("document_id",
                                                                                                flat=True))
    with_events = set(ProcessingEvent.objects.filter(kind=EventKind.DIRECTED).values_list("document_id", flat=True))
    assert directed and directed == with_events


def test_officers_see_what_they_handle(seeded):
    officer = get_user_model().objects.get(username="chuyenvien")
    mine = Assignment.objects.filter(assignee_official=officer.official, document__isnull=False)
    assert mine.exists()
    visible = set(visible_documents(officer).filter(pk__in=mine.values("document_id")).values_list("pk", flat=True))
    assert visible == set(mine.values_list("document_id", flat=True))


def test_my_work_of_the_officer_is_not_empty(seeded):
    officer = get_user_model().objects.get(username="chuyenvien")
    agency_id = officer.official.memberships.first().agency_id
    work = my_work(officer, agency_id)
    assert work.items
