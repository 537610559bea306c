"""Background jobs of the notifications app."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from congvu.jobs import job
from congvu.notifications.models import Notification

CONFIDENTIAL_SUBJECT = "Bạn có thông báo mới về văn bản mật"
CONFIDENTIAL_BODY = "Nội dung thông báo về văn bản mật không gửi qua thư điện tử; vui lòng đăng nhập hệ thống để xem."


def email_text(notification: Notification) -> str:
    body = CONFIDENTIAL_BODY if notification.confidential else notification.body.strip()
    lines = [body] if body else []
    if notification.url:
        url = notification.url if "://" in notification.url else f"{settings.SITE_URL}{notification.url}"
        lines.append(f"Xem chi tiết: {url}")
    if notification.agency_id:
        lines.append(f"Cơ quan: {notification.agency.name}")
    lines.append("—\nThư gửi tự động từ hệ thống quản lý văn bản congvu; vui lòng không trả lời thư này.")
    return "\n\n".join(lines)


@job("notifications.send_email")
def send_email(*, notification_id: int) -> None:
    """E-mail one notification to its official. Idempotent: a notification already e-mailed, deleted, or
    whose official has no address any more, sends nothing."""
    notification = (
        Notification.objects.select_related("official", "agency").filter(pk=notification_id).first()
    )
    if notification is None or notification.emailed_at is not None or not notification.official.email:
        return
    EmailMessage(
        subject=f"[congvu] {CONFIDENTIAL_SUBJECT if notification.confidential else notification.title}",
        body=email_text(notification),
        to=[f"{notification.official.full_name} <{notification.official.email}>"],
    ).send()
    Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
