"""/api/v1/notifications: the caller's own inbox. Someone else's notification is a 404, exactly like one
that does not exist."""

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from congvu.api.schemas import ERRORS, MAX_ID
from congvu.notifications.models import Notification
from congvu.notifications.selectors import PAGE_MAX, inbox, unread_count
from congvu.notifications.services import notification_mark_read, notifications_mark_all_read

router = Router(tags=["Thông báo"])


class AgencyBrief(Schema):
    id: int
    name: str


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="Loại thông báo, ví dụ workflow.due_soon.")
    title: str
    body: str
    url: str = Field(description="Đường dẫn trong hệ thống tới nội dung liên quan (có thể rỗng).")
    agency: AgencyBrief | None
    created_at: datetime
    read_at: datetime | None = Field(description="Thời điểm đã đọc; null là chưa đọc.")


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None = Field(description="Truyền vào tham số cursor để lấy trang tiếp theo; null là hết.")


class UnreadCount(Schema):
    unread: int


class Changed(Schema):
    changed: int = Field(description="Số thông báo vừa được đánh dấu đã đọc.")


def notification_item(n: Notification) -> dict:
    return {
        "id": n.pk, "kind": n.kind, "title": n.title, "body": n.body, "url": n.url,
        "agency": {"id": n.agency_id, "name": n.agency.name} if n.agency_id else None,
        "created_at": timezone.localtime(n.created_at),
        "read_at": timezone.localtime(n.read_at) if n.read_at else None,
    }


@router.get("/notifications", response={200: NotificationPage, **ERRORS}, summary="Thông báo của tôi",
            description="Không lọc: chưa đọc trước, rồi đã đọc, mỗi phần mới nhất trước. `unread=true` chỉ "
                        "thông báo chưa đọc, `unread=false` chỉ thông báo đã đọc. Phân trang theo khóa: "
                        "truyền `next_cursor` của trang trước vào `cursor`.")
def notifications_list(
    request: HttpRequest,
    unread: bool | None = Query(None, description="true: chưa đọc; false: đã đọc; bỏ trống: tất cả."),
    cursor: str | None = Query(None, max_length=20, description="next_cursor của trang trước."),
    limit: int = Query(50, ge=1, le=PAGE_MAX, description="Số thông báo mỗi trang."),
):
    page = inbox(request.auth, unread=unread, cursor=cursor, limit=limit)
    return {"items": [notification_item(n) for n in page.rows], "next_cursor": page.next_cursor}


@router.get("/notifications/unread-count", response={200: UnreadCount, **ERRORS},
            summary="Số thông báo chưa đọc")
def notifications_unread_count(request: HttpRequest):
    return {"unread": unread_count(request.auth)}


@router.post("/notifications/read-all", response={200: Changed, **ERRORS},
             summary="Đánh dấu đã đọc tất cả")
def notifications_read_all(request: HttpRequest):
    return {"changed": notifications_mark_all_read(actor=request.auth)}


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **ERRORS},
             summary="Đánh dấu một thông báo đã đọc", description="Đọc lại thông báo đã đọc không thay đổi gì.")
def notifications_read(request: HttpRequest,
                       notification_id: int = Path(..., ge=1, le=MAX_ID, description="Id của thông báo.")):
    notification_mark_read(actor=request.auth, notification_id=notification_id)
    n = Notification.objects.select_related("agency").get(pk=notification_id)
    return notification_item(n)
