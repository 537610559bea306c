"""Helpers of processing tests: a snapshot of every table a processing step writes."""

from congvu.audit.models import JournalEntry
from congvu.documents.models import DocumentAccess
from congvu.notifications.models import Notification
from congvu.workflow.models import (
    Assignment,
    Direction,
    ExtensionRequest,
    Presentation,
    ProcessingEvent,
    ProgressReport,
)


def state() -> dict:
    """Row counts and assignment states: equal before and after a refused step means nothing changed."""
    return {
        "presentations": list(Presentation.objects.order_by("pk").values_list("pk", "status")),
        "directions": Direction.objects.count(),
        "assignments": list(Assignment.objects.order_by("pk").values_list("pk", "status", "progress", "due_at")),
        "progress": ProgressReport.objects.count(),
        "extensions": list(ExtensionRequest.objects.order_by("pk").values_list("pk", "status")),
        "events": ProcessingEvent.objects.count(),
        "journal": JournalEntry.objects.count(),
        "notifications": Notification.objects.count(),
        "access": DocumentAccess.objects.count(),
    }
