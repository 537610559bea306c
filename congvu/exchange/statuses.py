"""Statuses of a delivery flowing back to its sender (QCVN 102:2016 status packages; docs/decisions/0016).

Inside one deployment a delivery is an `InboxItem`; each status is an `ExchangeStatus` row of it, which the
sender reads as the recipient's timeline. Recorded idempotently: once per code and delivery, except 05
(each assignee's first progress report) and a new recall request after a refusal (13, 16).

- 01 arrival: when the InboxItem is created (`document_dispatch`);
- 02 rejection with the reason (`inbox_return`); 03 registration (`inbox_register`);
- 04 assignment, 05 processing, 06 completion: hooks called by `congvu.workflow.services` on the incoming
  document the delivery was registered as (`on_directed`, `on_progress`, `on_accepted`);
- 13 / 15 / 16: the recall flow (`congvu.exchange.services.delivery_recall_*`). Once a recall is accepted
  (15), 04/05/06 are no longer recorded nor sent for that delivery (docs/decisions/0018).

The hooks run inside the workflow's transaction: nothing is recorded when the workflow step fails.
"""

from django.db import transaction
from django.utils import timezone

from congvu.exchange.models import (
    REPEATABLE_CODES,
    ExchangeStatus,
    InboxItem,
    InboxStatus,
    RecallState,
    StatusCode,
)
from congvu.org.selectors import official_for_user

# Processing statuses, no longer recorded nor sent once the sender's recall was accepted (15).
AFTER_REGISTRATION = (StatusCode.ASSIGNED.value, StatusCode.PROCESSING.value, StatusCode.COMPLETED.value)


def _actor_name(actor) -> str:
    if actor is None:
        return ""
    official = official_for_user(actor)
    return (official.full_name if official else actor.get_username())[:200]


def status_record(*, item: InboxItem, code: str, actor=None, description: str = "", at=None,
                  agency_id: int | None = None) -> ExchangeStatus | None:
    """Record status `code` of delivery `item` (reported by the receiving agency unless `agency_id` says
    otherwise). Returns the new row, or None when a once-only code is already recorded. Call it inside the
    transaction of the step it reports, with `item` locked or just created."""
    code = StatusCode(code).value
    if code in AFTER_REGISTRATION and item.recall_state == RecallState.ACCEPTED:
        # The recall was accepted: the document is no longer processed for its sender (docs/decisions/0018).
        return None
    if code not in REPEATABLE_CODES and ExchangeStatus.objects.filter(item_id=item.pk, code=code).exists():
        return None
    description = description or StatusCode(code).label
    row = ExchangeStatus.objects.create(
        item_id=item.pk, code=code, description=description[:4000], agency_id=agency_id or item.agency_id,
        actor=actor, actor_name=_actor_name(actor), created_at=at or timezone.now())
    if item.source_document_id is None and item.exchange_document_id and code != StatusCode.RECALL_REQUESTED:
        # A delivery received from another system: the status goes back to its sender (docs/decisions/0017).
        from congvu.exchange.connector import status_queue

        status_queue(status=row, item=item)
    return row


def _registered_item(document_id: int | None) -> InboxItem | None:
    if not document_id:
        return None
    return (InboxItem.objects.select_for_update().filter(incoming_document_id=document_id,
                                                         status=InboxStatus.REGISTERED)
            .exclude(recall_state=RecallState.ACCEPTED).first())


def on_directed(*, actor, document_id: int, text: str = "") -> None:
    """A leader directed the incoming document (workflow `direction_give`): 04 for its delivery."""
    with transaction.atomic():
        item = _registered_item(document_id)
        if item is not None:
            status_record(item=item, code=StatusCode.ASSIGNED, actor=actor,
                          description=f"Đã phân công xử lý: {text}"[:500] if text else "")


def on_progress(*, actor, assignment) -> None:
    """An assignee reported progress on the incoming document (workflow `progress_record`): 05 for the first
    report of each assignment (lead or coordinator)."""
    if not assignment.document_id or assignment.progress_reports.count() != 1:
        return
    with transaction.atomic():
        item = _registered_item(assignment.document_id)
        if item is not None:
            status_record(item=item, code=StatusCode.PROCESSING, actor=actor,
                          description=f"Đang xử lý ({assignment.get_role_display().lower()}: "
                                      f"{assignment.assignee_label})"[:500])


def on_accepted(*, actor, assignment) -> None:
    """The lead's result on the incoming document was accepted (workflow `assignment_accept`): 06."""
    from congvu.workflow.models import AssignmentRole

    if not assignment.document_id or assignment.role != AssignmentRole.LEAD or assignment.parent_id:
        return
    with transaction.atomic():
        item = _registered_item(assignment.document_id)
        if item is not None:
            status_record(item=item, code=StatusCode.COMPLETED, actor=actor,
                          description=("Hoàn thành: " + assignment.result_note)[:500]
                          if getattr(assignment, "result_note", "") else "")
